"""JSON shapes as GitHub's REST API returns them, built from Git objects and in-memory records.

Every ``url`` is absolute on the fake's own host and ``/api/v3`` prefix, because PyGithub
follows those URLs (``pr.edit()`` PATCHes ``pr.url``). ``html_url`` points at the same
host without the prefix, the way GitHub Enterprise lays out its web and API addresses.
Every field GitHub's published description marks as required is present (the rig's OpenAPI
test checks it); accounts and the repository are shaped in ``accounts``.
"""

from __future__ import annotations

import base64
import textwrap
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tests.rig.ghfake.accounts import node_id, repo, team, user
from tests.rig.ghfake.gitdata import CommitInfo, FileChange, Ident, TreeEntry

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

UNSIGNED = {
    "verified": False,
    "reason": "unsigned",
    "signature": None,
    "payload": None,
    "verified_at": None,
}
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def b64_lines(data: bytes) -> str:
    """Base64 wrapped at 60 columns with a trailing newline, as the contents API sends it."""
    encoded = base64.b64encode(data).decode()
    return "".join(line + "\n" for line in textwrap.wrap(encoded, 60))


# -- Git data -------------------------------------------------------------------------------


def git_ref(fake: FakeGitHub, name: str, sha: str, kind: str) -> dict[str, Any]:
    return {
        "ref": name,
        "node_id": node_id("Ref", name),
        "url": f"{fake.repo_api}/git/{quote(name, safe='/')}",
        "object": {"sha": sha, "type": kind, "url": f"{fake.repo_api}/git/{kind}s/{sha}"},
    }


def blob(fake: FakeGitHub, sha: str, data: bytes | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"sha": sha, "url": f"{fake.repo_api}/git/blobs/{sha}"}
    if data is not None:
        result.update(
            node_id=node_id("Blob", sha), size=len(data), content=b64_lines(data), encoding="base64"
        )
    return result


def tree(fake: FakeGitHub, sha: str, entries: list[TreeEntry]) -> dict[str, Any]:
    return {
        "sha": sha,
        "url": f"{fake.repo_api}/git/trees/{sha}",
        "tree": [tree_entry(fake, e) for e in entries],
        "truncated": False,
    }


def tree_entry(fake: FakeGitHub, entry: TreeEntry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "path": entry.path,
        "mode": entry.mode,
        "type": entry.type,
        "sha": entry.sha,
    }
    if entry.type == "blob":
        item["size"] = entry.size
    if entry.type in ("blob", "tree"):
        item["url"] = f"{fake.repo_api}/git/{entry.type}s/{entry.sha}"
    return item


def ident(value: Ident) -> dict[str, str]:
    return {"name": value.name, "email": value.email, "date": value.iso}


def verification(fake: FakeGitHub, sha: str) -> dict[str, Any]:
    return dict(fake.verifications.get(sha, UNSIGNED))


def _parents(fake: FakeGitHub, info: CommitInfo, api: str) -> list[dict[str, str]]:
    return [
        {"sha": p, "url": f"{api}/{p}", "html_url": f"{fake.repo_html}/commit/{p}"}
        for p in info.parents
    ]


def git_commit(fake: FakeGitHub, info: CommitInfo) -> dict[str, Any]:
    """The Git data API shape (``/git/commits``)."""
    return {
        "sha": info.sha,
        "node_id": node_id("Commit", info.sha),
        "url": f"{fake.repo_api}/git/commits/{info.sha}",
        "html_url": f"{fake.repo_html}/commit/{info.sha}",
        "author": ident(info.author),
        "committer": ident(info.committer),
        "tree": {"sha": info.tree, "url": f"{fake.repo_api}/git/trees/{info.tree}"},
        "message": info.message.rstrip("\n"),  # GitHub drops the trailing newline
        "parents": _parents(fake, info, f"{fake.repo_api}/git/commits"),
        "verification": verification(fake, info.sha),
    }


def repo_commit(
    fake: FakeGitHub, info: CommitInfo, files: list[FileChange] | None = None
) -> dict[str, Any]:
    """The repository API shape (``/commits``), with ``files`` for the single-commit view."""
    inner = git_commit(fake, info)
    for key in ("sha", "node_id", "html_url", "parents"):
        inner.pop(key)
    inner["comment_count"] = 0
    data: dict[str, Any] = {
        "sha": info.sha,
        "node_id": node_id("Commit", info.sha),
        "commit": inner,
        "url": f"{fake.repo_api}/commits/{info.sha}",
        "html_url": f"{fake.repo_html}/commit/{info.sha}",
        "comments_url": f"{fake.repo_api}/commits/{info.sha}/comments",
        "author": _user_for(fake, info.author.email),
        "committer": _user_for(fake, info.committer.email),
        "parents": _parents(fake, info, f"{fake.repo_api}/commits"),
    }
    if files is not None:
        additions = sum(f.additions for f in files)
        deletions = sum(f.deletions for f in files)
        data["stats"] = {
            "total": additions + deletions,
            "additions": additions,
            "deletions": deletions,
        }
        data["files"] = [file_change(fake, f, info.sha) for f in files]
    return data


