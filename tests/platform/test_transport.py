"""The GitHub transport (urllib3) on its own, over real HTTP: against the GitHub fake (pages,
statuses, rate-limit headers), a closed port, and a TLS server with a throwaway CA. The retry
rules are those of the PyGithub client the run path used before; ``test_github_faults`` checks
them again through whole promotions."""

from __future__ import annotations

import http.server
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import pytest

from bot.errors import RetryableError, UserError
from bot.platform.github.client import api, pacer_for
from bot.platform.github.repository import Repo
from bot.platform.github.settings import GitHubSettings
from bot.platform.github.transport import Transport, next_link, proxy_for, tls_options
from bot.platform.github.transport_errors import HttpError, RateLimitTooLong, Unreachable
from tests.platform import FAST
from tests.rig.argocd.tls import make_pki
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN

REPO = "/repos/acme/gitops"
SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}


def transport(api_url: str, **overrides: Any) -> Transport:
    settings = GitHubSettings("acme/gitops", TOKEN, api_url, **{**FAST, **overrides})
    return Transport(settings, pacer_for(settings))


def seen(fake: FakeGitHub, method: str, part: str) -> list[int]:
    return [r.status for r in fake.requests if r.method == method and part in r.path]


@pytest.fixture
def issue(fake_github: FakeGitHub) -> int:
    return int(fake_github.open_issue("Promotions")["number"])


def comments_url(number: int) -> str:
    return f"{REPO}/issues/{number}/comments"


def test_a_listing_follows_the_link_header_a_page_at_a_time(
    fake_github: FakeGitHub, issue: int
) -> None:
    http = transport(fake_github.base_url)
    for n in range(5):
        http.request("POST", comments_url(issue), body={"body": f"comment {n}"})
    pages = http.pages(comments_url(issue), {"per_page": 2})
    assert next(pages)["body"] == "comment 0"
    assert len(seen(fake_github, "GET", "/comments")) == 1  # the next page not read yet
    assert [c["body"] for c in pages] == [f"comment {n}" for n in range(1, 5)]
    assert len(seen(fake_github, "GET", "/comments")) == 3


def test_requests_carry_the_token_the_agent_and_json(fake_github: FakeGitHub, issue: int) -> None:
    transport(fake_github.base_url).request("POST", comments_url(issue), body={"body": "hi"})
    (post,) = [r for r in fake_github.requests if r.method == "POST"]
    assert post.login is not None  # the fake knew the token
    assert post.headers["Authorization"] == "token <redacted>"
    assert post.headers["User-Agent"].startswith("model-promotion-bot/")
    assert post.headers["Content-Type"] == "application/json"


def test_an_error_carries_status_message_errors_and_headers(fake_github: FakeGitHub) -> None:
    body = {"message": "Validation Failed", "errors": [{"message": "Reference already exists"}]}
    fake_github.inject("POST", f"{REPO}/git/refs", 422, body=body)
    with pytest.raises(HttpError) as caught:
        transport(fake_github.base_url).request("POST", f"{REPO}/git/refs", body={"ref": "x"})
    err = caught.value
    assert (err.status, err.message, err.data["errors"]) == (
        422,
        "Validation Failed",
        body["errors"],
    )
    assert "x-ratelimit-remaining" in err.headers  # the fake answers as GitHub, limits and all
    assert TOKEN not in f"{err} {err!r} {err.headers}"


def test_5xx_is_retried_then_answered(fake_github: FakeGitHub, issue: int) -> None:
    fake_github.inject("POST", comments_url(issue), 502, times=2)
    transport(fake_github.base_url).request("POST", comments_url(issue), body={"body": "x"})
    assert seen(fake_github, "POST", "/comments") == [502, 502, 201]


def test_5xx_past_the_retries_is_the_last_answer(fake_github: FakeGitHub, issue: int) -> None:
    fake_github.inject("GET", comments_url(issue), 503, times=10)
    with pytest.raises(HttpError) as caught:
        transport(fake_github.base_url).request("GET", comments_url(issue))
    assert caught.value.status == 503 and caught.value.message
    assert seen(fake_github, "GET", "/comments") == [503] * 3  # FAST: two retries


