"""GitHub through PyGithub (the only module that imports it): Git Data API, no clone.

One promotion costs at most six writes: tree (file contents inline, so no blob calls),
commit, ref, pull request, labels, reviewers. Reads grow only with the number of target
files: the branch head, one contents call per file, and one paginated list of open PRs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bot import report
from bot.errors import RetryableError, UserError
from bot.model import CommitInfo, OpenPromotion, Proposal, Published
from bot.platform import Base

DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class GitHubSettings:
    repository: str  # owner/name
    token: str
    api_url: str = DEFAULT_API_URL
    base_branch: str | None = None
    # PyGithub's defaults (0.25 s / 1 s) respect GitHub's secondary limits; tests set 0.
    seconds_between_requests: float = 0.25
    seconds_between_writes: float = 1.0
    retries: int = 5


class GitHubPlatform:
    name = "github"

    def __init__(self, settings: GitHubSettings) -> None:
        self.settings = settings
        self._gh = _client(settings)
        self._repo = self._gh.get_repo(settings.repository)
        self._base: Base | None = None

    def base(self) -> Base:
        if self._base is None:
            with _api(f"read the base branch of {self.settings.repository}"):
                name = self.settings.base_branch or self._repo.default_branch
                branch = self._repo.get_branch(name)
                commit = branch.commit
                self._base = Base(name, commit.sha, commit.commit.tree.sha)
        return self._base

    def read_file(self, path: str, ref: str | None = None) -> str | None:
        from github import GithubException

        try:
            with _api(f"read {path}"):
                content = self._repo.get_contents(path, ref=ref or self.base().sha)
        except UserError as err:
            if isinstance(err.__cause__, GithubException) and err.__cause__.status == 404:
                return None
            raise
        if isinstance(content, list):
            raise UserError(f"{path}: is a directory; a target must name a file")
        return _decode(path, self._raw(content))

    def _raw(self, content: Any) -> bytes:
        if content.encoding == "base64":
            return bytes(content.decoded_content)
        # Files over 1 MB come back without content; fetch the blob instead.
        with _api(f"read {content.path}"):
            blob = self._repo.get_git_blob(content.sha)
        import base64

        return base64.b64decode(blob.content)

    def file_history(self, path: str | None, limit: int) -> list[CommitInfo]:
        commits = []
        from github.GithubObject import NotSet

        with _api(f"read the history of {path or self.base().branch}"):
            for commit in self._repo.get_commits(sha=self.base().sha, path=path or NotSet):
                stamp = commit.commit.committer.date.timestamp()
                commits.append(CommitInfo(commit.sha, commit.commit.message, int(stamp)))
                if len(commits) >= limit:
                    break
        return commits

    def open_promotions(self, prefix: str) -> dict[str, OpenPromotion]:
        found = {}
        with _api("list open pull requests"):
            for pr in self._repo.get_pulls(state="open", base=self.base().branch):
                if pr.head.ref.startswith(prefix + "/") and self._same_repo(pr):
                    promo = report.parse_marker(pr.body)
                    found[pr.head.ref] = OpenPromotion(
                        pr.head.ref, pr.head.sha, pr.number, pr.html_url, promo
                    )
        return found

    def _same_repo(self, pr: Any) -> bool:
        # A fork may use the same branch name; never adopt someone else's PR.
        head_repo = pr.head.repo
        return head_repo is not None and head_repo.full_name == self.settings.repository

    def publish(self, proposal: Proposal, existing: OpenPromotion | None) -> Published:
        commit_sha = self._commit(proposal)
        self._move_branch(proposal.branch, commit_sha, existing is not None)
        if existing is not None and existing.number is not None:
            return self._update_pr(proposal, existing, commit_sha)
        return self._open_pr(proposal, commit_sha)

    def _commit(self, proposal: Proposal) -> str:
        from github import GitCommit, GitTree, InputGitTreeElement

        base = self.base()
        requester = self._repo.requester
        elements = [
            InputGitTreeElement(c.path, "100644", "blob", content=c.new_text)
            for c in proposal.changes
        ]
        base_tree = GitTree.GitTree(requester, {}, {"sha": base.tree}, completed=True)
        parent = GitCommit.GitCommit(requester, {}, {"sha": base.sha}, completed=True)
        with _api(f"commit to {proposal.branch}"):
            tree = self._repo.create_git_tree(elements, base_tree)
            # No author/committer: GitHub then signs the commit when the token is an App's.
            commit = self._repo.create_git_commit(proposal.commit_message, tree, [parent])
        return str(commit.sha)

    def _move_branch(self, branch: str, sha: str, exists: bool) -> None:
        from github import GithubException

        with _api(f"move branch {branch}"):
            if exists:
                self._force_ref(branch, sha)
                return
            try:
                self._repo.create_git_ref(f"refs/heads/{branch}", sha)
            except GithubException as err:
                if err.status != 422:
                    raise
                # A branch left without a PR (closed PR, earlier failed run): reuse it.
                self._force_ref(branch, sha)

    def _force_ref(self, branch: str, sha: str) -> None:
        # PATCH the documented /git/refs/ path; PyGithub's lazy GitRef would use /git/ref/.
        url = f"{self._repo.url}/git/refs/heads/{quote(branch, safe='/')}"
        self._repo.requester.requestJsonAndCheck("PATCH", url, input={"sha": sha, "force": True})

    def _open_pr(self, proposal: Proposal, sha: str) -> Published:
        with _api(f"open the pull request for {proposal.branch}"):
            pr = self._repo.create_pull(
                base=self.base().branch,
                head=proposal.branch,
                title=proposal.title,
                body=proposal.body,
                draft=proposal.draft,
            )
            if proposal.labels:
                pr.add_to_labels(*proposal.labels)
            if proposal.reviewers or proposal.team_reviewers:
                pr.create_review_request(
                    reviewers=list(proposal.reviewers), team_reviewers=list(proposal.team_reviewers)
                )
        return Published("opened", proposal.branch, sha, pr.number, pr.html_url)

    def _update_pr(self, proposal: Proposal, existing: OpenPromotion, sha: str) -> Published:
        assert existing.number is not None
        was = existing.promotion.version if existing.promotion else "an earlier version"
        with _api(f"update pull request #{existing.number}"):
            pr = self._repo.get_pull(existing.number)
            pr.edit(title=proposal.title, body=proposal.body)
            pr.create_issue_comment(
                f"Updated to v{proposal.promotion.version}: this supersedes v{was} "
                f"(branch moved to {sha[:12]} on the current base)."
            )
        return Published("updated", proposal.branch, sha, existing.number, existing.url)


class GitHubChat:
    """Comment-side calls for ChatOps: reactions, replies and who may do what."""

    def __init__(self, platform: GitHubPlatform) -> None:
        self._repo = platform._repo
        self._gh = platform._gh

    def react(self, issue_number: int, comment_id: int, content: str) -> None:
        with _api(f"react to comment {comment_id}"):
            issue = self._repo.get_issue(issue_number)
            issue.get_comment(comment_id).create_reaction(content)

    def reply(self, issue_number: int, body: str) -> str:
        with _api(f"reply on #{issue_number}"):
            comment = self._repo.get_issue(issue_number).create_comment(body)
        return str(comment.html_url)

    def permission(self, login: str) -> str:
        """admin | maintain | write | triage | read | none."""
        with _api(f"read the permission of {login}"):
            data = self._repo.get_collaborator_role_name(login)
        return str(data)

    def in_team(self, org: str, team: str, login: str) -> bool:
        from github import GithubException

        try:
            with _api(f"check membership of {login} in @{org}/{team}"):
                membership = (
                    self._gh.get_organization(org).get_team_by_slug(team).get_team_membership(login)
                )
        except UserError as err:
            if isinstance(err.__cause__, GithubException) and err.__cause__.status == 404:
                return False
            raise
        return str(membership.state) == "active"


def _client(settings: GitHubSettings) -> Any:
    from github import Auth, Github, GithubRetry

    return Github(
        base_url=settings.api_url,
        auth=Auth.Token(settings.token),
        retry=GithubRetry(total=settings.retries),
        seconds_between_requests=settings.seconds_between_requests,
        seconds_between_writes=settings.seconds_between_writes,
        per_page=100,
        lazy=True,
    )


def _decode(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; targets must be YAML files") from None


@contextlib.contextmanager
def _api(what: str) -> Iterator[None]:
    """Map PyGithub failures to the bot's error classes, after GithubRetry gave up."""
    from github import BadCredentialsException, GithubException
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from requests.exceptions import RetryError, Timeout

    try:
        yield
    except BadCredentialsException as err:
        raise UserError(f"GitHub rejected the token: cannot {what}; check GITHUB_TOKEN") from err
    except GithubException as err:
        raise _classify(what, err) from err
    except (RequestsConnectionError, RetryError, Timeout) as err:
        raise RetryableError(
            f"GitHub unreachable: cannot {what} ({type(err).__name__}); try again"
        ) from err


def _classify(what: str, err: Any) -> Exception:
    message = err.data.get("message", "") if isinstance(err.data, dict) else ""
    status = err.status
    if status >= 500 or status == 429 or (status == 403 and "rate limit" in message.lower()):
        return RetryableError(f"GitHub answered {status} ({message}): cannot {what}; try again")
    if status == 403:
        return UserError(
            f"GitHub refused ({message}): cannot {what}; the token needs contents: write and "
            "pull-requests: write"
        )
    if status == 404:
        return UserError(f"GitHub: not found: cannot {what}; check the repository and base branch")
    return UserError(f"GitHub answered {status} ({message}): cannot {what}")
