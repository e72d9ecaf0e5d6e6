"""The bot's comments on pull requests (a newer version announced to a reviewed PR, the
closed PR's rejection note) are posted once, like ChatOps replies: a POST that GitHub carried
out but whose answer was lost is found by its marker, not sent again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.platform.github import GitHubSettings
from bot.platform.github.platform import GitHubPlatform
from tests.chatops.proxy import LateFaultProxy
from tests.chatops.test_comments import _bodies, _issue, _route
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN


@pytest.fixture
def proxy(fake_github: FakeGitHub) -> Iterator[LateFaultProxy]:
    with LateFaultProxy(fake_github.base_url) as started:
        yield started


def _platform(fake: FakeGitHub, proxy: LateFaultProxy) -> GitHubPlatform:
    settings = GitHubSettings(
        repository="acme/gitops",
        token=TOKEN,
        api_url=proxy.url_for(fake.base_url),
        seconds_between_requests=0,
        seconds_between_writes=0,
        retry_backoff=0,
    )
    return GitHubPlatform(settings)


def test_an_announcement_lost_behind_a_502_is_posted_once(
    fake_github: FakeGitHub, proxy: LateFaultProxy
) -> None:
    number = _issue(fake_github)
    proxy.answer_after_forward(_route(fake_github, number), status=502)
    _platform(fake_github, proxy).announce(number, "v3 is out", "<!-- announced v3 -->")
    (body,) = _bodies(fake_github, number)
    assert body.startswith("v3 is out\n\n<!-- announced v3 -->")
    posts = [s.outcome for s in proxy.requests if s.method == "POST"]
    assert posts == ["forwarded, then 502"]


def test_a_watch_note_lost_behind_a_502_is_posted_once(
    fake_github: FakeGitHub, proxy: LateFaultProxy
) -> None:
    number = _issue(fake_github)
    proxy.answer_after_forward(_route(fake_github, number), status=502)
    tracking = _platform(fake_github, proxy).tracking()
    url = tracking.upsert_note(number, "v3 is healthy in prod", None)
    (body,) = _bodies(fake_github, number)
    assert body.startswith("v3 is healthy in prod\n\n<!-- model-promotion-bot:comment watch-")
    assert url.endswith(f"#issuecomment-{fake_github.comments[number][0]['id']}")
