"""Where log lines go and how many: one verbosity for the bot and the libraries under it.

0: the bot's warnings only; libraries' retry chatter (urllib3's "Retrying ...", MLflow's and
botocore's notices) stays hidden, since a failure that outlives the retries is reported once
as an error anyway. 1 (``-v``): the bot's progress and the libraries' warnings. 2 (``-vv``,
or ``RUNNER_DEBUG=1`` in Actions): everything at debug.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import TextIO

LIBRARIES = ("urllib3", "mlflow", "botocore", "boto3", "github", "git")
_FORMAT = "%(levelname)s %(name)s: %(message)s"
_USER_MLFLOW_LEVEL = os.environ.get("MLFLOW_LOGGING_LEVEL")


def verbosity(asked: int, env: Mapping[str, str]) -> int:
    """``-v`` count, raised to 2 when a re-run asked for debug logging in Actions."""
    return 2 if env.get("RUNNER_DEBUG") == "1" else min(asked, 2)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr as it is when a record is written, not when the handler was made: the CLI can
    run several times in one process (tests, a notebook), each with its own stderr."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(_FORMAT))

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def setup(
    level: int, handler: logging.Handler | None = None, bot_floor: int = logging.WARNING
) -> logging.Handler:
    """Route the bot's and the libraries' records to ``handler`` (stderr by default) at
    ``level``; ``bot_floor`` is the bot's own level at verbosity 0 (the action shows INFO).
    Returns the handler, for ``teardown``."""
    if handler is None:
        handler = _Stderr()
    root = logging.getLogger()
    # One handler: running twice in a process (tests, ChatOps) must not print lines twice.
    root.handlers = [h for h in root.handlers if not getattr(h, "_bot", False)]
    handler._bot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if level >= 2 else logging.WARNING)
    bot = {0: bot_floor, 1: min(bot_floor, logging.INFO)}.get(level, logging.DEBUG)
    logging.getLogger("bot").setLevel(bot)
    libraries = {0: logging.ERROR, 1: logging.WARNING}.get(level, logging.DEBUG)
    # MLflow sets its logger up when it is first imported, from this variable (unless the
    # user set it: their choice wins).
    if _USER_MLFLOW_LEVEL is None:
        os.environ["MLFLOW_LOGGING_LEVEL"] = logging.getLevelName(libraries)
    for name in LIBRARIES:
        logger = logging.getLogger(name)
        logger.setLevel(libraries)
        if name == "mlflow" and "mlflow" in sys.modules:
            # Already imported: it keeps its own handler; send its records to ours instead.
            logger.handlers = []
            logger.propagate = True
    return handler


def teardown(handler: logging.Handler) -> None:
    """Stop writing to ``handler`` (the action's job log ends with its run)."""
    logging.getLogger().removeHandler(handler)
