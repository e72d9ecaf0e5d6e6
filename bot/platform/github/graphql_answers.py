"""Pure parsers of GitHub's answers to the queries in ``graphql_queries``, into plain typed data.

Everything in an answer is untrusted: each value is type-checked on the way in, and an answer
that does not have the shape the query asked for raises ``MalformedAnswer`` rather than letting a
``None`` or a wrong type travel into a commit. GitHub's own errors become the bot's: an exhausted
budget is ``RateLimited`` (retry later), a missing repository or branch a ``UserError`` naming it,
a refused document ``QueryRejected`` (a bug in the bot: the message says which rule it broke).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.errors import BotError, RetryableError, UserError
from bot.platform.github.graphql_queries import Query

T = TypeVar("T")


class MalformedAnswer(RetryableError):
    """The answer lacks a field the query selected, or holds a value of the wrong type."""


class RateLimited(RetryableError):
    """GitHub's GraphQL points for this token are spent until the window resets."""


class QueryRejected(BotError):
    """GitHub refused the document itself (shape, page size, node limit): a bug to report."""

    exit_code = 3


@dataclass(frozen=True)
class BaseRef:
    name: str
    oid: str
    tree_oid: str
    committed_date: str


@dataclass(frozen=True)
class FileText:
    """A file at the base commit. ``text`` is None for binary files (GitHub sends none)."""

    path: str
    oid: str
    text: str | None
    byte_size: int
    binary: bool
    truncated: bool


@dataclass(frozen=True)
class OpenPull:
    number: int
    url: str
    title: str
    body: str
    base_ref: str
    head_ref: str
    head_oid: str
    cross_repository: bool
    head_repository: str | None  # None when the fork is gone
    labels: tuple[str, ...]
    reviewers: tuple[str, ...]  # user logins asked to review
    teams: tuple[str, ...]  # team slugs asked to review
    reviews: int
    mergeable: str  # MERGEABLE | CONFLICTING | UNKNOWN


@dataclass(frozen=True)
class PullPage:
    pulls: tuple[OpenPull, ...]
    has_next: bool
    end_cursor: str | None


@dataclass(frozen=True)
class Cost:
    """What ``rateLimit`` reported for the call."""

    cost: int
    nodes: int
    limit: int
    remaining: int
    used: int
    reset_at: str


@dataclass(frozen=True)
class BaseRead:
    repository_id: str  # the node id createRef takes
    base: BaseRef
    files: dict[str, FileText | None]  # path -> file, None when the path is not a file there
    pulls: PullPage
    cost: Cost


# -- errors ---------------------------------------------------------------------------------


def check(answer: Any, subject: str) -> Mapping[str, Any]:
    """The ``data`` of an answer, or the bot's error for GitHub's ``errors``."""
    top = json_object(answer, "the answer")
    errors = top.get("errors")
    if errors:
        raise _error(_as(errors, list, "errors"), subject)
    return json_object(top.get("data"), "data")


def _error(errors: list[Any], subject: str) -> BotError:
    first = json_object(errors[0], "errors[0]")
    kind, message = first.get("type"), _one_line(first.get("message", "no message"))
    if kind == "RATE_LIMITED":
        return RateLimited(f"[{subject}] GitHub GraphQL rate limit reached: {message}")
    if kind == "NOT_FOUND":
        return UserError(
            f"[{subject}] GitHub: {message} Check the repository name and that the token can "
            "read it."
        )
    return QueryRejected(f"[{subject}] GitHub refused the GraphQL query: {message}")


def _one_line(text: Any, limit: int = 300) -> str:
    """GitHub's message as one printable line of bounded length: it is shown to users and logged,
    and an answer is untrusted."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# -- answers --------------------------------------------------------------------------------


def parse_base(answer: Any, query: Query, subject: str) -> BaseRead:
    """``base_query``'s answer: the base ref, its files, the first page of PRs, the cost."""
    data = check(answer, subject)
    repo = json_object(data.get("repository"), "repository")
    ref = repo.get("ref")
    branch = query.variables.get("baseName")
    if ref is None and branch is None:
        raise UserError(f"[{subject}] the repository has no default branch on GitHub")
    if ref is None:
        raise UserError(f"[{subject}] base branch {branch!r} does not exist on GitHub")
    ref = json_object(ref, "repository.ref")
    target = json_object(ref.get("target"), "ref.target")
    tree = json_object(target.get("tree"), "ref.target.tree")
    base = BaseRef(
        json_str(ref, "name"),
        json_str(target, "oid"),
        json_str(tree, "oid"),
        json_str(target, "committedDate"),
    )
    files = _files(target, query, subject)
    return BaseRead(json_str(repo, "id"), base, files, _pulls(repo), _cost(data))


def parse_files(answer: Any, query: Query, subject: str) -> dict[str, FileText | None]:
    """``files_query``'s answer: path -> file at the pinned commit."""
    data = check(answer, subject)
    repo = json_object(data.get("repository"), "repository")
    commit = repo.get("object")
    if commit is None:
        raise MalformedAnswer(f"[{subject}] GitHub no longer knows commit {query.variables['oid']}")
    return _files(json_object(commit, "repository.object"), query, subject)


def parse_pulls(answer: Any, subject: str) -> PullPage:
    data = check(answer, subject)
    return _pulls(json_object(data.get("repository"), "repository"))


