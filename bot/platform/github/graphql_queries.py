"""The GraphQL documents the bot reads GitHub with, their price, and pure parsers of the answers.

One query returns what a poll needs: the base branch's commit, every target file at that very
commit (one alias per file, under ``Commit.file`` so all files come from one snapshot), and the
open pull requests into the base branch. Files beyond one query's share go in follow-up queries
pinned to the commit the first one returned; further pages of pull requests in their own query.

Paths and branch names are untrusted (they come from the config and from GitHub): they travel
as GraphQL variables, never in the document text. Answers are untrusted too: parsers check every
value's type and raise ``MalformedAnswer`` instead of passing on what they cannot vouch for.

No I/O here: the caller posts ``Query.document`` with ``Query.variables`` and hands the JSON
answer to the matching parser.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.errors import UserError

PAGE_MAX = 100  # GitHub: first/last within 1..100
NODE_LIMIT = 500_000  # GitHub: nodes one call may ask for
# Files per query. GitHub prices ``file`` fields at nothing (they are not connections), so the
# limit is ours: about 250 KB of answer at 1 KB per overlay, well inside GitHub's 10-second
# execution budget, and 500 targets in two queries.
FILES_PER_QUERY = 250
# Open PRs per page. Each PR's labels, review requests and reviews are fetched once per PR, so a
# page of n PRs costs 1 + 3n requests: 40 keeps the whole read at GitHub's minimum of 1 point
# (121 requests round to 1), where a page of 100 would cost 3 for every poll.
PULLS_PER_PAGE = 40
LABELS_PER_PULL = 50
REVIEW_REQUESTS_PER_PULL = 20
# Closed PRs read with the poll, most recently updated first (rejected promotions): one more
# request in the point sum (122 still rounds to 1) and the page the REST read took.
CLOSED_PER_READ = 30


# -- price ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conn:
    """A connection a document selects: its page size and the connections nested in it."""

    name: str
    size: int
    children: tuple[Conn, ...] = ()


def node_count(conns: Iterable[Conn], above: int = 1) -> int:
    """GitHub's node count: each connection's page size times the page sizes above it."""
    return sum(above * c.size + node_count(c.children, above * c.size) for c in conns)


def request_count(conns: Iterable[Conn], above: int = 1) -> int:
    """GitHub's request count: a connection is fetched once per node of its parent."""
    return sum(above + request_count(c.children, above * c.size) for c in conns)


def point_cost(conns: Iterable[Conn]) -> int:
    """Points a call costs: requests / 100, rounded to the nearest whole number, at least 1."""
    return max(1, (request_count(conns) + 50) // 100)


_PULLS = (
    Conn(
        "pullRequests",
        PULLS_PER_PAGE,
        (
            Conn("labels", LABELS_PER_PULL),
            Conn("reviewRequests", REVIEW_REQUESTS_PER_PULL),
            Conn("reviews", 1),
        ),
    ),
)


_CLOSED = Conn("closed", CLOSED_PER_READ)


@dataclass(frozen=True)
class Query:
    """A document, its variables, which alias holds which path, and the connections it asks."""

    document: str
    variables: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)  # alias -> path
    connections: tuple[Conn, ...] = ()

    @property
    def nodes(self) -> int:
        return node_count(self.connections)

    @property
    def cost(self) -> int:
        return point_cost(self.connections)

    def body(self) -> dict[str, Any]:
        """The JSON body to POST to GitHub's GraphQL endpoint."""
        return {"query": self.document, "variables": self.variables}


# -- documents ------------------------------------------------------------------------------

_FILE_FIELDS = "path object { ... on Blob { oid byteSize isBinary isTruncated text } }"
_RATE = "rateLimit { cost nodeCount limit remaining used resetAt }"
_PULL_FIELDS = f"""
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        number url title body baseRefName headRefName headRefOid isCrossRepository mergeable
        headRepository {{ nameWithOwner }}
        labels(first: {LABELS_PER_PULL}) {{ nodes {{ name }} }}
        reviewRequests(first: {REVIEW_REQUESTS_PER_PULL}) {{
          nodes {{ requestedReviewer {{ ... on User {{ login }} ... on Team {{ slug }} }} }}
        }}
        reviews(first: 1) {{ totalCount }}
      }}"""
_PULLS_SELECTION = (
    f"pullRequests(states: [OPEN], baseRefName: $baseName, first: {PULLS_PER_PAGE}, "
    "after: $after) "
    f"{{{_PULL_FIELDS}\n    }}"
)
# Into any branch: for a read that does not know the default branch's name yet.
_ALL_PULLS_SELECTION = (
    f"pullRequests(states: [OPEN], first: {PULLS_PER_PAGE}, after: $after) {{{_PULL_FIELDS}\n    }}"
)
# The fields the rejection check reads of a closed PR (``snapshot.closed_promotions``).
_CLOSED_FIELDS = (
    "nodes { number url body baseRefName headRefName merged isCrossRepository "
    "headRepository { nameWithOwner } }"
)
_CLOSED_ORDER = "orderBy: {field: UPDATED_AT, direction: DESC}"
_CLOSED_SELECTION = (
    f"closed: pullRequests(states: [CLOSED], baseRefName: $baseName, "
    f"first: {CLOSED_PER_READ}, {_CLOSED_ORDER}) {{ {_CLOSED_FIELDS} }}"
)
_ALL_CLOSED_SELECTION = (
    f"closed: pullRequests(states: [CLOSED], first: {CLOSED_PER_READ}, {_CLOSED_ORDER}) "
    f"{{ {_CLOSED_FIELDS} }}"
)


