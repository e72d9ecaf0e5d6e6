"""The bot's comments on pull requests (a newer version announced to a reviewed PR, the
closed PR's rejection note) are posted once, like ChatOps replies: a POST that GitHub carried
out but whose answer was lost is found by its marker, not sent again."""

from __future__ import annotations

from bot.platform.github.platform import GitHubPlatform
from tests.chatops.proxy import (
    LateFaultProxy,
    bodies,
    comment_post,
    open_issue,
    proxied_settings,
)
from tests.rig.fake_github import FakeGitHub


def _platform(fake: FakeGitHub, proxy: LateFaultProxy) -> GitHubPlatform:
    return GitHubPlatform(proxied_settings(fake, proxy))


def test_an_announcement_lost_behind_a_502_is_posted_once(
    fake_github: FakeGitHub, proxy: LateFaultProxy
) -> None:
    number = open_issue(fake_github)
    proxy.answer_after_forward(comment_post(fake_github, number), status=502)
    _platform(fake_github, proxy).announce(number, "v3 is out", "<!-- announced v3 -->")
    (body,) = bodies(fake_github, number)
    assert body.startswith("v3 is out\n\n<!-- announced v3 -->")
    posts = [s.outcome for s in proxy.requests if s.method == "POST"]
    assert posts == ["forwarded, then 502"]


def test_a_watch_note_lost_behind_a_502_is_posted_once(
    fake_github: FakeGitHub, proxy: LateFaultProxy
) -> None:
    number = open_issue(fake_github)
    proxy.answer_after_forward(comment_post(fake_github, number), status=502)
    tracking = _platform(fake_github, proxy).tracking()
    url = tracking.upsert_note(number, "v3 is healthy in prod", None)
    (body,) = bodies(fake_github, number)
    assert body.startswith("v3 is healthy in prod\n\n<!-- model-promotion-bot:comment watch-")
    assert url.endswith(f"#issuecomment-{fake_github.comments[number][0]['id']}")
