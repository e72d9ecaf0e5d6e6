"""The GitHub fake used by the test rig; see ``tests.rig.ghfake.server`` for the details.

fake = FakeGitHub(tmp_path / "github", owner="acme", repo="gitops", token="ghs_...")
fake.start()
gh = Github(base_url=fake.base_url, auth=Auth.Token("ghs_..."))
"""

from __future__ import annotations

from tests.rig.ghfake.routing import ApiError
from tests.rig.ghfake.server import FakeGitHub, Req

__all__ = ["ApiError", "FakeGitHub", "Req"]