def chunk_paths(paths: Iterable[str], per_query: int = FILES_PER_QUERY) -> list[tuple[str, ...]]:
    """Distinct paths, in first-seen order, in groups of at most ``per_query``."""
    if per_query < 1:
        raise ValueError("per_query must be at least 1")
    unique = list(dict.fromkeys(paths))
    return [tuple(unique[i : i + per_query]) for i in range(0, len(unique), per_query)]


def _files(paths: Sequence[str]) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    """Variable declarations, aliased ``file`` selections, variables and alias -> path."""
    declared = "".join(f", $p{i}: String!" for i in range(len(paths)))
    selections = "\n".join(
        f"f{i}: file(path: $p{i}) {{ {_FILE_FIELDS} }}" for i in range(len(paths))
    )
    variables = {f"p{i}": path for i, path in enumerate(paths)}
    return declared, selections, variables, {f"f{i}": path for i, path in enumerate(paths)}


def base_query(
    repository: str, branch: str, paths: Sequence[str], after: str | None = None
) -> Query:
    """The poll's read: the repository's node id (``createRef`` needs it), ``branch``'s commit
    and tree, ``paths`` at that commit, the first page of open pull requests into ``branch`` and
    the most recently updated closed ones. ``paths`` must fit one query (``chunk_paths``)."""
    _fits(paths)
    owner, name = split_repository(repository)
    declared, selections, variables, files = _files(paths)
    document = f"""query PromotionRead($owner: String!, $name: String!, $base: String!,
  $baseName: String!, $after: String{declared}) {{
  repository(owner: $owner, name: $name) {{
    id
    ref(qualifiedName: $base) {{
      name
      target {{
        oid
        ... on Commit {{
          committedDate
          tree {{ oid }}
          {selections}
        }}
      }}
    }}
    {_PULLS_SELECTION}
    {_CLOSED_SELECTION}
  }}
  {_RATE}
}}"""
    variables.update(owner=owner, name=name, base=f"refs/heads/{branch}", baseName=branch)
    variables["after"] = after
    return Query(document, variables, files, (*_PULLS, _CLOSED))


def default_base_query(repository: str, paths: Sequence[str]) -> Query:
    """``base_query`` for the default branch, unnamed: its name comes back in the answer, so no
    lookup goes first. Open PRs into any branch are listed (``pullRequests`` filters on a named
    branch only), and closed ones likewise; the caller keeps those into the default branch."""
    _fits(paths)
    owner, name = split_repository(repository)
    declared, selections, variables, files = _files(paths)
    document = f"""query PromotionDefaultRead($owner: String!, $name: String!,
  $after: String{declared}) {{
  repository(owner: $owner, name: $name) {{
    id
    ref: defaultBranchRef {{
      name
      target {{
        oid
        ... on Commit {{
          committedDate
          tree {{ oid }}
          {selections}
        }}
      }}
    }}
    {_ALL_PULLS_SELECTION}
    {_ALL_CLOSED_SELECTION}
  }}
  {_RATE}
}}"""
    variables.update(owner=owner, name=name, after=None)
    return Query(document, variables, files, (*_PULLS, _CLOSED))


def files_query(repository: str, commit_oid: str, paths: Sequence[str]) -> Query:
    """More ``paths`` at the commit ``base_query`` answered, so every file is of one snapshot."""
    _fits(paths)
    owner, name = split_repository(repository)
    declared, selections, variables, files = _files(paths)
    document = f"""query PromotionFiles($owner: String!, $name: String!,
  $oid: GitObjectID!{declared}) {{
  repository(owner: $owner, name: $name) {{
    object(oid: $oid) {{
      ... on Commit {{
        {selections}
      }}
    }}
  }}
  {_RATE}
}}"""
    variables.update(owner=owner, name=name, oid=commit_oid)
    return Query(document, variables, files, ())


def pulls_query(repository: str, branch: str, after: str | None) -> Query:
    """The next page of open pull requests into ``branch``, after ``base_query``'s cursor (the
    first page with ``after`` None)."""
    owner, name = split_repository(repository)
    document = f"""query PromotionPulls($owner: String!, $name: String!, $baseName: String!,
  $after: String) {{
  repository(owner: $owner, name: $name) {{
    {_PULLS_SELECTION}
  }}
  {_RATE}
}}"""
    variables = {"owner": owner, "name": name, "baseName": branch, "after": after}
    return Query(document, variables, {}, _PULLS)


def _fits(paths: Sequence[str]) -> None:
    if len(paths) > FILES_PER_QUERY:
        raise ValueError(f"{len(paths)} files exceed one query's {FILES_PER_QUERY}: chunk_paths")


def split_repository(repository: str) -> tuple[str, str]:
    owner, slash, name = repository.partition("/")
    if not owner or not slash or not name or "/" in name:
        raise UserError(f"repository {repository!r}: expected owner/name")
    return owner, name
