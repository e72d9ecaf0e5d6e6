"""One poll's reads in as few GitHub requests as GitHub's limits allow: the base commit, every
target file at that commit, the open promotion PRs and the newest closed ones, through the
GraphQL documents of ``graphql_queries``. Up to 250 files and 40 open PRs this is one request;
each further 250 files or 40 PRs adds one.

``read_snapshot`` does the I/O through a ``post`` callable (the platform's, with its retries and
error mapping), so this module imports no HTTP client.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot import markers
from bot.model import OpenPromotion
from bot.platform.base import Base
from bot.platform.github.graphql_answers import (
    FileText,
    OpenPull,
    parse_base,
    parse_files,
    parse_pulls,
)
from bot.platform.github.graphql_closed import ClosedPull, parse_closed
from bot.platform.github.graphql_queries import (
    FILES_PER_QUERY,
    Query,
    base_query,
    chunk_paths,
    default_base_query,
    files_query,
    pulls_query,
)
from bot.platform.github.state import finished

Post = Callable[[Query, str], Any]  # (query, what it is for) -> the JSON answer


@dataclass(frozen=True)
class Snapshot:
    """What GitHub answered, all of it about one base commit."""

    repository_id: str
    base: Base
    files: dict[str, FileText | None]
    pulls: tuple[OpenPull, ...]
    closed: tuple[ClosedPull, ...] | None = None  # None: not read here (see ``parse_closed``)


def read_snapshot(
    post: Post, repository: str, branch: str | None, paths: Sequence[str]
) -> Snapshot:
    """``branch`` None: the default branch, whose name the first query returns."""
    chunks = chunk_paths(paths) or [()]
    if branch is None:
        first = default_base_query(repository, chunks[0])
    else:
        first = base_query(repository, branch, chunks[0])
    answer = post(first, f"read the base branch of {repository}")
    read = parse_base(answer, first, repository)
    closed = parse_closed(answer, read.base.name, named=branch is not None)
    files = dict(read.files)
    for chunk in chunks[1:]:
        query = files_query(repository, read.base.oid, chunk)
        files.update(parse_files(post(query, f"read files of {repository}"), query, repository))
    name, page = read.base.name, read.pulls
    pulls = [p for p in page.pulls if p.base_ref == name]
    # Past the first page: PRs into the base branch only; from the start when the first page
    # listed PRs into every branch.
    cursor = page.end_cursor
    if branch is None and page.has_next:
        pulls, cursor = [], None
    while page.has_next:
        query = pulls_query(repository, name, cursor)
        page = parse_pulls(post(query, "list open pull requests"), repository)
        pulls.extend(page.pulls)
        cursor = page.end_cursor
        if cursor is None:
            break
    base = Base(name, read.base.oid, read.base.tree_oid)
    return Snapshot(read.repository_id, base, files, tuple(pulls), closed)


def not_found(answer: Any) -> bool:
    """Whether GitHub's GraphQL answer says the repository (or what was asked) is not there."""
    errors = answer.get("errors") if isinstance(answer, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    return isinstance(first, dict) and first.get("type") == "NOT_FOUND"


def pinned_files(
    post: Post, repository: str, oid: str, paths: Sequence[str]
) -> dict[str, FileText | None]:
    """``paths`` at commit ``oid`` (a base read earlier in the run), 250 to a request."""
    files: dict[str, FileText | None] = {}
    for chunk in chunk_paths(paths):
        query = files_query(repository, oid, chunk)
        files.update(parse_files(post(query, f"read files of {repository}"), query, repository))
    return files


def with_room(paths: Sequence[str], spare: Sequence[str]) -> list[str]:
    """As many of ``spare`` as fit in the last query ``paths`` fill, adding no query."""
    room = -len(paths) % FILES_PER_QUERY or (FILES_PER_QUERY if not paths else 0)
    return list(spare[:room])


def settled(found: FileText | None) -> tuple[bool, str | None]:
    """Whether the read settles the path, and its text. A path that is not there reads as
    None, as REST's 404 does; a binary file is left to the REST read, which words the failure."""
    if found is None:
        return True, None
    if found.binary or found.text is None:
        return False, None
    return True, found.text


def open_promotions(
    pulls: Sequence[OpenPull], prefix: str, repository: str
) -> dict[str, OpenPromotion]:
    """The bot's PRs among ``pulls``: a head branch under ``prefix/`` in this repository (a
    fork's PR is never the bot's, whatever its branch is called), as REST lists them."""
    found = {}
    for pr in pulls:
        ours = not pr.cross_repository and pr.head_repository == repository
        if not ours or not pr.head_ref.startswith(prefix + "/"):
            continue
        promotion = markers.parse_marker(pr.body)
        if not finished(pr.body, pr.labels):
            promotion = None  # the run that opened it stopped before its last step
        found[pr.head_ref] = OpenPromotion(
            pr.head_ref,
            pr.head_oid,
            pr.number,
            pr.url,
            promotion,
            labels=pr.labels,
            reviewers=pr.reviewers,
            team_reviewers=pr.teams,
            pinned=markers.pinned(pr.body),
            reviewed=pr.reviews > 0,  # the same read tells it: no review listing needed
            conflicting=pr.mergeable == "CONFLICTING",  # UNKNOWN: not yet, nothing to do
        )
    return found
