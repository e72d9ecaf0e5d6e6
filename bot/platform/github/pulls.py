"""Pull requests of the repository a promotion is published to: open one (or adopt the one a
concurrent run opened), find it again, finish it (reviewers and labels at once, then title and
body: the final state last), and comment on it. ``github`` decides when; this module makes the
calls."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn
from urllib.parse import quote

from bot import markers
from bot.errors import AlreadyExists, UserError
from bot.model import Proposal, Published
from bot.platform.github.comments import post_once
from bot.platform.github.repository import View
from bot.platform.github.state import PullState, final_body, missing, pull_state
from bot.platform.github.transport_errors import field

REFUSAL_NOTE = markers.FOREIGN_COMMITS


def same_repo(pr: Any, repository: str) -> bool:
    # A fork may use the same branch name; never adopt someone else's PR.
    head_repo = pr.head.repo
    return head_repo is not None and head_repo.full_name == repository


class Pulls:
    def __init__(
        self,
        repo: Any,
        repository: str,
        api: Callable[[str], contextlib.AbstractContextManager[None]],
    ) -> None:
        self._repo = repo
        self._repository = repository
        self._api = api

    def refuse(self, proposal: Proposal, number: int) -> NoReturn:
        """Never force-push over someone's commits: say so once on the PR, then fail."""
        if not self.commented(number, REFUSAL_NOTE):
            self.comment(
                number,
                f"This PR's branch `{proposal.branch}` has commits not made by the bot; not "
                f"updating it to v{proposal.promotion.version}. Close it or push the promotion "
                f"by hand.\n\n{REFUSAL_NOTE}",
            )
        raise UserError(
            f"PR #{number}: branch {proposal.branch} has commits not made by the bot; not "
            "updating it. Close it or push the promotion by hand."
        )

    def open(
        self, proposal: Proposal, sha: str, base: str, pushed: markers.Wrote | None = None
    ) -> Published:
        body = final_body(proposal, pushed)
        if not proposal.labels and (proposal.reviewers or proposal.team_reviewers):
            # Without labels the marker is the last thing written: the PR is finished once
            # the reviewers are requested.
            body = markers.without_marker(body, proposal.promotion)
        try:
            with self._api(f"open the pull request for {proposal.branch}"):
                data: dict[str, Any] = {"base": base, "head": proposal.branch, "body": body}
                data |= {"title": proposal.title, "draft": proposal.draft}
                _, created = self._repo.http.request("POST", f"{self._repo.url}/pulls", body=data)
                pr = View(created)
                for needed in ("number", "html_url"):
                    field(created, needed)
        except AlreadyExists:
            # A concurrent run, or a retried request GitHub had carried out, opened it.
            found = self.find(proposal.branch)
            if found is None:
                raise
            self.finish(proposal, found, pushed)
            return Published("updated", proposal.branch, sha, found.number, found.url)
        self.finish(proposal, PullState(pr.number, pr.html_url, title=pr.title, body=body), pushed)
        return Published("opened", proposal.branch, sha, pr.number, pr.html_url)

    def find(self, branch: str) -> PullState | None:
        owner = self._repository.split("/", 1)[0]
        with self._api(f"find the pull request for {branch}"):
            for pr in self._pulls({"state": "open", "head": f"{owner}:{branch}"}):
                if pr.head.ref == branch and same_repo(pr, self._repository):
                    return pull_state(pr)
        return None

    def abandoned(self, branch: str, head: str) -> bool:
        """Whether ``head`` is the head of a PR on ``branch`` that was closed: the branch was
        left behind by a closed promotion, not made by a concurrent run."""
        owner = self._repository.split("/", 1)[0]
        with self._api(f"find the closed pull requests for {branch}"):
            for pr in self._pulls({"state": "closed", "head": f"{owner}:{branch}"}):
                if pr.head.ref == branch and pr.head.sha == head:
                    return True
        return False

    def _pulls(self, params: dict[str, str]) -> Iterator[Any]:
        return map(View, self._repo.http.pages(f"{self._repo.url}/pulls", params))

    def finish(
        self, proposal: Proposal, pr: PullState, pushed: markers.Wrote | None = None
    ) -> None:
        """Reviewers and labels (at once), then title and body: only what is missing, the
        final state last."""
        number = pr.number
        users = missing(proposal.reviewers, pr.reviewers)
        teams = missing(proposal.team_reviewers, pr.team_reviewers)
        labels = missing(proposal.labels, pr.labels)
        url = self._repo.url
        with self._api(f"finish pull request #{number}"):
            self._request_and_label(number, users, teams, labels)
            body = final_body(proposal, pushed)
            if pr.title != proposal.title or pr.body != body:
                self._repo.http.request(
                    "PATCH",
                    f"{url}/pulls/{number}",
                    body={"title": proposal.title, "body": body},
                )

    def _request_and_label(
        self, number: int, users: list[str], teams: list[str], labels: list[str]
    ) -> None:
        """Both need only the PR number, so they go at once: one round trip instead of two.
        Labels say the PR is finished (``state.finished``): when the reviewers fail, the
        labels this call added are taken off again, so the next run still finishes it."""
        url, http = self._repo.url, self._repo.http

        def review() -> None:
            http.request(
                "POST",
                f"{url}/pulls/{number}/requested_reviewers",
                body={"reviewers": users, "team_reviewers": teams},
            )

        def label() -> None:
            http.request("POST", f"{url}/issues/{number}/labels", body={"labels": labels})

        if not (users or teams):
            if labels:
                label()
            return
        if not labels:
            review()
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="labels") as pool:
            labelled = pool.submit(label)
            try:
                review()
            except BaseException:
                if labelled.exception() is None:
                    for name in labels:
                        with contextlib.suppress(Exception):  # the review error is the news
                            http.request(
                                "DELETE", f"{url}/issues/{number}/labels/{quote(name, safe='')}"
                            )
                raise
            labelled.result()

    def announce(self, number: int, text: str, key: str) -> None:
        """One comment carrying ``key``: posted unless one is there already."""
        if not self.commented(number, key):
            self.comment(number, f"{text}\n\n{key}")

    def comment(self, number: int, body: str) -> None:
        # Once, as every comment: a retried POST whose answer was lost would post it twice.
        key = "pr-" + hashlib.sha256(body.encode()).hexdigest()[:16]
        with self._api(f"comment on pull request #{number}"):
            post_once(self._repo, number, body, key)

    def commented(self, number: int, needle: str) -> bool:
        """Whether a comment on the PR contains ``needle``; read only on recovery paths."""
        with self._api(f"read the comments of pull request #{number}"):
            comments = self._repo.http.pages(f"{self._repo.url}/issues/{number}/comments")
            return any(needle in (c.get("body") or "") for c in comments)
