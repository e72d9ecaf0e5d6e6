"""The double itself: every route and answer it gives passes Argo CD's API description, and
the check would notice an answer that does not."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.cluster.conftest import TOKEN, AppMaker
from tests.rig.argocd import schema
from tests.rig.argocd.apps import STAGES
from tests.rig.argocd.server import LIST, ONE, FakeArgoCD

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def get(fake: FakeArgoCD, path: str, headers: dict[str, str] | None = None, **params: str) -> Any:
    return requests.get(
        fake.url + path, params=params, headers=AUTH if headers is None else headers, timeout=10
    )


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_of_a_single_and_a_multi_source_app_matches_the_description(
    argocd: FakeArgoCD, add_app: AppMaker, stage: str
) -> None:
    chart = {"repoURL": "https://charts.example.com", "chart": "server", "targetRevision": "1.2.0"}
    for app in (add_app(argocd, "single"), add_app(argocd, "multi", extra_sources=[chart])):
        app.go(stage, argocd.now)
        answer = get(argocd, f"/api/v1/applications/{app.name}", refresh="normal")
        assert answer.status_code == 200, answer.text
        assert answer.json()["metadata"]["name"] == app.name
    listed = get(argocd, LIST, selector="env=prod")
    assert [i["metadata"]["name"] for i in listed.json()["items"]] == ["single", "multi"]
    assert argocd.schema_errors == []


@pytest.mark.parametrize(
    ("path", "headers", "params", "status", "code"),
    [
        ("/api/v1/applications/nope", None, {}, 403, 7),
        ("/api/v1/applications/nope", None, {"projects": "default"}, 404, 5),
        ("/api/v1/applications/inference-prod", {}, {}, 401, 16),
        ("/api/v1/applications/inference-prod", {"Authorization": "Bearer x"}, {}, 401, 16),
        (LIST, {}, {"selector": "env=prod"}, 401, 16),
        (LIST, None, {"selector": "env=none"}, 200, None),
        ("/api/v1/applications/inference-prod", None, {"refesh": "normal"}, 400, 3),
    ],
)
def test_error_answers_are_argo_cd_runtime_errors(
    argocd: FakeArgoCD,
    add_app: AppMaker,
    path: str,
    headers: dict[str, str] | None,
    params: dict[str, str],
    status: int,
    code: int | None,
) -> None:
    add_app(argocd)
    answer = get(argocd, path, headers, **params)
    assert answer.status_code == status
    body = answer.json()
    if code is not None:
        assert body["code"] == code and body["message"] == body["error"]
    else:
        assert body["items"] == []
    assert schema.problems(ONE if path != LIST else LIST, status, body) == []


def test_an_answer_outside_the_description_becomes_a_500_the_test_sees(
    argocd: FakeArgoCD, add_app: AppMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = add_app(argocd)
    good = app.document

    def misspelt() -> dict[str, Any]:
        doc = good()
        doc["status"]["healthStatus"] = doc["status"].pop("health")
        return doc

    monkeypatch.setattr(app, "document", misspelt)
    answer = get(argocd, "/api/v1/applications/inference-prod")
    assert answer.status_code == 500
    assert argocd.schema_errors == [
        "v1alpha1Application at /status: Additional properties are not allowed "
        "('healthStatus' was unexpected)"
    ]
    argocd.schema_errors.clear()  # seen: the fixture would fail the test otherwise


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["status"]["sync"].update(status=5), "/status/sync/status"),
        (lambda d: d["status"]["summary"].update(images="a:1"), "/status/summary/images"),
        (lambda d: d["status"]["health"].update(lastTransitionTime="soon"), "/status/health"),
        (lambda d: d["spec"].update(sources={}), "/spec/sources"),
    ],
)
def test_the_check_catches_wrong_types_and_formats(
    add_app: AppMaker, argocd: FakeArgoCD, mutate: Any, where: str
) -> None:
    doc = add_app(argocd).document()
    mutate(doc)
    found = schema.problems(ONE, 200, doc)
    assert found and found[0].startswith(f"v1alpha1Application at {where}")


def test_the_double_answers_only_documented_routes_and_parameters() -> None:
    assert set(schema.description()["paths"]) == {ONE, LIST}
    assert {"refresh", "projects", "appNamespace", "selector"} <= schema.parameters(ONE)
    assert schema.response_definition(ONE, 200) == "v1alpha1Application"
    assert schema.response_definition(LIST, 200) == "v1alpha1ApplicationList"
    assert schema.response_definition(ONE, 403) == "runtimeError"
