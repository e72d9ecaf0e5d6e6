"""The comment parser (strict, table-driven), the commenter's login, and the words of
replies: failures in one line, and markdown that mentions no one."""

from __future__ import annotations

from typing import Any

import pytest

from bot.chatops import Command, Refusal, parse
from bot.chatops.handle import CommentEvent
from bot.chatops.reply import failure, quiet
from bot.errors import RetryableError, UserError

ENVS = ("dev", "staging", "prod")
USAGE = "usage: `/promote <environment> [version] [model]`"
BAD_ARGS = f"arguments may only use letters, digits, `.`, `_` and `-`; {USAGE}"
ONE = ("fraud-detector",)
TWO = ("fraud-detector", "churn")

CASES = [
    ("/promote prod", ONE, Command("promote", "prod")),
    ("/promote staging 12", ONE, Command("promote", "staging", "12")),
    ("/promote prod 12 churn", TWO, Command("promote", "prod", "12", "churn")),
    ("/promote prod churn", TWO, Command("promote", "prod", None, "churn")),
    ("  /promote prod  \nthanks!", ONE, Command("promote", "prod")),
    ("/rollback prod", ONE, Command("rollback", "prod")),
    ("/rollback prod churn", TWO, Command("rollback", "prod", None, "churn")),
    ("/status", ONE, Command("status")),
    ("/help", ONE, Command("help")),
    ("LGTM", ONE, None),
    ("please /promote prod", ONE, None),
    ("/promoted prod", ONE, None),
    ("> /promote prod", ONE, None),
    (
        "/promote",
        ONE,
        Refusal("missing environment; usage: `/promote <environment> [version] [model]`"),
    ),
    ("/promote qa", ONE, Refusal("unknown environment; use one of: dev, prod, staging")),
    (
        "/promote prod 12 fraud nonsense",
        TWO,
        Refusal("too many arguments; usage: `/promote <environment> [version] [model]`"),
    ),
    (
        "/promote prod 12",
        TWO,
        Refusal(f"name the model when promoting a version; {USAGE}"),
    ),
    ("/promote prod other", TWO, Refusal("unknown model; use one of: churn, fraud-detector")),
    (
        "/promote prod v1.2",
        ONE,
        Refusal("versions are registry version numbers (digits), e.g. `/promote prod 2`"),
    ),
    (
        "/promote prod $(rm -rf /)",
        ONE,
        Refusal(BAD_ARGS),
    ),
    (
        "/promote prod ../../etc",
        ONE,
        Refusal(BAD_ARGS),
    ),
    (
        "/promote prοd",
        ONE,
        Refusal(  # Greek omicron
            BAD_ARGS
        ),
    ),
    ("/status now", ONE, Refusal("`/status` takes no arguments")),
    (
        "/promote prod\n/rollback prod",
        ONE,
        Refusal("one command per comment, on its first line; see `/help`"),
    ),
    (
        "/promote prod " + "1" * 300,
        ONE,
        Refusal("comment too long; usage: `/promote <environment> [version] [model]`"),
    ),
    (
        "/promote prod\n" + "x" * 70000,
        ONE,
        Refusal("comment too long; usage: `/promote <environment> [version] [model]`"),
    ),
    (
        "/rollback prod 12",
        ONE,
        Refusal(
            "`/rollback` takes no version: it goes back to the version deployed before; "
            "usage: `/rollback <environment> [model]`"
        ),
    ),
    ("/rollback prod other", ONE, Refusal("unknown model; use one of: fraud-detector")),
    ("/unhold prod", ONE, Command("unhold", "prod")),
    ("/unhold prod churn", TWO, Command("unhold", "prod", None, "churn")),
    ("/unhold", ONE, Refusal("missing environment; usage: `/unhold <environment> [model]`")),
    ("/unhold qa", ONE, Refusal("unknown environment; use one of: dev, prod, staging")),
    (
        "/unhold prod 2",
        ONE,
        Refusal(
            "`/unhold` takes no version: it lifts the hold on whichever version is held; "
            "usage: `/unhold <environment> [model]`"
        ),
    ),
    (
        "/unhold prod churn extra",
        TWO,
        Refusal("too many arguments; usage: `/unhold <environment> [model]`"),
    ),
    ("/unholdall prod", ONE, None),
    ("/promote prod 123456789", ONE, Command("promote", "prod", "123456789")),
    (
        "/promote prod 1234567890",
        ONE,
        Refusal(
            "version `1234567890` has 10 digits; registry version numbers have at most 9, "
            "e.g. `/promote prod 2`"
        ),
    ),
    (
        "/promote prod 00000000000000000001 churn",
        TWO,
        Refusal(
            "version `00000000000000000001` has 20 digits; registry version numbers have at "
            "most 9, e.g. `/promote prod 2`"
        ),
    ),
]


