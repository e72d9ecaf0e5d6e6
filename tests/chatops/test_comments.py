"""Comments are posted once: a POST that GitHub carried out but whose answer was lost (a 502
from a gateway, a reset connection) is found by its hidden marker, not posted again."""

from __future__ import annotations

import pytest

from bot.errors import RetryableError
from bot.platform.github.chat import GitHubChat
from bot.platform.github.client import client
from bot.platform.github.comments import marker
from tests.chatops.proxy import (
    LateFaultProxy,
    bodies,
    comment_post,
    open_issue,
    proxied_settings,
)
from tests.rig.fake_github import FakeGitHub


def _chat(fake: FakeGitHub, proxy: LateFaultProxy) -> GitHubChat:
    settings = proxied_settings(fake, proxy)
    gh = client(settings)
    return GitHubChat(gh, gh.get_repo(settings.repository), settings)


def test_502_after_the_post_was_carried_out_leaves_one_comment(
    fake_github: FakeGitHub, proxy: LateFaultProxy
) -> None:
    number = open_issue(fake_github)
    proxy.answer_after_forward(comment_post(fake_github, number), status=502)
    url = _chat(fake_github, proxy).reply(number, "@alice opened #7")
    (body,) = bodies(fake_github, number)
    assert body.startswith("@alice opened #7\n\n<!-- model-promotion-bot:comment reply_")
    # The URL of the comment that was found, not of a new one.
    assert url.endswith(f"#issuecomment-{fake_github.comments[number][0]['id']}")
    outcomes = [(s.method, s.outcome) for s in proxy.requests if "/comments" in s.target]
    assert outcomes == [("POST", "forwarded, then 502"), ("GET", "forwarded")]


def test_reset_after_the_post_was_carried_out_leaves_one_comment(
    fake_github: FakeGitHub, proxy: LateFaultProxy
) -> None:
    number = open_issue(fake_github)
    proxy.reset(after_forward=True, match=comment_post(fake_github, number))
    _chat(fake_github, proxy).reply(number, "@alice opened #7")
    assert len(bodies(fake_github, number)) == 1
    posts = [s.outcome for s in proxy.requests if s.method == "POST"]
    assert posts == ["forwarded, then reset"]


def test_a_post_that_never_arrived_is_sent_once_more(
    fake_github: FakeGitHub, proxy: LateFaultProxy
) -> None:
    number = open_issue(fake_github)
    proxy.answer(status=502, match=comment_post(fake_github, number))
    _chat(fake_github, proxy).reply(number, "@alice opened #7")
    assert len(bodies(fake_github, number)) == 1
    posts = [s.outcome for s in proxy.requests if s.method == "POST"]
    assert posts == ["502", "forwarded"]


def test_two_lost_posts_fail_in_one_line_and_post_nothing(
    fake_github: FakeGitHub, proxy: LateFaultProxy
) -> None:
    number = open_issue(fake_github)
    proxy.answer(status=503, times=2, match=comment_post(fake_github, number))
    with pytest.raises(RetryableError) as caught:
        _chat(fake_github, proxy).reply(number, "@alice opened #7")
    assert str(caught.value).startswith("GitHub answered 503")
    assert f"cannot comment on #{number}" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert bodies(fake_github, number) == []
    assert [s.method for s in proxy.requests if "/comments" in s.target] == [
        "POST",
        "GET",
        "POST",
        "GET",
    ]


def test_an_older_comment_with_the_same_words_does_not_count(
    fake_github: FakeGitHub, proxy: LateFaultProxy
) -> None:
    # The same reply a day ago: its marker matches, but it was written before this attempt.
    number = open_issue(fake_github)
    chat = _chat(fake_github, proxy)
    chat.reply(number, "@alice nothing to do")
    fake_github.comments[number][0]["updated_at"] = "2020-01-01T00:00:00Z"
    fake_github.comments[number][0]["created_at"] = "2020-01-01T00:00:00Z"
    proxy.answer(status=502, match=comment_post(fake_github, number))
    chat.reply(number, "@alice nothing to do")
    assert len(bodies(fake_github, number)) == 2


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("reply 12", "<!-- model-promotion-bot:comment reply_12 -->"),
        ("superseded v5", "<!-- model-promotion-bot:comment superseded_v5 -->"),
        ("x --> <script>", "<!-- model-promotion-bot:comment x_-_script_ -->"),
        ("v1--2", "<!-- model-promotion-bot:comment v1-2 -->"),
        ("", "<!-- model-promotion-bot:comment _ -->"),
    ],
)
def test_marker_cannot_break_out_of_its_html_comment(key: str, expected: str) -> None:
    assert marker(key) == expected
