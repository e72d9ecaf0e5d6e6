"""The local platform never moves a promotion branch someone else committed to: more than the
bot's one commit beyond the merge base (``git rev-list --count``), or a head commit without the
bot's trailers. Real Git repository, real MLflow server, the CLI in-process."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import VALIDATED, Outcome, run_cli
from tests.platform import seed_versions
from tests.rig.mlflow_rig import MlflowServer, seed_model
from tests.rig.repos import commit_all, git, make_gitops_repo

BRANCH = "promote/fraud-detector/prod"


class Local:
    def __init__(
        self,
        tmp_path: Path,
        uri: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        self.uri, self.monkeypatch, self.capsys = uri, monkeypatch, capsys
        self.name = seed_versions(uri)
        self.repo = make_gitops_repo(tmp_path / "gitops", registered_model=self.name)

    def run(self, *args: str) -> Outcome:
        argv = ["run", "--repo-dir", str(self.repo), "--env", "prod", "--json", *args]
        return run_cli(argv, {"MLFLOW_TRACKING_URI": self.uri}, self.monkeypatch, self.capsys)

    def result(self) -> tuple[int, dict[str, Any]]:
        outcome = self.run()
        (row,) = outcome.json()  # type: ignore[misc]
        return outcome.code, row

    def new_version(self, image_tag: str = "v1.6.0") -> str:
        (version,) = seed_model(
            self.uri, self.name, [{"metrics": None, "tags": {**VALIDATED, "image_tag": image_tag}}]
        )
        return version

    def on_branch(self, message: str, amend: bool = False) -> str:
        """A person commits to the promotion branch (and goes back to main)."""
        git(self.repo, "checkout", "-q", BRANCH)
        (self.repo / "NOTES.md").write_text(f"by hand {uuid.uuid4().hex}\n")
        git(self.repo, "add", "NOTES.md")
        git(self.repo, "commit", "-q", *(["--amend"] if amend else []), "-m", message)
        git(self.repo, "checkout", "-q", "main")
        return self.head()

    def head(self, ref: str = BRANCH) -> str:
        return git(self.repo, "rev-parse", ref).strip()


@pytest.fixture
def local(
    tmp_path: Path,
    mlflow_server: MlflowServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Local:
    return Local(tmp_path, mlflow_server.uri, monkeypatch, capsys)


REFUSAL = (
    "has commits not made by the bot; not updating it. Delete it or push the promotion by hand."
)


@pytest.mark.parametrize(
    ("message", "amend"),
    [("Tweak the rollout", False), ("Promote by hand", True)],
    ids=["commit-on-top", "amended-no-trailers"],
)
def test_a_branch_a_human_committed_to_is_left_alone(
    local: Local, message: str, amend: bool
) -> None:
    code, row = local.result()
    assert (code, row["status"]) == (0, "branch-created")
    human = local.on_branch(message, amend)
    ahead = git(local.repo, "rev-list", "--count", f"main..{BRANCH}").strip()
    assert ahead == ("1" if amend else "2")
    local.new_version()

    code, row = local.result()
    assert code == 1
    assert row["status"] == "failed"
    assert row["reason"] == (f"[fraud-detector/prod] {local.repo}: branch {BRANCH} {REFUSAL}")
    assert local.head() == human


def test_a_trailer_of_another_model_is_not_the_bots(local: Local) -> None:
    assert local.result()[1]["status"] == "branch-created"
    local.on_branch(
        "Promote by hand\n\nModel: other-model\nModel-Version: 9\nEnvironment: prod", amend=True
    )
    local.new_version()
    code, row = local.result()
    assert (code, row["status"]) == (1, "failed")
    assert row["reason"].endswith(REFUSAL)


def test_the_bots_own_branch_is_moved_onto_the_current_base(local: Local) -> None:
    assert local.result()[1]["status"] == "branch-created"
    (local.repo / "NOTES.md").write_text("unrelated\n")
    base = commit_all(local.repo, "Unrelated change on main")
    version = local.new_version()

    code, row = local.result()
    assert (code, row["status"]) == (0, "updated"), row
    assert git(local.repo, "rev-list", "--count", f"main..{BRANCH}").strip() == "1"
    assert local.head(f"{BRANCH}^") == base
    message = git(local.repo, "log", "-1", "--format=%B", BRANCH)
    assert f"Model-Version: {version}\nImage-Tag: v1.6.0" in message


def test_a_run_that_loses_the_compare_and_swap_is_superseded(local: Local) -> None:
    """Two runs read the branch at one head; the second to move it is told who won."""
    from bot.errors import Superseded
    from bot.model import PromotionId, Proposal
    from bot.platform.local import LocalPlatform

    assert local.result()[1]["status"] == "branch-created"
    stale = LocalPlatform(local.repo).open_promotions("promote")[BRANCH]
    version = local.new_version()
    assert local.result()[1]["status"] == "updated"  # the other run moved it
    moved = local.head()
    promo = PromotionId("fraud-detector", "prod", "1", "v1.3.0")
    message = "Roll back\n\n" + "\n".join(
        ["Model: fraud-detector", "Model-Version: 1", "Environment: prod"]
    )
    proposal = Proposal(promo, BRANCH, "Roll back", message, ())
    with pytest.raises(Superseded) as lost:
        LocalPlatform(local.repo).push(proposal, stale)
    assert lost.value.version == version
    assert str(lost.value).startswith(f"superseded by branch {BRANCH} (v{version})")
    assert local.head() == moved