def promotion_pulls(page: PullPage, prefix: str) -> tuple[OpenPull, ...]:
    """The bot's own PRs: head branch under ``prefix`` in this repository. PRs from forks are
    never the bot's, whatever their branch is called."""
    return tuple(p for p in page.pulls if p.head_ref.startswith(prefix) and not p.cross_repository)


def _files(commit: Mapping[str, Any], query: Query, subject: str) -> dict[str, FileText | None]:
    found: dict[str, FileText | None] = {}
    for alias, path in query.files.items():
        if alias not in commit:
            raise MalformedAnswer(f"[{subject}] GitHub's answer lacks {alias} ({path})")
        entry = commit[alias]
        found[path] = None if entry is None else _file(json_object(entry, alias), path, subject)
    return found


def _file(entry: Mapping[str, Any], path: str, subject: str) -> FileText | None:
    blob = entry.get("object")
    if blob is None or not blob:  # a directory or a submodule: no Blob fields came back
        return None
    blob = json_object(blob, f"{path}.object")
    text = blob.get("text")
    found = FileText(
        path,
        json_str(blob, "oid"),
        None if text is None else _as(text, str, f"{path}.text"),
        _as(blob.get("byteSize"), int, f"{path}.byteSize"),
        _as(blob.get("isBinary"), bool, f"{path}.isBinary"),
        _as(blob.get("isTruncated"), bool, f"{path}.isTruncated"),
    )
    if found.truncated:  # editing a cut text would commit the cut: refuse the file instead
        raise UserError(
            f"[{subject}] {path}: GitHub sent only part of this {found.byte_size}-byte file; "
            "split it into smaller files"
        )
    return found


def _pulls(repo: Mapping[str, Any]) -> PullPage:
    conn = json_object(repo.get("pullRequests"), "pullRequests")
    info = json_object(conn.get("pageInfo"), "pullRequests.pageInfo")
    nodes = _as(conn.get("nodes"), list, "pullRequests.nodes")
    cursor = info.get("endCursor")
    return PullPage(
        tuple(_pull(json_object(n, "pull request")) for n in nodes),
        _as(info.get("hasNextPage"), bool, "hasNextPage"),
        None if cursor is None else _as(cursor, str, "endCursor"),
    )


def _pull(node: Mapping[str, Any]) -> OpenPull:
    head_repo = node.get("headRepository")
    asked = [_reviewer(r) for r in _nodes(node, "reviewRequests")]
    return OpenPull(
        number=_as(node.get("number"), int, "number"),
        url=json_str(node, "url"),
        title=json_str(node, "title"),
        body=json_str(node, "body"),
        base_ref=json_str(node, "baseRefName"),
        head_ref=json_str(node, "headRefName"),
        head_oid=json_str(node, "headRefOid"),
        cross_repository=_as(node.get("isCrossRepository"), bool, "isCrossRepository"),
        head_repository=None
        if head_repo is None
        else json_str(json_object(head_repo, "headRepository"), "nameWithOwner"),
        labels=tuple(json_str(label, "name") for label in _nodes(node, "labels")),
        reviewers=tuple(name for kind, name in asked if kind == "login"),
        teams=tuple(name for kind, name in asked if kind == "slug"),
        reviews=_as(json_object(node.get("reviews"), "reviews").get("totalCount"), int, "reviews"),
        mergeable=json_str(node, "mergeable"),
    )


def _nodes(node: Mapping[str, Any], name: str) -> Iterable[Mapping[str, Any]]:
    conn = json_object(node.get(name), name)
    return [json_object(n, f"{name} node") for n in _as(conn.get("nodes"), list, name)]


def _reviewer(request: Mapping[str, Any]) -> tuple[str, str]:
    """("login", name) for a user, ("slug", name) for a team, ("", "") for other reviewers
    (bots, mannequins) which this query does not select fields of."""
    who = request.get("requestedReviewer")
    if not isinstance(who, Mapping):
        return "", ""
    for key in ("login", "slug"):
        if key in who:
            return key, _as(who[key], str, f"reviewer {key}")
    return "", ""


def _cost(data: Mapping[str, Any]) -> Cost:
    rate = json_object(data.get("rateLimit"), "rateLimit")
    cost, nodes, limit, remaining, used = (
        _as(rate.get(k), int, f"rateLimit.{k}") for k in _RATE_INTS
    )
    return Cost(cost, nodes, limit, remaining, used, json_str(rate, "resetAt"))


_RATE_INTS = ("cost", "nodeCount", "limit", "remaining", "used")


def parse_cost(answer: Any, subject: str) -> Cost:
    return _cost(check(answer, subject))


def json_str(obj: Mapping[str, Any], key: str) -> str:
    return _as(obj.get(key), str, key)


def json_object(value: Any, what: str) -> dict[str, Any]:
    """A JSON object (json.loads makes every one a dict)."""
    if not isinstance(value, dict):
        raise MalformedAnswer(f"GitHub's GraphQL answer: {what} is not an object")
    return value


def _as(value: Any, kind: type[T], what: str) -> T:
    # bool is an int in Python; GitHub's Int fields must not accept true/false.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise MalformedAnswer(f"GitHub's GraphQL answer: {what} is not a {kind.__name__}")
    return value
