"""The commits GitHub writes when it merges a pull request, as real Git objects.

- merge: one commit with two parents (base, head) and the test merge's tree;
- squash: one commit with the base as its only parent and the same tree;
- rebase: each PR commit replayed on the base, keeping its author and message, with GitHub
  as the committer; merge commits inside the PR are dropped, as ``git rebase`` does.

Titles and messages follow the repository's settings (``merge_commit_title`` /
``merge_commit_message`` and the ``squash_`` pair) unless the request gives its own.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tests.rig.ghfake.gitdata import CommitInfo, Ident

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub


def web_flow(when: int | None = None) -> Ident:
    """The committer GitHub uses for what it writes on the web and through merges."""
    return Ident("GitHub", "noreply@github.com", int(time.time()) if when is None else when)


def pr_commits(fake: FakeGitHub, pr: dict[str, Any]) -> list[CommitInfo]:
    git = fake.git
    return git.read_commits(git.rev_list(f"{pr['base_sha']}..{pr['head_sha']}", reverse=True))


def replay(fake: FakeGitHub, onto: str, head: str, committer: Ident | None = None) -> str | None:
    """Cherry-pick each commit of ``onto..head`` in order; the new tip, or None on conflict.

    Git 2.39's ``merge-tree --write-tree`` finds the merge base itself, so each step merges
    a throwaway commit (the tip's tree, whose parent is the picked commit's parent) with the
    picked commit: their merge base is that parent, which makes it an exact cherry-pick.
    """
    git = fake.git
    who = committer or web_flow()
    tip = onto
    for commit in git.read_commits(git.rev_list(f"{onto}..{head}", reverse=True)):
        if len(commit.parents) != 1:
            continue  # merges are dropped; a root commit cannot be replayed onto anything
        parent = commit.parents[0]
        tree = commit.tree
        if parent != tip:
            tip_tree = git.read_commit(tip).tree
            ours = git.commit_tree(tip_tree, [parent], "replay\n", who, who)
            merged = git.merge_trees(ours, commit.sha)
            if merged is None:
                return None
            tree = merged
        tip = git.commit_tree(tree, [tip], commit.message, commit.author, who)
    return tip


def merge_message(fake: FakeGitHub, pr: dict[str, Any], body: dict[str, Any]) -> str:
    settings = fake.settings
    number = pr["number"]
    if settings["merge_commit_title"] == "PR_TITLE":
        default_title = f"{pr['title']} (#{number})"
    else:
        default_title = f"Merge pull request #{number} from {fake.owner}/{pr['head_ref']}"
    default_message = {
        "PR_TITLE": pr["title"],
        "PR_BODY": pr["body"] or "",
        "BLANK": "",
    }[settings["merge_commit_message"]]
    return _message(body.get("commit_title") or default_title, body, default_message)


def squash_message(
    fake: FakeGitHub, pr: dict[str, Any], body: dict[str, Any], commits: list[CommitInfo]
) -> str:
    """GitHub's squash defaults: with one commit, its own title and body; else the PR's
    title and a bulleted list of every commit message."""
    settings = fake.settings
    own = len(commits) == 1 and settings["squash_merge_commit_title"] == "COMMIT_OR_PR_TITLE"
    subject, _, rest = commits[0].message.partition("\n") if commits else ("", "", "")
    title = subject.strip() if own else pr["title"]
    kind = settings["squash_merge_commit_message"]
    if kind == "PR_BODY":
        default_message = pr["body"] or ""
    elif kind == "BLANK":
        default_message = ""
    elif own:
        default_message = rest.strip("\n")
    else:
        default_message = "\n\n".join(f"* {c.message.strip()}" for c in commits)
    return _message(body.get("commit_title") or f"{title} (#{pr['number']})", body, default_message)


def _message(title: str, body: dict[str, Any], default: str) -> str:
    text = body.get("commit_message", default)
    return f"{title}\n\n{text}".rstrip("\n") + "\n"


def write_merge(
    fake: FakeGitHub, pr: dict[str, Any], login: str, method: str, body: dict[str, Any]
) -> str | None:
    """The new base tip for ``method``, or None when the PR does not merge that way."""
    git, now = fake.git, int(time.time())
    committer = web_flow(now)
    if method == "rebase":
        return replay(fake, pr["base_sha"], pr["head_sha"], committer)
    tree = git.merge_trees(pr["base_sha"], pr["head_sha"])
    if tree is None:
        return None
    if method == "merge":
        message = merge_message(fake, pr, body)
        parents = [pr["base_sha"], pr["head_sha"]]
        author = fake.ident(login, now)
    else:
        message = squash_message(fake, pr, body, pr_commits(fake, pr))
        parents = [pr["base_sha"]]
        author = fake.ident(pr["user"], now)
    return git.commit_tree(tree, parents, message, author, committer)