def test_a_plain_403_is_answered_at_once(fake_github: FakeGitHub, issue: int) -> None:
    fake_github.inject("GET", comments_url(issue), 403)
    with pytest.raises(HttpError) as caught:
        transport(fake_github.base_url).request("GET", comments_url(issue))
    assert caught.value.message == "Resource not accessible by integration"
    assert seen(fake_github, "GET", "/comments") == [403]


def test_a_secondary_limit_body_waits_the_secondary_wait(
    fake_github: FakeGitHub, issue: int
) -> None:
    fake_github.inject("GET", comments_url(issue), 403, body=SECONDARY)
    started = time.monotonic()
    transport(fake_github.base_url, secondary_rate_wait=0.6).request("GET", comments_url(issue))
    assert time.monotonic() - started >= 0.6
    assert seen(fake_github, "GET", "/comments") == [403, 200]


def test_a_secondary_limit_past_the_retries_keeps_its_message(
    fake_github: FakeGitHub, issue: int
) -> None:
    fake_github.inject("GET", comments_url(issue), 403, times=10, body=SECONDARY)
    with pytest.raises(HttpError) as caught:
        transport(fake_github.base_url).request("GET", comments_url(issue))
    assert caught.value.message == SECONDARY["message"]


def test_a_primary_limit_far_away_is_not_waited_for(fake_github: FakeGitHub, issue: int) -> None:
    reset = int(time.time()) + 3600
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    body = {"message": "API rate limit exceeded for user ID 5001."}
    fake_github.inject("GET", comments_url(issue), 403, headers=headers, body=body)
    started = time.monotonic()
    with pytest.raises(RateLimitTooLong) as caught:
        transport(fake_github.base_url).request("GET", comments_url(issue))
    assert time.monotonic() - started < 2
    assert 3590 < caught.value.wait <= 3601 and caught.value.status == 403


def test_a_retry_after_on_any_status_is_slept_or_refused(
    fake_github: FakeGitHub, issue: int
) -> None:
    fake_github.inject("GET", comments_url(issue), 503, headers={"Retry-After": "1"})
    started = time.monotonic()
    transport(fake_github.base_url).request("GET", comments_url(issue))
    assert time.monotonic() - started >= 1.0
    fake_github.inject("GET", comments_url(issue), 503, headers={"Retry-After": "600"})
    with pytest.raises(RateLimitTooLong) as caught:
        transport(fake_github.base_url).request("GET", comments_url(issue))
    assert (caught.value.status, caught.value.wait) == (503, 600.0)


def test_without_retry_each_request_goes_once(fake_github: FakeGitHub, issue: int) -> None:
    fake_github.inject("POST", comments_url(issue), 502, times=5)
    once = transport(fake_github.base_url).without_retry()
    with pytest.raises(HttpError):
        once.request("POST", comments_url(issue), body={"body": "x"})
    assert seen(fake_github, "POST", "/comments") == [502]


def test_a_closed_port_is_unreachable_and_worded_as_before() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = GitHubSettings("acme/gitops", TOKEN, f"http://127.0.0.1:{port}/api/v3", **FAST)
    with pytest.raises(RetryableError) as caught, api("read things", settings):
        transport(settings.api_url).request("GET", REPO)
    assert isinstance(caught.value.__cause__, Unreachable)
    assert str(caught.value) == (
        "GitHub unreachable (connection refused after 2 retries): cannot read things; try again"
    )


def test_a_bad_token_is_a_user_error(fake_github: FakeGitHub) -> None:
    settings = GitHubSettings("acme/gitops", "wrong", fake_github.base_url, **FAST)
    with pytest.raises(UserError) as caught, api("read things", settings):
        Transport(settings, pacer_for(settings)).request("GET", REPO)
    assert str(caught.value) == "GitHub rejected the token: cannot read things; check GITHUB_TOKEN"