@pytest.mark.parametrize(("body", "models", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_parse(body: str, models: tuple[str, ...], expected: object) -> None:
    assert parse(body, ENVS, models) == expected


def test_help_lists_every_command_with_what_it_does() -> None:
    from bot.chatops.parse import COMMANDS, USAGE, help_text

    text = help_text()
    for name in COMMANDS:
        assert f"- `{USAGE[name]}`: " in text
    assert "`/unhold <environment> [model]`: open a PR that lifts the rollback hold" in text


def _event(login: str) -> dict[str, Any]:
    return {
        "action": "created",
        "issue": {"number": 1},
        "comment": {"id": 2, "body": "/status", "user": {"login": login}},
    }


@pytest.mark.parametrize(
    "login",
    ["alice", "mona_emu", "2abvd19d_admin", "octo-cat_acme", "a", "x" * 39, "renovate[bot]"],
)
def test_logins_github_allows_are_accepted(login: str) -> None:
    assert CommentEvent.parse(_event(login)).login == login


@pytest.mark.parametrize(
    "login", ["", "_mona", "-mona", "x" * 40, "mona smith", "mona@acme", "mona\nx", "../x"]
)
def test_anything_else_is_not_a_login(login: str) -> None:
    with pytest.raises(UserError, match=r"comment\.user\.login is not a GitHub login"):
        CommentEvent.parse(_event(login))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@alice", "@\u200balice"),
        ("| '@acme/ml\\-platform' |", "| '@\u200bacme/ml\\-platform' |"),
        ("`@alice` and ``a ` @b``", "`@alice` and ``a ` @b``"),  # code spans never mention
        ("` @c", "` @\u200bc"),  # an unclosed backtick is no code span
        ("\\@alice", "\\@\u200balice"),  # an escaped @ still renders as @
        ("&#64;alice &commat;bob", "&amp;#64;alice &amp;commat;bob"),
        ("\\&#64;x", "\\&#64;x"),  # already escaped: no entity
        ("a@b.c", "a@\u200bb.c"),
        ("[#5](http://h/pull/5)", "[#5](http://h/pull/5)"),
        ("@\u200balice", "@\u200balice"),  # quiet twice is quiet once
    ],
)
def test_quiet_leaves_no_mention(text: str, expected: str) -> None:
    assert quiet(text) == expected


RUN = "https://github.com/acme/gitops/actions/runs/42"


@pytest.mark.parametrize(
    ("err", "run_url", "expected"),
    [
        (
            RetryableError("GitHub answered 502 (Bad Gateway): cannot x; try again"),
            RUN,
            "`/status` failed: `GitHub answered 502 (Bad Gateway): cannot x; try again`; "
            f"see the [workflow run]({RUN})",
        ),
        (
            UserError("first line\nsecond line"),
            None,
            "`/status` failed: `first line`",
        ),
        (
            KeyError("ghs_secret"),
            RUN,
            "`/status` failed: `unexpected error (KeyError); please report it`; "
            f"see the [workflow run]({RUN})",
        ),
        (
            UserError("x"),
            "javascript:alert(1)",
            "`/status` failed: `x`",
        ),
        (
            UserError("x"),
            "https://h/runs/1) [click](https://evil",
            "`/status` failed: `x`",
        ),
    ],
)
def test_failure_is_one_line_with_the_run_link(
    err: Exception, run_url: str | None, expected: str
) -> None:
    assert failure("status", err, run_url) == expected