def _user_for(fake: FakeGitHub, email: str) -> dict[str, Any] | None:
    login = fake.login_for_email(email)
    return user(fake, login) if login else None


def file_change(fake: FakeGitHub, change: FileChange, ref: str) -> dict[str, Any]:
    path = quote(change.filename)
    data: dict[str, Any] = {
        "sha": change.sha,
        "filename": change.filename,
        "status": change.status,
        "additions": change.additions,
        "deletions": change.deletions,
        "changes": change.additions + change.deletions,
        "blob_url": f"{fake.repo_html}/blob/{ref}/{path}",
        "raw_url": f"{fake.repo_html}/raw/{ref}/{path}",
        "contents_url": f"{fake.repo_api}/contents/{path}?ref={ref}",
    }
    if change.patch is not None:
        data["patch"] = change.patch
    return data


def content(
    fake: FakeGitHub, entry: TreeEntry, ref: str, data: bytes | None = None
) -> dict[str, Any]:
    """A contents-API item; ``data`` given means the full file view with base64 content."""
    kinds = {"blob": "file", "tree": "dir", "commit": "submodule"}
    kind = "symlink" if entry.mode == "120000" else kinds[entry.type]
    path = quote(entry.path)
    git_kind = "trees" if entry.type == "tree" else "blobs"
    links = {
        "self": f"{fake.repo_api}/contents/{path}?ref={quote(ref)}",
        "git": f"{fake.repo_api}/git/{git_kind}/{entry.sha}",
        "html": f"{fake.repo_html}/{'tree' if kind == 'dir' else 'blob'}/{quote(ref)}/{path}",
    }
    item: dict[str, Any] = {
        "type": kind,
        "size": entry.size or 0,
        "name": entry.path.rsplit("/", 1)[-1],
        "path": entry.path,
        "sha": entry.sha,
        "url": links["self"],
        "git_url": links["git"],
        "html_url": links["html"],
        "download_url": f"{fake.repo_html}/raw/{quote(ref)}/{path}" if kind == "file" else None,
        "_links": links,
    }
    if data is not None:
        # Like GitHub, files over 1 MB come without content; clients then fetch the blob.
        too_big = len(data) > 1024 * 1024
        item["encoding"] = "none" if too_big else "base64"
        item["content"] = "" if too_big else b64_lines(data)
    return item


# -- issues, pull requests, comments --------------------------------------------------------


def label(fake: FakeGitHub, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["id"],
        "node_id": node_id("Label", record["id"]),
        "url": f"{fake.repo_api}/labels/{quote(record['name'], safe='')}",
        "name": record["name"],
        "color": record["color"],
        "default": False,
        "description": record.get("description"),
    }


def association(fake: FakeGitHub, login: str) -> str:
    if login == fake.owner:
        return "OWNER"
    if any(login in members for (org, _), members in fake.teams.items() if org == fake.owner):
        return "MEMBER"
    if fake.permissions.get(login) in ("triage", "write", "maintain", "admin"):
        return "COLLABORATOR"
    return "NONE"


def issue(fake: FakeGitHub, record: dict[str, Any]) -> dict[str, Any]:
    number = record["number"]
    api = f"{fake.repo_api}/issues/{number}"
    is_pr = number in fake.pulls
    data: dict[str, Any] = {
        "id": record["id"],
        "node_id": node_id("Issue", record["id"]),
        "url": api,
        "repository_url": fake.repo_api,
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{fake.repo_html}/{'pull' if is_pr else 'issues'}/{number}",
        "number": number,
        "state": record["state"],
        "state_reason": record.get("state_reason"),
        "title": record["title"],
        "body": record["body"],
        "user": user(fake, record["user"]),
        "labels": [label(fake, item) for item in record["labels"]],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": record.get("locked", False),
        "comments": len(fake.comments.get(number, [])),
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "closed_at": record["closed_at"],
        "author_association": association(fake, record["user"]),
    }
    if is_pr:
        pr_api = f"{fake.repo_api}/pulls/{number}"
        html = data["html_url"]
        data["pull_request"] = {
            "url": pr_api,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": record["merged_at"],
        }
    return data


def pull_part(fake: FakeGitHub, ref: str, sha: str) -> dict[str, Any]:
    return {
        "label": f"{fake.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(fake, fake.owner),
        "repo": repo(fake),
    }


