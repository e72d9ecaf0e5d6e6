"""The per-environment cluster config: what loads, and the exact line for what does not."""

from __future__ import annotations

import pytest

from bot.cluster import SOURCES
from bot.cluster.config import Follow, parse_follow, resolve
from bot.errors import ConfigError

WHERE = "models.fraud.environments.prod.follow"
SERVER = "https://argocd.example.com"


def test_argocd_by_names_with_defaults() -> None:
    cluster = parse_follow({"argocd": {"server": SERVER + "/", "applications": ["a"]}}, WHERE)
    assert cluster.source == "argocd"
    assert cluster.argocd is not None
    assert cluster.argocd.server == SERVER  # trailing slash dropped
    assert cluster.argocd.token_env == "ARGOCD_TOKEN"
    assert (cluster.records_on, cluster.on_failure, cluster.timeout_minutes) == (
        "healthy",
        "comment",
        30,
    )


def test_argocd_by_selector_with_options() -> None:
    raw = {
        "argocd": {
            "server": "https://cd.example.com/argo-cd",  # served under a path prefix
            "selector": {"app.kubernetes.io/part-of": "fraud", "env": "prod"},
            "project": "ml",
            "app_namespace": "argocd-apps",
            "token_env": "CD_TOKEN",
            "ca_file": "certs/ca.pem",
            "timeout_minutes": 45,
        },
        "record_on": "merge",
        "on_failure": "rollback",
    }
    cluster = parse_follow(raw, WHERE)
    assert cluster.argocd is not None and cluster.argocd.selector == raw["argocd"]["selector"]  # type: ignore[index]
    assert (cluster.records_on, cluster.on_failure, cluster.timeout_minutes) == (
        "merge",
        "rollback",
        45,
    )


def test_github_status_and_none() -> None:
    status = parse_follow({"github-status": {"context": "kustomization/apps-prod*"}}, WHERE)
    assert (status.source, status.records_on) == ("github-status", "healthy")
    for nothing in ("none", None):
        plain = parse_follow(nothing, WHERE)
        assert (plain.source, plain.records_on, plain.timeout_minutes) == ("none", "merge", 0)
    assert resolve("none") == Follow() and resolve(status) is status


def test_every_source_name_has_a_factory() -> None:
    assert set(SOURCES) == {"argocd", "github-status"}


BAD = [
    (
        {"argocd": {"server": "argocd.example.com", "applications": ["a"]}},
        f"{WHERE}.argocd.server: 'argocd.example.com' is not an http(s) URL; write e.g. {SERVER}",
    ),
    (
        {"argocd": {"server": "https://admin:pw@argocd.example.com", "applications": ["a"]}},
        f"{WHERE}.argocd.server: must not carry credentials; put the token in $ARGOCD_TOKEN",
    ),
    (
        {"argocd": {"server": SERVER + "/?x=1", "applications": ["a"]}},
        f"{WHERE}.argocd.server: must not have a query or fragment; give the server's base URL",
    ),
    (
        {"argocd": {"server": SERVER}},
        f"{WHERE}.argocd: give either applications: [names] or selector: {{label: value}}",
    ),
    (
        {"argocd": {"server": SERVER, "applications": ["a"], "selector": {"a": "b"}}},
        f"{WHERE}.argocd: give either applications: [names] or selector: {{label: value}}",
    ),
    (
        {"argocd": {"server": SERVER, "applications": ["Fraud Prod"]}},
        f"{WHERE}.argocd.applications: 'Fraud Prod' is not an Application name (lower-case "
        "letters, digits, - and .)",
    ),
    (
        {"argocd": {"server": SERVER, "applications": []}},
        f"{WHERE}.argocd.applications: is empty; list the Applications that deploy this "
        "environment",
    ),
    (
        {"argocd": {"server": SERVER, "selector": {"env": "prod,team!=x"}}},
        f"{WHERE}.argocd.selector: 'prod,team!=x' (for env) is not a Kubernetes label value",
    ),
    (
        {"argocd": {"server": SERVER, "applications": ["a"], "token": "secret"}},
        f"{WHERE}.argocd.token: unknown key; did you mean token_env?",
    ),
    (
        {"argocd": {"server": SERVER, "applications": ["a"], "token_env": "ARGO-TOKEN"}},
        f"{WHERE}.argocd.token_env: String should match pattern '^[A-Za-z_][A-Za-z0-9_]*$'",
    ),
    (
        {"argocd": {"server": SERVER, "applications": ["a"], "timeout_minutes": 0}},
        f"{WHERE}.argocd.timeout_minutes: Input should be greater than or equal to 1",
    ),
    (
        {"github-status": {}},
        f"{WHERE}.github-status: give context: <glob> (commit statuses) or deployment_environment",
    ),
    (
        {"github_status": {"context": "x"}},
        f"{WHERE}.github_status: unknown key; did you mean github-status?",
    ),
    (
        {"argocd": {"server": SERVER, "applications": ["a"]}, "github-status": {"context": "x"}},
        f"{WHERE}: give argocd or github-status, not both",
    ),
    (
        {"record_on": "healthy"},
        f"{WHERE}: record_on: healthy needs argocd or github-status to tell health",
    ),
    (
        {"on_failure": "merge"},
        f"{WHERE}.on_failure: Input should be 'comment' or 'rollback'",
    ),
    (
        "argo",
        f"{WHERE}: 'argo' is not a follow setting; write none, or a mapping with argocd: or "
        "github-status:",
    ),
]


@pytest.mark.parametrize(("raw", "message"), BAD)
def test_bad_config_is_one_line_naming_the_key_and_the_fix(raw: object, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_follow(raw, WHERE)
    assert info.value.problems == [message]


def test_every_problem_is_reported_at_once() -> None:
    raw = {"argocd": {"server": "ftp://x", "applications": ["a"], "colour": "blue"}}
    with pytest.raises(ConfigError) as info:
        parse_follow(raw, WHERE)
    assert len(info.value.problems) == 2


def test_the_json_schema_comes_from_the_models_and_agrees_with_them() -> None:
    import jsonschema
    from pydantic import TypeAdapter

    from bot.cluster.config import FollowSetting

    published = TypeAdapter(FollowSetting).json_schema()
    good = {"argocd": {"server": SERVER, "applications": ["fraud-prod"]}, "on_failure": "rollback"}
    for value in ("none", good, {"github-status": {"context": "continuous-delivery/*"}}):
        jsonschema.validate(value, published)
    for value in (
        {"argocd": {"server": SERVER, "applications": ["Fraud"]}},
        {"argocd": {"server": SERVER, "applications": ["a"], "token": "x"}},
        {"on_failure": "merge"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(value, published)
