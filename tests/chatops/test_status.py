"""``/status`` quotes registry text in its table; no one named in that text is mentioned."""

from __future__ import annotations

import html
import re
import uuid
from pathlib import Path

from tests.chatops.helpers import WRITER, Conversation
from tests.e2e.helpers import VALIDATED
from tests.rig.fake_github import FakeGitHub
from tests.rig.mlflow_rig import seed_model


def mentions(markdown: str) -> list[str]:
    """Who GitHub would notify: names right after an @ that follows no word character, in the
    text as rendered (backslash escapes and entities resolved)."""
    rendered = html.unescape(re.sub(r"\\(.)", r"\1", markdown))
    return re.findall(r"(?<!\w)@([A-Za-z0-9][A-Za-z0-9-]*(?:/[A-Za-z0-9][\w.-]*)?)", rendered)


def test_status_table_mentions_no_one(
    tmp_path: Path, fake_github: FakeGitHub, tracking_uri: str
) -> None:
    # The registry says v2's image tag is a team handle: the table quotes it in the detail.
    name = f"fraud-{uuid.uuid4().hex[:8]}"
    seed_model(
        tracking_uri,
        name,
        [
            {"tags": {**VALIDATED, "image_tag": "v1.3.0"}},
            {"tags": {**VALIDATED, "image_tag": "@acme/ml-platform"}},
        ],
    )
    talk = Conversation(tmp_path, fake_github, name)
    _, said = talk.say("/status")
    (answer,) = talk.replies(said)
    assert "acme/ml\\-platform" in answer  # still shown, for people to read
    assert "| fraud\\-detector | prod | ✘ failed |" in answer
    assert mentions(answer) == [WRITER]


def test_the_mention_check_sees_what_github_would_notify() -> None:
    assert mentions("@alice see '@acme/ml\\-platform' and &#64;bob, not a@b.c") == [
        "alice",
        "acme/ml-platform",
        "bob",
    ]