def pull(
    fake: FakeGitHub, record: dict[str, Any], full: bool, stats: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A pull request; ``full`` adds the single-PR fields (mergeable, counts) from ``stats``."""
    number = record["number"]
    api = f"{fake.repo_api}/pulls/{number}"
    issue_api = f"{fake.repo_api}/issues/{number}"
    html = f"{fake.repo_html}/pull/{number}"
    data: dict[str, Any] = {
        "url": api,
        "id": record["id"],
        "node_id": node_id("PullRequest", record["id"]),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue_api,
        "commits_url": f"{api}/commits",
        "review_comments_url": f"{api}/comments",
        "review_comment_url": f"{fake.repo_api}/pulls/comments{{/number}}",
        "comments_url": f"{issue_api}/comments",
        "statuses_url": f"{fake.repo_api}/statuses/{record['head_sha']}",
        "number": number,
        "state": record["state"],
        "locked": record.get("locked", False),
        "title": record["title"],
        "user": user(fake, record["user"]),
        "body": record["body"],
        "labels": [label(fake, item) for item in record["labels"]],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "closed_at": record["closed_at"],
        "merged_at": record["merged_at"],
        "merge_commit_sha": record["merge_commit_sha"],
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [user(fake, login) for login in record["requested_reviewers"]],
        "requested_teams": [team(fake, fake.owner, slug) for slug in record["requested_teams"]],
        "head": pull_part(fake, record["head_ref"], record["head_sha"]),
        "base": pull_part(fake, record["base_ref"], record["base_sha"]),
        "_links": {
            "self": {"href": api},
            "html": {"href": html},
            "issue": {"href": issue_api},
            "comments": {"href": f"{issue_api}/comments"},
            "review_comments": {"href": f"{api}/comments"},
            "review_comment": {"href": f"{fake.repo_api}/pulls/comments{{/number}}"},
            "commits": {"href": f"{api}/commits"},
            "statuses": {"href": f"{fake.repo_api}/statuses/{record['head_sha']}"},
        },
        "author_association": association(fake, record["user"]),
        "auto_merge": None,
        "draft": record["draft"],
    }
    if full:
        data.update(
            merged=record["merged"],
            merged_by=user(fake, record["merged_by"]) if record["merged_by"] else None,
            comments=len(fake.comments.get(number, [])),
            review_comments=0,
            maintainer_can_modify=record["maintainer_can_modify"],
            **(stats or {}),
        )
    return data


def comment(fake: FakeGitHub, record: dict[str, Any]) -> dict[str, Any]:
    number = record["issue_number"]
    kind = "pull" if number in fake.pulls else "issues"
    api = f"{fake.repo_api}/issues/comments/{record['id']}"
    return {
        "id": record["id"],
        "node_id": node_id("IssueComment", record["id"]),
        "url": api,
        "html_url": f"{fake.repo_html}/{kind}/{number}#issuecomment-{record['id']}",
        "issue_url": f"{fake.repo_api}/issues/{number}",
        "body": record["body"],
        "user": user(fake, record["user"]),
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "author_association": association(fake, record["user"]),
        "reactions": reaction_rollup(fake, record["id"], f"{api}/reactions"),
    }


def reaction_rollup(fake: FakeGitHub, comment_id: int, url: str) -> dict[str, Any]:
    found = fake.reactions.get(comment_id, [])
    rollup: dict[str, Any] = {"url": url, "total_count": len(found)}
    for kind in REACTIONS:
        rollup[kind] = sum(1 for r in found if r["content"] == kind)
    return rollup


def reaction(fake: FakeGitHub, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["id"],
        "node_id": node_id("Reaction", record["id"]),
        "user": user(fake, record["user"]),
        "content": record["content"],
        "created_at": record["created_at"],
    }


def review(fake: FakeGitHub, record: dict[str, Any], number: int) -> dict[str, Any]:
    html = f"{fake.repo_html}/pull/{number}#pullrequestreview-{record['id']}"
    pull_api = f"{fake.repo_api}/pulls/{number}"
    data: dict[str, Any] = {
        "id": record["id"],
        "node_id": node_id("PullRequestReview", record["id"]),
        "user": user(fake, record["user"]),
        "body": record["body"],
        "state": record["state"],
        "html_url": html,
        "pull_request_url": pull_api,
        "author_association": association(fake, record["user"]),
        "_links": {"html": {"href": html}, "pull_request": {"href": pull_api}},
        "commit_id": record["commit_id"],
    }
    if record["submitted_at"] is not None:  # pending reviews have not been submitted
        data["submitted_at"] = record["submitted_at"]
    return data
