"""Pacing as GitHub's REST guidance asks, without a fixed tax: requests one at a time with no
delay between reads, writes spaced only beyond a run's first few, and rate limits on the poll's
GraphQL read honoured (``Retry-After`` waited for, a spent points budget reported)."""

from __future__ import annotations

import time

import pytest

from bot.errors import RetryableError
from bot.platform.github import GitHubSettings
from bot.platform.github.pacing import Pacer
from tests.platform import Rig, check_one_promotion, statuses
from tests.rig.ghfake import graphql_points

SECONDARY = {
    "message": (
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
    )
}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def _paced(clock: Clock, free: int = 2, interval: float = 1.0) -> Pacer:
    return Pacer(free, interval, sleep=clock.sleep, clock=lambda: clock.now)


def _request(pacer: Pacer, clock: Clock, verb: str, takes: float = 0.1) -> None:
    pacer.before(verb)
    clock.now += takes
    pacer.after(verb)


def test_reads_are_never_delayed() -> None:
    clock = Clock()
    pacer = _paced(clock)
    for _ in range(50):
        _request(pacer, clock, "GET")
    assert clock.sleeps == []


def test_the_first_writes_go_at_once_and_later_ones_a_second_after_the_last() -> None:
    clock = Clock()
    pacer = _paced(clock, free=2)
    for verb in ("POST", "GET", "PATCH", "POST", "POST"):
        _request(pacer, clock, verb)
    # The third and fourth writes each start 1 s after the write before them ended.
    assert clock.sleeps == [1.0, 1.0]
    assert pacer.writes == 4


def test_a_graphql_query_is_paced_as_a_read() -> None:
    clock = Clock()
    pacer = _paced(clock, free=0)
    _request(pacer, clock, "POST")  # a write: the first has nothing to wait for
    with pacer.reading():
        for _ in range(3):
            _request(pacer, clock, "POST")
    assert clock.sleeps == [] and pacer.writes == 1


def test_the_shipped_defaults_put_no_delay_in_one_promotion(rig: Rig) -> None:
    shipped = GitHubSettings("acme/gitops", "token")
    assert (shipped.seconds_between_requests, shipped.free_writes) == (0.0, 6)
    platform = rig.platform(
        seconds_between_requests=shipped.seconds_between_requests,
        seconds_between_writes=shipped.seconds_between_writes,
        free_writes=shipped.free_writes,
    )
    result = rig.run(platform=platform)
    assert result.status == "opened", result.reason
    assert platform.pacer.writes == len(rig.fake.writes()) <= 6
    assert platform.pacer.slept == 0.0


def test_writes_beyond_the_free_ones_are_spaced(rig: Rig) -> None:
    platform = rig.platform(seconds_between_writes=0.3, free_writes=2)
    started = time.monotonic()
    result = rig.run(platform=platform)
    assert result.status == "opened", result.reason
    writes = len(rig.fake.writes())
    assert writes > 2 and platform.pacer.writes == writes
    # Each write after the second waited for what was left of 0.3 s after the one before.
    assert platform.pacer.slept > 0
    assert time.monotonic() - started >= 0.3 * (writes - 2) * 0.9
    check_one_promotion(rig.fake, "2", "v1.4.0")


def test_a_secondary_limit_on_the_poll_read_waits_its_retry_after(rig: Rig) -> None:
    rig.fake.inject("POST", "/graphql", 403, headers={"Retry-After": "1"}, body=SECONDARY)
    started = time.monotonic()
    result = rig.run()
    assert result.status == "opened", result.reason
    assert time.monotonic() - started >= 1.0
    assert statuses(rig.fake, "POST", "/graphql") == [403, 200, 200]  # the read, the commit


def test_a_retry_after_beyond_the_cap_fails_the_poll_read_at_once(rig: Rig) -> None:
    rig.fake.inject("POST", "/graphql", 403, headers={"Retry-After": "3600"}, body=SECONDARY)
    started = time.monotonic()
    with pytest.raises(RetryableError) as caught:
        rig.run()
    assert time.monotonic() - started < 5
    assert str(caught.value) == (
        "GitHub rate limit: asks to wait 3600 s, longer than the 5 s the bot waits: cannot read "
        "the base branch of acme/gitops; try again later"
    )
    assert statuses(rig.fake, "POST", "/graphql") == [403]


def test_spent_graphql_points_are_a_retryable_error_and_nothing_is_written(rig: Rig) -> None:
    graphql_points.state(rig.fake).limit = 0
    with pytest.raises(RetryableError) as caught:
        rig.run()
    assert "GitHub GraphQL rate limit reached" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert rig.fake.writes() == []
