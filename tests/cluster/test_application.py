"""Reading Application documents: repository identity, scope, multi-source revisions."""

from __future__ import annotations

from typing import Any

import pytest

from bot.cluster.application import Source, app_status, canonical_repo, check_scope, sources
from bot.errors import UserError
from tests.rig.argocd.apps import FakeApp

SERVER = "https://argocd.example.com"
OURS = "https://github.com/acme/gitops"


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/gitops",
        "https://github.com/acme/gitops.git",
        "https://github.com/Acme/GitOps/",
        "git@github.com:acme/gitops.git",
        "ssh://git@github.com/acme/gitops.git",
        "ssh://git@github.com:22/acme/gitops",
        "github.com/acme/gitops",
    ],
)
def test_the_forms_of_one_repository_are_equal(url: str) -> None:
    assert canonical_repo(url) == "github.com/acme/gitops"


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/gitops-staging",
        "https://gitlab.com/acme/gitops",
        "git@github.com:other/gitops.git",
    ],
)
def test_other_repositories_differ(url: str) -> None:
    assert canonical_repo(url) != "github.com/acme/gitops"


CHANGED = ["apps/fraud/overlays/prod/kustomization.yaml"]


@pytest.mark.parametrize(
    "deployed",
    [
        [Source(OURS + ".git", "apps/fraud/overlays/prod", "main")],
        [Source("git@github.com:acme/gitops.git", "apps/fraud/overlays/prod/")],
        [Source(OURS, "apps/fraud")],  # a parent directory
        [Source(OURS, "")],  # the whole repository
        [Source("https://charts.example.com", ""), Source(OURS, "", ref="values")],
    ],
)
def test_scope_accepts_an_application_deploying_the_changed_files(
    deployed: list[Source],
) -> None:
    check_scope(SERVER, "fraud-prod", deployed, OURS, CHANGED)


def test_scope_refuses_another_repository() -> None:
    with pytest.raises(UserError) as info:
        check_scope(SERVER, "fraud-prod", [Source(OURS + "-old", "apps/fraud")], OURS, CHANGED)
    assert str(info.value) == (
        f"[argocd {SERVER}] Application 'fraud-prod' deploys {OURS}-old apps/fraud, not the "
        f"files this promotion changed (apps/fraud/overlays/prod/kustomization.yaml in {OURS}); "
        "point argocd.applications at the Application that deploys them"
    )


def test_scope_refuses_another_path_and_lists_at_most_three_files() -> None:
    changed = [f"apps/fraud/overlays/prod/{n}.yaml" for n in ("a", "b", "c", "d")]
    with pytest.raises(UserError) as info:
        check_scope(SERVER, "fraud-dev", [Source(OURS, "apps/fraud/overlays/dev")], OURS, changed)
    assert "deploys https://github.com/acme/gitops apps/fraud/overlays/dev, not" in str(info.value)
    assert "prod/a.yaml, apps/fraud/overlays/prod/b.yaml, apps/fraud/overlays/prod/c.yaml …" in (
        str(info.value)
    )
    # a sibling whose name starts the same is not a parent directory
    with pytest.raises(UserError):
        check_scope(SERVER, "x", [Source(OURS, "apps/fraud/overlays/pro")], OURS, changed)


def test_multi_source_revision_is_the_one_of_our_repository() -> None:
    app = FakeApp(
        "fraud-prod",
        "https://github.com/acme/gitops.git",
        "apps/fraud",
        old_revision="a" * 40,
        new_revision="b" * 40,
        extra_sources=[
            {"repoURL": "https://charts.example.com", "chart": "x", "targetRevision": "1.2.0"}
        ],
    )
    app.stage = "healthy"
    doc = app.document()
    doc["spec"]["sources"].reverse()  # ours second: revisions must follow the same order
    doc["status"]["sync"]["revisions"].reverse()
    doc["status"]["operationState"]["syncResult"]["revisions"].reverse()
    status = app_status(doc, "git@github.com:acme/gitops.git", SERVER)
    assert (status.revision, status.operation_revision) == ("b" * 40, "b" * 40)
    assert [s.repo_url for s in sources(doc)][1] == "https://github.com/acme/gitops.git"
    assert status.url == f"{SERVER}/applications/fraud-prod"


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"metadata": [], "status": "Healthy", "spec": {"source": 5}},
        {"status": {"sync": {"status": 1, "revision": None}, "summary": {"images": [3, "a:1"]}}},
        {"status": {"health": {"status": "Healthy", "lastTransitionTime": "yesterday"}}},
    ],
)
def test_odd_documents_read_as_absent_fields_not_crashes(doc: dict[str, Any]) -> None:
    status = app_status(doc, OURS)
    assert status.sync_status in ("", "Synced")
    assert status.images in ((), ("a:1",))
    assert status.health_since is None


def test_the_ui_link_names_the_namespace_of_apps_outside_the_control_plane() -> None:
    doc = {"metadata": {"name": "fraud", "namespace": "team-ml"}, "status": {}}
    assert app_status(doc, OURS, SERVER).url == f"{SERVER}/applications/fraud"
    doc["status"] = {"controllerNamespace": "argocd"}
    assert app_status(doc, OURS, SERVER).url == f"{SERVER}/applications/team-ml/fraud"
    doc["metadata"]["namespace"] = "argocd"
    assert app_status(doc, OURS, SERVER).url == f"{SERVER}/applications/fraud"
