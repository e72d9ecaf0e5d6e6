"""Pure pieces: value templates, PR text escaping and markers, promotion decisions."""

from __future__ import annotations

import pytest

from bot import markers, template
from bot.model import Deployed, ModelVersion, OpenPromotion, PromotionId, Selection
from bot.policy import Facts, decide
from bot.text import markdown, pull_request


@pytest.mark.parametrize(
    ("tpl", "values", "rendered"),
    [
        ("{version}", {"version": "12"}, "12"),
        ("v{version}", {"version": "12"}, "v12"),
        ("models:/{model}/{version}", {"model": "fraud", "version": "3"}, "models:/fraud/3"),
        ("{image_tag}", {"image_tag": "1.10"}, "1.10"),
    ],
)
def test_template_render_and_extract(tpl: str, values: dict[str, str], rendered: str) -> None:
    full = {"model": "", "version": "", "image_tag": "", "image_digest": "", **values}
    assert template.render(tpl, full) == rendered
    assert template.extract(tpl, rendered) == values


def test_template_extract_mismatch() -> None:
    assert template.extract("v{version}", "12") is None


@pytest.mark.parametrize(
    "bad", ["{nope}", "{version.__class__}", "{version[0]}", "{version!r}", "{"]
)
def test_template_check_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        template.check(bad)


PROMO = PromotionId("fraud", "prod", "3", "v1.5.0")


def test_marker_roundtrip_and_injection() -> None:
    assert markers.parse_marker("text\n" + markers.marker(PROMO)) == PROMO
    evil = PromotionId("fraud", "prod", "3", "x --> <script>")
    body = markers.marker(evil)
    assert body.count("-->") == 1  # the value cannot close the comment early
    assert markers.parse_marker(body) == evil
    assert markers.parse_marker("<!-- model-promotion-bot {not json} -->") is None
    assert markers.parse_marker(None) is None


def test_trailers_roundtrip() -> None:
    message = pull_request.commit_message(PROMO, Deployed("2", "v1.4.0"))
    assert message.splitlines()[0] == "Promote fraud to prod: v3 (v1.5.0)"
    assert markers.parse_trailers(message) == PROMO
    assert markers.parse_trailers("no trailers") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("v1", "`v1`"), ("a`b", "``a`b``"), ("x\ny", "`x y`"), (None, "—"), ("`x", "`` `x ``")],
)
def test_code_span(value: str | None, expected: str) -> None:
    assert markdown.code(value) == expected


def test_cell_escapes_markup() -> None:
    assert markdown.cell("[x](http://e) | *b*") == r"\[x\]\(http://e\) \| \*b\*"


def _mv(version: str, tag: str = "v1", metrics: dict[str, float] | None = None) -> ModelVersion:
    return ModelVersion(
        "fraud",
        "fraud",
        version,
        tag,
        run_id="abcdef1234567890",
        metrics=metrics or {},
        url=f"http://mlflow/#/models/fraud/versions/{version}",
        run_url="http://mlflow/#/runs/x",
    )


def test_body_has_metrics_with_deltas_links_and_marker() -> None:
    cand = _mv("3", "v1.5.0", {"accuracy": 0.93, "latency_p99_ms": 120.0})
    cur = _mv("2", "v1.4.0", {"accuracy": 0.91, "latency_p99_ms": 150.0})
    text = pull_request.body(PROMO, cand, cur, Deployed("2", "v1.4.0"), [])
    assert "| accuracy | 0.91 | 0.93 | +0.02 (+2.2%) |" in text
    assert "| latency\\_p99\\_ms | 150 | 120 | -30 (-20.0%) |" in text
    assert "[v3](http://mlflow/#/models/fraud/versions/3)" in text
    assert "[v2](http://mlflow/#/models/fraud/versions/2)" in text
    assert markers.parse_marker(text) == PROMO


def _decide(cand, deployed, open_pr, has_changes, explicit):  # type: ignore[no-untyped-def]
    facts = Facts("prod", deployed, has_changes, open_pr)
    return decide(cand, facts, Selection(version="3" if explicit else None, pinned=explicit))


def test_policy() -> None:
    cand = _mv("3")
    none = Deployed(None, None)
    assert _decide(None, none, None, False, False).reason == (
        "no validated version in the registry"
    )
    assert not _decide(cand, Deployed("3", "v1"), None, False, False).promote
    same = OpenPromotion(
        "promote/fraud/prod", "sha", 7, None, PromotionId("fraud", "prod", "3", "v1")
    )
    assert _decide(cand, Deployed("2", "v0"), same, True, False).reason == (
        "PR #7 already proposes v3"
    )
    older = _decide(cand, Deployed("4", "v2"), None, True, False)
    assert not older.promote and "newer than the newest validated v3" in older.reason
    assert _decide(cand, Deployed("4", "v2"), None, True, True).promote
    assert _decide(cand, Deployed("2", "v0"), None, True, False).reason == "v2 -> v3"
