"""The comment parser: strict, table-driven."""

from __future__ import annotations

import pytest

from bot.chatops import Command, Refusal, parse

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
    ("/rollback prod 12", ONE, Refusal("unknown model; use one of: fraud-detector")),
]


@pytest.mark.parametrize(("body", "models", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_parse(body: str, models: tuple[str, ...], expected: object) -> None:
    assert parse(body, ENVS, models) == expected
