"""The note on a promotion PR closed without merging: what is skipped, until when, and the
exact command that overrides; registry values cannot break out of their code spans."""

from __future__ import annotations

from bot.model import PromotionId
from bot.text.pull_request import rejection


def test_the_note_names_the_version_the_environment_and_the_override() -> None:
    assert rejection(PromotionId("fraud-detector", "prod", "2", "v1.4.0")) == (
        "Closed without merging: v2 (`v1.4.0`) of `fraud-detector` is skipped for `prod`. "
        "Scheduled runs will not propose it there again; a newer validated version will be "
        "proposed as usual.\n\n"
        "- To promote v2 anyway, comment `/promote prod 2 fraud-detector`.\n"
        "- Reopening this PR undoes the skip."
    )


def test_an_image_tag_from_the_registry_stays_in_its_code_span() -> None:
    note = rejection(PromotionId("m", "prod", "3", "v1`<b>@team"))
    assert "(``v1`<b>@team``)" in note  # a longer fence: no markup, no mention
    assert "\n" not in note.split("\n\n")[0]


def test_without_an_image_tag_nothing_is_left_empty() -> None:
    assert rejection(PromotionId("m", "prod", "3", None)).startswith(
        "Closed without merging: v3 of `m` is skipped for `prod`."
    )
