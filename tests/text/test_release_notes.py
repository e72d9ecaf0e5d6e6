"""The versions between deployed and candidate, and each metric's recent history."""

from __future__ import annotations

from bot.model import Deployed, ModelVersion, PromotionId
from bot.text import history, pull_request
from tests.text.test_pull_request_body import METRICS, check

DAY = 86_400_000


def _mv(version: str, accuracy: float, latency: float, description: str | None) -> ModelVersion:
    return ModelVersion(
        "llm",
        "llm",
        version,
        f"v1.{version}.0",
        metrics={"accuracy": accuracy, "latency_p99_ms": latency},
        created_ms=1_764_000_000_000 + int(version) * DAY,
        url=f"https://mlflow.example/#/models/llm/versions/{version}",
        description=description,
    )


RECENT = [  # newest first, as the registry lists them
    _mv("7", 0.93, 110.0, "Retrained on November data | *bold* [link](javascript:x)"),
    _mv("6", 0.92, 118.0, None),
    _mv("5", 0.90, 131.0, "Tokenizer fix\nsecond line"),
    _mv("4", 0.91, 125.0, "x" * 200),
    _mv("3", 0.89, 140.0, "first"),
]


def test_body_lists_versions_since_deployed_and_metric_history() -> None:
    text = pull_request.body(
        PromotionId("llm", "prod", "7", "v1.7.0"),
        RECENT[0],
        RECENT[3],
        Deployed("4", "v1.4.0"),
        [],
        metrics=METRICS.metric_rules(),
        recent=RECENT,
    )
    check("release_notes", text)


def test_between() -> None:
    assert [m.version for m in history.between("4", "7", RECENT)[0]] == ["7", "6", "5"]
    assert history.between("4", "7", RECENT)[1] is True
    # The deployed version is older than the listing: say so rather than pretend.
    listed, complete = history.between("1", "6", RECENT)
    assert [m.version for m in listed] == ["6", "5", "4", "3"]
    assert complete is False
    assert "Older versions since the deployed one are not listed." in history.between_table(
        "1", listed, complete
    )
    # A rollback's candidate is older than what runs: nothing is "between".
    assert history.between("7", "5", RECENT) == ([], True)


def test_sparkline() -> None:
    assert history.sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert history.sparkline([0.9, 0.9]) == "▅▅"
    assert history.sparkline([3, 1]) == "█▁"
