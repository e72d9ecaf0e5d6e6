"""``decide`` over plain ``Facts``: one table, no I/O. A fact the decision must not need is a
``Lazy`` that fails the test when read."""

from __future__ import annotations

from typing import Any

import pytest

from bot.lazy import Lazy
from bot.model import ClosedPromotion, Deployed, ModelVersion, OpenPromotion, PromotionId, Selection
from bot.policy import Facts, decide
from bot.policy.facts import Soak
from bot.policy.gates import Verdict, check, parse

CAND = ModelVersion("fraud", "fraud", "5", "v1.5.0", metrics={"accuracy": 0.8})
OLD = Deployed("4", "v1.4.0")
AUTOMATIC = Selection()
BY_HAND = Selection(version="5")


def _never(what: str) -> Lazy[Any]:
    def read() -> Any:
        raise AssertionError(f"the decision read {what}, which it did not need")

    return Lazy(read)


def _verdicts(*texts: str) -> Lazy[tuple[Verdict, ...]]:
    return Lazy.of(tuple(check(parse(t), CAND.metrics, None) for t in texts))


def facts(**kw: Any) -> Facts:
    base: dict[str, Any] = {
        "environment": "prod",
        "deployed": OLD,
        "has_changes": True,
        "hold": Lazy.of(None),
        "soak": Lazy.of(None),
        "verdicts": Lazy.of(()),
    }
    return Facts(**{**base, **kw})


CLOSED = ClosedPromotion("b", 8, "u", PromotionId("fraud", "prod", "5", "v1.5.0"))
OLDER_PR = OpenPromotion("b", "sha", 7, None, PromotionId("fraud", "prod", "2", "v1.2.0"))
PINNED = OpenPromotion(
    "b", "sha", 7, None, PromotionId("fraud", "prod", "2", "v1.2.0"), pinned=True
)
SAME_PR = OpenPromotion("b", "sha", 7, None, PromotionId("fraud", "prod", "5", "v1.5.0"))

CASES = [
    # (id, candidate, facts, selection, kind, reason contains)
    (
        "nothing validated",
        None,
        facts(hold=_never("hold")),
        AUTOMATIC,
        "up-to-date",
        "no validated",
    ),
    (
        "no change",
        CAND,
        facts(has_changes=False, hold=_never("hold"), verdicts=_never("gates")),
        AUTOMATIC,
        "up-to-date",
        "up to date: v5 (v1.5.0)",
    ),
    (
        "PR already proposes it",
        CAND,
        facts(open_pr=SAME_PR, hold=_never("hold"), soak=_never("soak")),
        AUTOMATIC,
        "up-to-date",
        "PR #7 already proposes v5",
    ),
    (
        "backwards, automatic",
        CAND,
        facts(deployed=Deployed("9", "v9"), hold=_never("hold")),
        AUTOMATIC,
        "refused",
        "deployed v9 is newer than the newest validated v5",
    ),
    (
        "backwards, by hand",
        CAND,
        facts(deployed=Deployed("9", "v9"), hold=_never("hold"), soak=_never("soak")),
        BY_HAND,
        "promote",
        "v9 -> v5",
    ),
    (
        "held",
        CAND,
        facts(hold=Lazy.of("5"), soak=_never("soak"), verdicts=_never("gates")),
        AUTOMATIC,
        "held",
        "held: v5 was rolled back in prod",
    ),
    (
        "closed unmerged",
        CAND,
        facts(rejected=Lazy.of(CLOSED), hold=_never("hold")),
        AUTOMATIC,
        "rejected",
        "PR #8 proposing v5 was closed without merging",
    ),
    (
        "closed, asked for again by hand",
        CAND,
        facts(rejected=_never("rejections"), hold=_never("hold")),
        BY_HAND,
        "promote",
        "v4 -> v5",
    ),
    (
        "open PR chosen by a person",
        CAND,
        facts(open_pr=PINNED, hold=_never("hold"), reviewed=_never("reviews")),
        AUTOMATIC,
        "up-to-date",
        "PR #7 proposes v2, chosen by a person: not replaced",
    ),
    (
        "open PR under review",
        CAND,
        facts(open_pr=OLDER_PR, reviewed=Lazy.of(True), hold=_never("hold")),
        AUTOMATIC,
        "up-to-date",
        "has a review: v5 is announced there, not pushed",
    ),
    ("open PR not reviewed", CAND, facts(open_pr=OLDER_PR), AUTOMATIC, "promote", "v4 -> v5"),
    ("newer than the hold", CAND, facts(hold=Lazy.of("4")), AUTOMATIC, "promote", "v4 -> v5"),
    (
        "hold lifted by hand",
        CAND,
        facts(hold=_never("hold"), soak=_never("soak"), verdicts=_verdicts("accuracy >= 0.9")),
        BY_HAND,
        "promote",
        "v4 -> v5",
    ),
    (
        "soaking",
        CAND,
        facts(soak=Lazy.of(Soak("staging", 2.0, 24.0)), verdicts=_never("gates")),
        AUTOMATIC,
        "waiting",
        "soaking: 2.0 h of 24 h in staging",
    ),
    (
        "soaked",
        CAND,
        facts(soak=Lazy.of(Soak("staging", 30.0, 24.0))),
        AUTOMATIC,
        "promote",
        "v4 -> v5",
    ),
    (
        "gate fails",
        CAND,
        facts(verdicts=_verdicts("accuracy >= 0.9")),
        AUTOMATIC,
        "blocked",
        "gates failed: accuracy >= 0.9 (accuracy 0.8, threshold 0.9)",
    ),
    (
        "gate fails, drafts wanted",
        CAND,
        facts(verdicts=_verdicts("accuracy >= 0.9"), on_gate_failure="draft"),
        AUTOMATIC,
        "promote",
        "(draft PR)",
    ),
    (
        "gate passes",
        CAND,
        facts(verdicts=_verdicts("accuracy >= 0.5")),
        AUTOMATIC,
        "promote",
        "v4 -> v5",
    ),
]


@pytest.mark.parametrize(
    ("candidate", "given", "selection", "kind", "reason"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decide(
    candidate: ModelVersion | None, given: Facts, selection: Selection, kind: str, reason: str
) -> None:
    decision = decide(candidate, given, selection)
    assert decision.kind == kind
    assert reason in decision.reason
    assert decision.promote is (kind == "promote")


def test_decision_data_carries_what_people_are_shown() -> None:
    drafted = decide(
        CAND, facts(verdicts=_verdicts("accuracy >= 0.9"), on_gate_failure="draft"), AUTOMATIC
    )
    assert drafted.draft and [v.gate.text for v in drafted.failed_gates] == ["accuracy >= 0.9"]
    waiting = decide(CAND, facts(soak=Lazy.of(Soak("staging", 2.0, 24.0))), AUTOMATIC)
    assert waiting.hours_left == pytest.approx(22.0)
    held = decide(CAND, facts(hold=Lazy.of("6")), AUTOMATIC)
    assert held.held == "6"
    by_hand = decide(CAND, facts(verdicts=_verdicts("accuracy >= 0.9")), BY_HAND)
    assert by_hand.promote and not by_hand.draft and len(by_hand.failed_gates) == 1


def test_a_lazy_fact_is_read_once() -> None:
    reads: list[int] = []
    hold = Lazy(lambda: reads.append(1) or None)
    given = facts(hold=hold)
    decide(CAND, given, AUTOMATIC)
    decide(CAND, given, AUTOMATIC)
    assert reads == [1]