def test_a_link_off_the_api_origin_gets_no_request(fake_github: FakeGitHub) -> None:
    with pytest.raises(HttpError):
        transport(fake_github.base_url).request("GET", "http://127.0.0.1:9/elsewhere")
    assert fake_github.requests == []


def test_writes_are_paced_and_graphql_queries_are_reads(
    fake_github: FakeGitHub, issue: int
) -> None:
    http = transport(fake_github.base_url)
    http.request("GET", REPO)
    with http.pacer.reading():
        http.graphql({"query": 'query { repository(owner: "acme", name: "gitops") { id } }'})
    assert http.pacer.writes == 0
    http.without_retry().request("POST", comments_url(issue), body={"body": "x"})
    assert http.pacer.writes == 1  # the clone shares the pacer
    assert http.graphql_url == fake_github.base_url.removesuffix("/v3") + "/graphql"
    assert transport("https://api.github.com").graphql_url == "https://api.github.com/graphql"


def test_next_link_reads_githubs_link_header() -> None:
    link = '<https://x/a?page=3>; rel="next", <https://x/a?page=9>; rel="last"'
    assert next_link(link) == "https://x/a?page=3"
    assert next_link('<https://x/a?page=1>; rel="prev"') is None


def test_tls_trusts_what_requests_trusts(tmp_path: Path) -> None:
    assert tls_options({}) == {"cert_reqs": "CERT_REQUIRED", "ca_certs": certifi.where()}
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    assert tls_options({"REQUESTS_CA_BUNDLE": str(bundle)})["ca_certs"] == str(bundle)
    assert tls_options({"CURL_CA_BUNDLE": str(tmp_path)})["ca_cert_dir"] == str(tmp_path)
    assert tls_options({"SSL_CERT_FILE": str(bundle)})["ca_certs"] == certifi.where()


def test_proxies_as_requests_reads_them() -> None:
    url = "https://api.github.com"
    assert proxy_for(url, {}) is None
    assert proxy_for(url, {"HTTPS_PROXY": "proxy:3128"}) == "http://proxy:3128"
    assert proxy_for(url, {"all_proxy": "http://p:1"}) == "http://p:1"
    assert proxy_for(url, {"HTTP_PROXY": "http://p:1"}) is None  # https goes direct
    assert proxy_for(url, {"HTTPS_PROXY": "p:1", "NO_PROXY": "github.com"}) is None


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 answering ``{}``, and the CA file that trusts it."""
    pki = make_pki(tmp_path / "pki")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert_file, pki.key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", pki.ca_file
    finally:
        server.shutdown()
        server.server_close()


def test_tls_is_verified_against_the_configured_bundle(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ca_file = tls_server
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(Unreachable) as caught:
        transport(url, retries=0).request("GET", "/anything")
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value.reason)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
    assert transport(url).json("GET", "/anything") == {}


def test_an_answer_of_the_wrong_shape_is_one_line(fake_github: FakeGitHub, issue: int) -> None:
    fake_github.inject("GET", comments_url(issue), 200, body=b"<html>not json</html>")
    settings = GitHubSettings("acme/gitops", TOKEN, fake_github.base_url, **FAST)
    with pytest.raises(RetryableError) as caught, api("read the comments", settings):
        list(transport(fake_github.base_url).pages(comments_url(issue)))
    assert str(caught.value) == (
        "GitHub answered unexpectedly (not a list where a list was expected): cannot read the "
        "comments; try again"
    )


def test_the_repository_facts_are_read_once_and_worded_on_failure(
    fake_github: FakeGitHub,
) -> None:
    http = transport(fake_github.base_url)
    repo = Repo(http, "acme/gitops")
    assert repo.default_branch == "main" and repo.node_id
    assert len(seen(fake_github, "GET", REPO)) == 1
    fake_github.inject("GET", REPO, 500, times=10)
    with pytest.raises(RetryableError) as caught:
        _ = Repo(http, "acme/gitops").node_id
    assert str(caught.value) == (
        "GitHub answered 500 (Server Error) after 2 retries: cannot read the repository "
        "acme/gitops; try again"
    )
