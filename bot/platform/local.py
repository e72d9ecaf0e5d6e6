"""The embedded default: a Git repository on disk, changed only through Git plumbing.

The promotion commit is built in a throw-away index, so the user's working tree, index and
checked-out branch are never touched; the branch ref moves with a compare-and-swap, and only
while it holds nothing but the bot's one commit on top of the base branch.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from bot import markers
from bot.errors import Superseded, UserError
from bot.model import ClosedPromotion, CommitInfo, OpenPromotion, Proposal, Published, Pushed
from bot.platform.base import Base, Chat
from bot.platform.tracking import Tracking
from bot.text import versions

_FALLBACK_IDENT = {
    "GIT_AUTHOR_NAME": "model-promotion-bot",
    "GIT_AUTHOR_EMAIL": "model-promotion-bot@localhost",
    "GIT_COMMITTER_NAME": "model-promotion-bot",
    "GIT_COMMITTER_EMAIL": "model-promotion-bot@localhost",
}
_ZERO = "0" * 40


class LocalPlatform:
    name = "local"

    def __init__(self, repo_dir: Path, base_branch: str | None = None) -> None:
        self.repo_dir = repo_dir
        self._base_branch = base_branch
        self._base: Base | None = None
        self._check_repo()

    def base(self) -> Base:
        if self._base is None:
            branch = self._base_branch or self._current_branch()
            sha = self._git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}")
            if not sha:
                raise UserError(
                    f"{self.repo_dir}: base branch {branch!r} not found; set git.base_branch"
                )
            self._base = Base(branch, sha)
        return self._base

    def read_file(self, path: str, ref: str | None = None) -> str | None:
        spec = f"{ref or self.base().sha}:{path}"
        if self._run("cat-file", "-e", spec).returncode != 0:
            return None
        data = self._run("cat-file", "blob", spec).stdout
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{path}: not UTF-8 text; targets must be YAML files") from None

    def file_history(
        self, path: str | None, limit: int, since: int | None = None
    ) -> list[CommitInfo]:
        paths = ["--", path] if path is not None else []
        after = [f"--since=@{since}"] if since is not None else []
        raw = self._git(
            "log",
            f"-n{limit}",
            *after,
            "--format=%H%x00%ct%x00%P%x00%B%x1e",
            self.base().sha,
            *paths,
        )
        commits = []
        for record in raw.split("\x1e"):
            if record.strip():
                sha, stamp, parents, message = record.strip("\n").split("\x00", 3)
                commits.append(CommitInfo(sha, message, int(stamp), tuple(parents.split())))
        return commits

    def open_promotions(self, prefix: str) -> dict[str, OpenPromotion]:
        listing = self._git(
            "for-each-ref", "--format=%(refname:strip=2) %(objectname)", f"refs/heads/{prefix}/"
        )
        found = {}
        for line in listing.splitlines():
            branch, sha = line.rsplit(" ", 1)
            message = self._git("log", "-1", "--format=%B", sha)
            found[branch] = OpenPromotion(branch, sha, promotion=markers.parse_trailers(message))
        return found

    def closed_promotions(self, prefix: str) -> list[ClosedPromotion]:
        return []  # branches have no pull requests to close

    def announce(self, number: int, text: str, key: str) -> None:
        return None  # no pull requests to comment on

    def reviewed(self, number: int) -> bool:
        return False  # branches have no reviews

    def read_default_branch(self, path: str) -> str | None:
        return self.read_file(path)

    def chat(self) -> Chat:
        raise UserError("ChatOps needs a platform with comments (GitHub), not a local repository")

    def tracking(self) -> Tracking:
        raise UserError(
            "watch follows merged pull requests: run it with --platform github, not on a local "
            "repository"
        )

    def propose(
        self, proposal: Proposal, pushed: Pushed, existing: OpenPromotion | None
    ) -> Published:
        # No pull requests here: the branch is the proposal; the CLI prints its title and body.
        return Published("updated" if existing else "opened", pushed.branch, pushed.sha)

    def push(self, proposal: Proposal, existing: OpenPromotion | None) -> Pushed:
        base = self.base()
        if existing is not None:
            self._check_ours(proposal, existing.head_sha)
        tree = self._write_tree(base.sha, proposal)
        commit = self._git(
            "commit-tree",
            tree,
            "-p",
            base.sha,
            "-F",
            "-",
            stdin=proposal.commit_message,
            env=self._ident(),
        )
        old = existing.head_sha if existing else _ZERO
        # Compare-and-swap against the head read with the listing: a concurrent run that
        # moved the branch since wins, and this one reports superseded.
        ref = f"refs/heads/{proposal.branch}"
        if self._run("update-ref", ref, commit, old).returncode != 0:
            head = self._git("rev-parse", "--verify", "--quiet", ref) if self._has(ref) else ""
            if not head or head == old:
                self._git("update-ref", ref, commit, old)  # not a lost race: say why it failed
            winner = markers.parse_trailers(self._git("log", "-1", "--format=%B", head))
            what = "another version"
            if winner is not None:
                what = versions.of_branch(winner.version, proposal.branch)
            raise Superseded(
                f"superseded by branch {proposal.branch} ({what}): another run moved it first",
                winner.version if winner else None,
            )
        return Pushed(proposal.branch, commit)

    def _has(self, ref: str) -> bool:
        return self._run("rev-parse", "--verify", "--quiet", ref).returncode == 0

    def _check_ours(self, proposal: Proposal, head: str) -> None:
        """Never move a branch someone else committed to: more than the bot's one commit
        beyond the merge base, or a head commit without the bot's trailers."""
        ahead = int(self._git("rev-list", "--count", f"{self.base().sha}..{head}"))
        if ahead == 0:
            return
        found = markers.parse_trailers(self._git("log", "-1", "--format=%B", head))
        promo = proposal.promotion
        ours = found is not None and (found.model, found.environment) == (
            promo.model,
            promo.environment,
        )
        if ahead > 1 or not ours:
            raise UserError(
                f"{self.repo_dir}: branch {proposal.branch} has commits not made by the bot; "
                "not updating it. Delete it or push the promotion by hand."
            )

    def _write_tree(self, base_sha: str, proposal: Proposal) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self._git("read-tree", base_sha, env=env)
            for change in proposal.changes:
                blob = self._git("hash-object", "-w", "--stdin", stdin=change.new_text)
                mode = self._mode(base_sha, change.path)
                self._git(
                    "update-index", "--add", "--cacheinfo", f"{mode},{blob},{change.path}", env=env
                )
            return self._git("write-tree", env=env)

    def _mode(self, base_sha: str, path: str) -> str:
        entry = self._git("ls-tree", base_sha, "--", path)
        return entry.split(" ", 1)[0] if entry else "100644"

    def _current_branch(self) -> str:
        result = self._run("symbolic-ref", "--quiet", "--short", "HEAD")
        if result.returncode != 0:
            raise UserError(f"{self.repo_dir}: HEAD is detached; set git.base_branch in the config")
        return result.stdout.decode().strip()

    def _check_repo(self) -> None:
        if self._run("rev-parse", "--git-dir").returncode != 0:
            raise UserError(f"{self.repo_dir}: not a Git repository; pass --repo-dir")

    def _ident(self) -> dict[str, str]:
        if self._run("var", "GIT_COMMITTER_IDENT").returncode == 0:
            return {}
        return _FALLBACK_IDENT

    def _git(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
        result = self._run(*args, stdin=stdin.encode() if stdin is not None else None, env=env)
        if result.returncode != 0:
            err = result.stderr.decode(errors="replace").strip().splitlines()
            raise UserError(f"{self.repo_dir}: git {args[0]} failed: {err[-1] if err else '?'}")
        return result.stdout.decode(errors="surrogateescape").strip()

    def _run(
        self, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        # Bytes, not text mode: text mode would turn CRLF into LF and break byte preservation.
        return subprocess.run(
            ["git", "-C", str(self.repo_dir), *args],
            input=stdin,
            capture_output=True,
            env={**os.environ, **(env or {})},
            check=False,
        )
