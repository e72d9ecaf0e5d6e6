"""GitHub through its REST and GraphQL APIs (Git Data API, no clone), over ``transport``; a
promotion never loads PyGithub, which ``chat`` alone uses (built on first use) for ChatOps
reactions and team checks. ``state`` holds the pure PR and branch state the recovery rules
below are decided on.

A new promotion writes four times: the branch at the base with its commit (``createRef`` and
``createCommitOnBranch`` in one request), the pull request, then reviewers and labels at once;
an update, tree (file contents inline, so no blob calls), commit, the branch's move, and the
PR's comment and body. A poll's reads are one GraphQL query for the base commit, every target
file at that commit, the open PRs and the newest closed ones (``snapshot``; one more per 250
files or 40 open PRs), whatever the number of models; the REST reads remain for what it cannot
serve and for callers that read no snapshot.

Failures, and what a run leaves behind:

- Transient failures (5xx, secondary rate limits, connection resets) are retried by
  ``retry.GitHubRetry`` with exponential backoff, a bounded number of times; a rate limit that asks
  for a longer wait than ``GitHubSettings.max_rate_limit_wait`` fails at once, naming the time
  it lifts. What outlives the retries is a ``RetryableError``.
- Every write is repeatable, and the PR's final state is written last: with labels configured,
  the labels (the body records which ones belong); without them, the body's promotion marker.
  A PR whose last step is missing is listed without its promotion, so the next run finishes
  it instead of skipping it. A branch left without a PR is adopted, a PR another run opened
  first is adopted, and a ref another run created first is "someone else made it".
- A promotion branch is moved only while it holds nothing but the bot's one commit (checked
  with one compare call, only when an existing branch would move), and only from the head the
  bot read (compare-and-swap): ``publish`` has the rules. Commits by anyone else stop the
  update: the bot says so once on the PR and the promotion fails with a ``UserError``; a run
  that loses a race to another run reports ``superseded``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from bot import markers
from bot.errors import NotFound, UserError
from bot.lazy import Lazy
from bot.model import ClosedPromotion, CommitInfo, OpenPromotion, Proposal, Published, Pushed
from bot.platform.base import Base, Chat
from bot.platform.github import listings
from bot.platform.github.chat import GitHubChat
from bot.platform.github.client import api, client, decode, pacer_for
from bot.platform.github.graphql_closed import ClosedPull
from bot.platform.github.graphql_closed import closed_promotions as snapshot_closed
from bot.platform.github.publish import Publisher
from bot.platform.github.pulls import Pulls, same_repo
from bot.platform.github.refs import Refs
from bot.platform.github.repository import Repo, View
from bot.platform.github.settings import GitHubSettings
from bot.platform.github.snapshot import (
    Snapshot,
    not_found,
    pinned_files,
    read_snapshot,
    settled,
    with_room,
)
from bot.platform.github.snapshot import open_promotions as snapshot_promotions
from bot.platform.github.state import open_promotion
from bot.platform.github.transport import Transport
from bot.platform.github.transport_errors import field
from bot.platform.tracking import Tracking


class GitHubPlatform:
    name = "github"

    def __init__(self, settings: GitHubSettings) -> None:
        self.settings = settings
        self.pacer = pacer_for(settings)
        self.http = Transport(settings, self.pacer)
        self._repo = Repo(self.http, settings.repository)
        # PyGithub, for ChatOps only: loaded when a chat call first needs it.
        self._pygithub = Lazy(self._client)
        self._base: Base | None = None
        self._texts: dict[str, str | None] = {}  # target files at the base commit, from one read
        self._pulls_read: Snapshot | None = None  # open PRs read with them, used once
        self._closed_read: tuple[ClosedPull, ...] | None = None  # closed PRs read with them
        self._repository_id: str | None = None  # the node id, read with them
        self._pulls = Pulls(self._repo, settings.repository, self._api)
        refs = Refs(self._repo, self._api, self._mutate, lambda: self._repository_id)
        self._publisher = Publisher(self._repo, self._api, self._pulls, refs, self.base)

    def _api(self, what: str) -> contextlib.AbstractContextManager[None]:
        return api(what, self.settings)

    def _client(self) -> tuple[Any, Any]:
        gh = client(self.settings, self.pacer)  # paced with the transport's requests
        return gh, gh.get_repo(self.settings.repository)

    def base(self) -> Base:
        if self._base is None:
            with self._api(f"read the base branch of {self.settings.repository}"):
                name = self.settings.base_branch or self._repo.default_branch
                branch = self.http.json("GET", f"{self._repo.url}/branches/{quote(name)}")
                tree = field(branch, "commit", "commit", "tree", "sha")
                self._base = Base(name, str(field(branch, "commit", "sha")), str(tree))
        return self._base

    def read_files(self, paths: list[str], spare: Sequence[str] = ()) -> None:
        """Read ``paths`` at the base commit ahead of ``read_file``; before the base is known,
        in the same GraphQL query as the base commit and the open PRs. ``spare`` paths (read
        only by some runs) ride along where the last query has room, never in a query of
        their own."""
        repository = self.settings.repository
        wanted = [p for p in dict.fromkeys(paths) if p not in self._texts]
        wanted += with_room(wanted, [p for p in spare if p not in self._texts and p not in wanted])
        if self._base is None:
            snap = read_snapshot(self._graphql, repository, self.settings.base_branch, wanted)
            self._base, self._pulls_read, found = snap.base, snap, snap.files
            self._closed_read, self._repository_id = snap.closed, snap.repository_id
        elif wanted:
            found = pinned_files(self._graphql, repository, self._base.sha, wanted)
        else:
            found = {}
        for path, entry in found.items():
            done, text = settled(entry)
            if done:
                self._texts[path] = text

    def _mutate(self, query: Any, what: str) -> Any:
        return self._graphql(query, what, write=True)

    def _graphql(self, query: Any, what: str, write: bool = False) -> Any:
        # A mutation is paced as the write it is; a query as a read.
        paced = contextlib.nullcontext() if write else self.pacer.reading()
        with self._api(what), paced:
            answer = self.http.graphql(query.body())
        if not_found(answer):  # worded as REST's 404 is, whichever API answered
            raise NotFound(
                f"GitHub: not found: cannot {what}; check the repository and base branch"
            )
        return answer

    def read_file(self, path: str, ref: str | None = None) -> str | None:
        if ref is None and path in self._texts:
            return self._texts[path]
        return self._read(path, ref or self.base().sha)

    def read_default_branch(self, path: str) -> str | None:
        """``path`` as GitHub serves it from the default branch, with no base lookup first:
        the config is read this way, so the registry can be asked while the base is read."""
        return self._read(path, None)

    def _read(self, path: str, ref: str | None) -> str | None:
        params = {"ref": ref} if ref is not None else None
        try:
            with self._api(f"read {path}"):
                content = self.http.json("GET", f"{self._repo.url}/contents/{quote(path)}", params)
        except NotFound:
            return None
        if isinstance(content, list):
            raise UserError(f"{path}: is a directory; a target must name a file")
        with self._api(f"read {path}"):
            return decode(path, self._raw(path, content))

    def _raw(self, path: str, content: Any) -> bytes:
        import base64

        if field(content, "encoding") == "base64":
            return base64.b64decode(field(content, "content"))
        # Files over 1 MB come back without content; fetch the blob instead.
        blob = self.http.json("GET", f"{self._repo.url}/git/blobs/{field(content, 'sha')}")
        return base64.b64decode(field(blob, "content"))

    def file_history(
        self, path: str | None, limit: int, since: int | None = None
    ) -> list[CommitInfo]:
        base = self.base()
        with self._api(f"read the history of {path or base.branch}"):
            return listings.history(self._repo, base.sha, path, limit, since)

    def open_promotions(self, prefix: str) -> dict[str, OpenPromotion]:
        snap, self._pulls_read = self._pulls_read, None  # once: later calls list them afresh
        notes = self._publisher.notes
        if snap is not None:
            found = snapshot_promotions(snap.pulls, prefix, self.settings.repository)
            notes.update(_notes((p.head_ref, p.body) for p in snap.pulls if p.head_ref in found))
            return found
        found = {}
        with self._api("list open pull requests"):
            params = {"state": "open", "base": self.base().branch}
            for pr in map(View, self.http.pages(f"{self._repo.url}/pulls", params)):
                if pr.head.ref.startswith(prefix + "/") and same_repo(pr, self.settings.repository):
                    found[pr.head.ref] = open_promotion(pr)
                    notes.update(_notes([(pr.head.ref, pr.body)]))
        return found

    def closed_promotions(self, prefix: str) -> list[ClosedPromotion]:
        """One page of the most recently updated closed PRs: a rejection is news when it is
        recent, and one read per run keeps polls cheap: the poll's GraphQL read brought them
        when this run made it."""
        if self._closed_read is not None:
            return snapshot_closed(self._closed_read, prefix, self.settings.repository)
        with self._api("list closed pull requests"):
            return listings.closed(self._repo, self.base().branch, prefix, self.settings.repository)

    def announce(self, number: int, text: str, key: str) -> None:
        self._pulls.announce(number, text, key)

    def reviewed(self, number: int) -> bool:
        with self._api(f"read the reviews of pull request #{number}"):
            return listings.reviewed(self._repo, number)

    def chat(self) -> Chat:
        return GitHubChat(self._pygithub, None, self.settings, self._repo)

    def tracking(self) -> Tracking:
        from bot.platform.github.deployments import GitHubTracking

        repository = self.settings.repository
        return GitHubTracking(self._repo, repository, lambda: self.base().branch, self._api)

    # -- publishing -------------------------------------------------------------------------

    def push(self, proposal: Proposal, existing: OpenPromotion | None) -> Pushed:
        return self._publisher.push(proposal, existing)

    def propose(
        self, proposal: Proposal, pushed: Pushed, existing: OpenPromotion | None
    ) -> Published:
        return self._publisher.propose(proposal, pushed, existing)


def _notes(bodies: Any) -> dict[str, markers.Wrote]:
    """Branch -> the commit its PR body records as pushed by the bot."""
    return {b: w for b, body in bodies if (w := markers.pushed_note(body)) is not None}
