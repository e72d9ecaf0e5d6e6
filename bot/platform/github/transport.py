"""GitHub's REST and GraphQL APIs over urllib3: the one HTTP client of a promotion.

One connection pool, kept alive for the run; the configured timeout on connecting and on each
read; TLS verified as requests verifies it by default (certifi's bundle, or the file or
directory ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` names) and the ``*_proxy`` variables
honoured as requests honours them. Every request is paced by the run's ``Pacer`` and retried
by ``retry.GitHubRetry``; an answer of 400 or more raises ``HttpError``, a connection that
failed past its retries ``Unreachable`` (``transport_errors``), which ``client.api`` maps to the
bot's errors. Decision D-57 says why this is not PyGithub on requests.

The token is sent in the Authorization header to the API's own origin and nowhere else: a
URL from an answer (a page link) pointing elsewhere is refused, and urllib3 drops the header
on a redirect to another host.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from bot import __version__
from bot.platform.github.pacing import Pacer
from bot.platform.github.settings import GitHubSettings
from bot.platform.github.transport_errors import HttpError, Unreachable, body_of, listed

PER_PAGE = 100  # items a listing asks for per page
ACCEPTED_WAIT = 2.0  # a GET answered 202 (GitHub is still computing it) is asked again after


class Transport:
    def __init__(self, settings: GitHubSettings, pacer: Pacer, retry: bool = True) -> None:
        self.settings = settings
        self.pacer = pacer
        self._retry = retry
        base = urlsplit(settings.api_url.rstrip("/"))
        self.origin = f"{base.scheme}://{base.netloc}"
        self.prefix = base.path
        # GitHub Enterprise serves REST under /api/v3 and GraphQL under /api/graphql.
        graphql = base.path.removesuffix("/v3") + "/graphql"
        self.graphql_url = self.origin + graphql
        self._headers = {
            "Authorization": f"token {settings.token}",
            "User-Agent": f"model-promotion-bot/{__version__}",
            "Accept": "application/vnd.github+json",
        }
        self._shared: list[Any] = []  # the pool, made on the first request, shared by clones
        self._lock = threading.Lock()

    def without_retry(self) -> Transport:
        """The same client (pool, pacing, token) sending each request once."""
        clone = Transport(self.settings, self.pacer, retry=False)
        clone._shared, clone._lock = self._shared, self._lock
        return clone

    # -- requests -------------------------------------------------------------------------

    def request(
        self,
        verb: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> tuple[dict[str, str], Any]:
        """``verb`` on ``url`` (a path below the API URL, or an absolute URL on its origin) with
        the query ``params`` and the JSON ``body``: (headers lower-cased, parsed JSON)."""
        target = self._absolute(url, params)
        headers = dict(self._headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        while True:
            status, answer_headers, data = self._send(verb, target, headers, payload)
            if not (status == 202 and verb in ("GET", "HEAD")):
                break
            time.sleep(ACCEPTED_WAIT)
        if status >= 400:
            raise HttpError(status, data, answer_headers)
        return answer_headers, data

    def json(
        self, verb: str, url: str, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> Any:
        return self.request(verb, url, params, body)[1]

    def graphql(self, document: Any) -> Any:
        """A GraphQL request (query or mutation); its answer as GitHub gave it, errors and all."""
        return self.json("POST", self.graphql_url, body=document)

    def pages(self, url: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """The items of a REST listing, page after page as the Link header leads, each page read
        only when the items before it are used up."""
        headers, data = self.request("GET", url, {"per_page": PER_PAGE, **(params or {})})
        while True:
            yield from listed(data)
            after = next_link(headers.get("link", ""))
            if after is None:
                return
            headers, data = self.request("GET", after)

    def _send(
        self, verb: str, url: str, headers: dict[str, str], payload: bytes | None
    ) -> tuple[int, dict[str, str], Any]:
        from urllib3.exceptions import HTTPError as Urllib3Error
        from urllib3.exceptions import MaxRetryError

        from bot.platform.github.retry import github_retry, no_retry

        retries = github_retry(self.settings) if self._retry else no_retry()
        pool = self._pool()
        self.pacer.before(verb)
        try:
            answer = pool.request(verb, url, body=payload, headers=headers, retries=retries)
        except MaxRetryError as err:
            raise Unreachable(err.reason or err) from err
        except Urllib3Error as err:
            raise Unreachable(err) from err
        finally:
            # From the end of the request, as pacing counts (``pacing``).
            self.pacer.after(verb)
        answer_headers = {str(k).lower(): str(v) for k, v in answer.headers.items()}
        return int(answer.status), answer_headers, body_of(answer.data)

    def _absolute(self, url: str, params: Mapping[str, Any] | None) -> str:
        if url.startswith("/"):
            url = self.origin + self.prefix + url
        elif not url.startswith(self.origin + "/"):
            # A URL from an answer: the token goes to the API's origin only.
            raise HttpError(502, {"message": f"a link outside {self.origin}"}, {})
        if not params:
            return url
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query.update({k: _text(v) for k, v in params.items()})
        return parts._replace(query=urlencode(query)).geturl()

    def _pool(self) -> Any:
        with self._lock:
            if not self._shared:
                self._shared.append(_pool_manager(self.settings, self.origin))
            return self._shared[0]


def _text(value: Any) -> str:
    # GitHub reads booleans in a query string in lower case.
    return str(value).lower() if isinstance(value, bool) else str(value)


def next_link(link: str) -> str | None:
    """The ``rel="next"`` URL of a Link header; None on the last page."""
    for part in link.split(","):
        target, _, rest = part.partition(";")
        if 'rel="next"' in rest.replace(" ", ""):
            return target.strip().removeprefix("<").removesuffix(">")
    return None


def _pool_manager(settings: GitHubSettings, origin: str) -> Any:
    import urllib3

    options: dict[str, Any] = {
        "num_pools": 4,
        "maxsize": 10,  # as requests: the labels and reviewers requests go in parallel
        "timeout": urllib3.Timeout(connect=settings.timeout, read=settings.timeout),
        **tls_options(os.environ),
    }
    proxy = proxy_for(origin, os.environ)
    if proxy is not None:
        return urllib3.ProxyManager(proxy, **options)
    return urllib3.PoolManager(**options)


def tls_options(env: Mapping[str, str]) -> dict[str, Any]:
    """Certificates as requests checks them by default: the bundle its environment variables
    name (a file or a directory), else certifi's."""
    bundle = env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE")
    if not bundle:
        import certifi

        bundle = certifi.where()
    key = "ca_cert_dir" if os.path.isdir(bundle) else "ca_certs"
    return {"cert_reqs": "CERT_REQUIRED", key: bundle}


def proxy_for(url: str, env: Mapping[str, str]) -> str | None:
    """The proxy the environment names for ``url`` (``https_proxy``, ``all_proxy``, with
    ``no_proxy`` exceptions), as requests reads them; None when there is none."""
    if not any(name.lower().endswith("_proxy") for name in env):
        return None  # the usual case: no need to load urllib.request
    import urllib.request

    found = {k.lower(): v for k, v in env.items() if k.lower().endswith("_proxy") and v}
    proxies = {k.removesuffix("_proxy"): v for k, v in found.items() if k != "no_proxy"}
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    if "no" in {k.removesuffix("_proxy") for k in found}:
        bypass = {"no": found["no_proxy"]}
        if urllib.request.proxy_bypass_environment(host, bypass):  # type: ignore[attr-defined]
            return None
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None
    return proxy if "://" in proxy else f"http://{proxy}"
