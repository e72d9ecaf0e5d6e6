"""The repository the bot publishes to, as the REST API addresses it, and ``View``: GitHub's JSON
read by attribute (``pr.head.repo.full_name``), so the pure rules in ``state`` read a REST
answer as they read a PyGithub object."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from bot.platform.github.failures import api
from bot.platform.github.transport import Transport
from bot.platform.github.transport_errors import Unexpected, field


class Repo:
    """``owner/name`` on the API: paths below ``url``, and the two facts only GitHub knows
    (node id, default branch), read with one request the first time either is asked for."""

    def __init__(self, http: Transport, full_name: str) -> None:
        self.http = http
        self.full_name = full_name
        self.url = f"/repos/{full_name}"
        self._info: Any = None
        self._lock = threading.Lock()

    @property
    def node_id(self) -> str:
        return self._fact("node_id")

    @property
    def default_branch(self) -> str:
        return self._fact("default_branch")

    def _fact(self, name: str) -> str:
        # Asked for from inside other calls (a branch move needs the node id): worded here.
        with self._lock, api(f"read the repository {self.full_name}", self.http.settings):
            if self._info is None:
                self._info = self.http.json("GET", self.url)
            return str(field(self._info, name))


class View:
    """Read-only attribute access over a JSON object: a missing field reads as None, an object
    as a ``View``, a list item by item."""

    __slots__ = ("_data",)

    def __init__(self, data: Any) -> None:
        if not isinstance(data, Mapping):
            raise Unexpected("not an object where an object was expected")
        self._data = data

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return wrap(self._data.get(name))

    def __repr__(self) -> str:
        return f"View({sorted(self._data)})"


def wrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        return View(value)
    if isinstance(value, list):
        return [wrap(item) for item in value]
    return value
