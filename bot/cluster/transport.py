"""HTTP plumbing of the Argo CD source: the session (library retries, bearer auth) and the
one-line reason of a failed connection."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests


def session(token: str, verify: str | bool, backoff: float, retries: int) -> requests.Session:
    """A session that retries GETs on 5xx and dropped connections, with bearer auth."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,  # TLS failures: a certificate does not get better on a second try
        backoff_factor=backoff,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,  # the last answer is shown to people, not a MaxRetryError
        respect_retry_after_header=True,
    )
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.mount("http://", HTTPAdapter(max_retries=retry))
    # An auth object, not a header: requests then never swaps in ~/.netrc credentials, and
    # drops it on a redirect to another host. Proxy variables keep working.
    session.auth = _Bearer(token)
    session.headers["Accept"] = "application/json"
    session.verify = verify
    return session


class _Bearer:
    """``Authorization: Bearer <token>``; the token stays out of repr() and logs."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_Bearer(<redacted>)"


def why(err: BaseException) -> str:
    """The innermost reason of a requests error, one line, without the URL (which repeats the
    server) or OpenSSL's source location."""
    reason: BaseException = err
    while reason.__context__ is not None and str(reason.__context__):
        reason = reason.__context__
    text = re.sub(r"\s*\(_ssl\.c:\d+\)", "", str(reason))
    text = re.sub(r"^<[^>]+>: ", "", text)  # urllib3's "<connection object>: " prefix
    line = " ".join(text.split())
    return line if len(line) <= 160 else line[:159] + "…"
