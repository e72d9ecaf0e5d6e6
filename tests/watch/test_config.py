"""``follow:`` under an environment: one line per mistake, naming the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import parse
from bot.errors import ConfigError
from bot.pipeline.watch import followed, records_at_merge

EXAMPLE = Path(__file__).parents[2] / "examples" / "gitops-repo" / ".github" / "promotion.yml"
WHERE = "models.fraud-detector.environments.prod.follow"


def _with(follow: str) -> str:
    return EXAMPLE.read_text().replace("      prod:\n", f"      prod:\n        follow: {follow}\n")


@pytest.mark.parametrize(
    ("follow", "message"),
    [
        ("{argocd: {server: ftp://x, applications: [a]}}", "argocd.server: 'ftp://x' is not"),
        ("{argocd: {server: https://x, aplications: [a]}}", "did you mean 'applications'?"),
        ("nope", "write none, or a mapping with argocd: or github-status:"),
        ("{record_on: healthy}", "record_on: healthy needs argocd or github-status"),
    ],
)
def test_a_bad_follow_is_one_line(follow: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(_with(follow), ".github/promotion.yml")
    (line,) = str(caught.value).splitlines()
    assert WHERE in line and message in line


def test_none_and_a_source() -> None:
    config = parse(_with("none"), ".github/promotion.yml")
    assert followed(config) == {}
    assert records_at_merge(config, "fraud-detector", "prod")
    text = _with("{github-status: {context: 'kustomization/apps-prod/*'}}")
    config = parse(text, ".github/promotion.yml")
    assert list(followed(config)) == [("fraud-detector", "prod")]
    assert not records_at_merge(config, "fraud-detector", "prod")  # healthy, by watch
    merge = _with("{github-status: {context: 'x/*'}, record_on: merge}")
    assert records_at_merge(parse(merge, ".github/promotion.yml"), "fraud-detector", "prod")
