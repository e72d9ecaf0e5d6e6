"""GitStore's commit writes, ref swaps and ancestry answers match ``git commit-tree``,
``update-ref``, ``merge-base`` and ``rev-list``: each case runs on a store with the cat-file
reader and on one without it, which always runs the git command."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from tests.rig.ghfake.gitdata import GitError, Ident
from tests.rig.ghfake.gitstore import GitStore
from tests.rig.gitzoo import _NoReader, bare_git, outcome

ALICE = Ident("Alice Example", "alice@example.com", 1_795_000_000, "+0100")

# (name, email, when, tz): what commit-tree stores as given, and what it trims or rewrites.
IDENTS = [
    ALICE,
    Ident("Bo Ünïcode-Ñame", "bo@exämple.org", 0, "-0930"),
    Ident("x", "y", 1, "+1400"),
    Ident(
        "github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com", 5, "+0000"
    ),
    Ident(" Padded ", "pad@example.com", 5, "+0000"),
    Ident("Dotted.", "dot@example.com.", 5, "+0000"),
    Ident("'Quoted'", '"q"@example.com', 5, "+0000"),
    Ident("Angle <b> name", "a@example.com", 5, "+0000"),
    Ident("Tab\tinside", "t@example.com", 5, "+0000"),
    Ident("Zero", "z@example.com", 5, "-0000"),
    Ident("Far", "f@example.com", 5, "+1500"),
    Ident("Late", "l@example.com", 1 << 41, "+0000"),
]
MESSAGES = [
    "promote fraud-detector to prod\n",
    "no trailing newline",
    "",
    "\n\nleading blank lines\n\n\n",
    "trailers\n\nPromote-Model: m\nPromote-Version: 12\n",
    "   indented   \n# not a comment to commit-tree\n",
    "ünï 模型 🚀\n",
    "carriage\r\nreturns\r\n",
    "non-character \ufffe and \ufdd0 and \U0001ffff\n",
    "nul \0 inside\n",
]


@pytest.fixture
def history(zoo: Path) -> dict[str, str]:
    """Named commits: a linear run main~1 -> main -> child -> grandchild, a root, a merge."""
    shas = {name: bare_git(zoo, "rev-parse", name) for name in ("main~1", "main", "odd")}
    tree = bare_git(zoo, "rev-parse", "main^{tree}")
    shas["child"] = bare_git(zoo, "commit-tree", tree, "-p", shas["main"], "-m", "child")
    shas["grandchild"] = bare_git(zoo, "commit-tree", tree, "-p", shas["child"], "-m", "gc")
    merge = ("commit-tree", tree, "-p", shas["main"], "-p", shas["odd"], "-m", "merge")
    shas["merge"] = bare_git(zoo, *merge)
    return shas


def test_commits_are_the_objects_commit_tree_writes(
    zoo: Path, stores: tuple[GitStore, GitStore], history: dict[str, str]
) -> None:
    fast, cli = stores
    tree = bare_git(zoo, "rev-parse", "main^{tree}")
    blob = bare_git(zoo, "rev-parse", "main:dir/file")
    main, odd = history["main"], history["odd"]
    parent_sets = [[], [main], [main, odd], [main, main], [blob], ["1" * 40], ["main"]]
    cases = [(tree, [main], message, ALICE, ALICE) for message in MESSAGES]
    cases += [(tree, [main], "m\n", who, ALICE) for who in IDENTS]
    cases += [(tree, [main], "m\n", ALICE, who) for who in IDENTS]
    cases += [(tree, parents, "m\n", ALICE, ALICE) for parents in parent_sets]
    cases += [(bad, [main], "m\n", ALICE, ALICE) for bad in (blob, main, "2" * 40, "main")]
    for case in cases:
        assert outcome(fast.commit_tree, *case) == outcome(cli.commit_tree, *case), case
    bare_git(zoo, "fsck", "--strict", "--no-dangling")


@pytest.fixture
def gitless(
    stores: tuple[GitStore, GitStore], history: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> GitStore:
    """The store with the reader, started, and git forbidden: the comparisons in this file
    would pass vacuously if the fast paths always fell back."""
    fast, _ = stores
    fast.read_commit(history["main"])
    monkeypatch.setattr(GitStore, "run", _no_git)
    return fast


def test_plain_commits_spawn_no_git(gitless: GitStore, history: dict[str, str]) -> None:
    tree = gitless.resolve("main", "tree")
    assert tree is not None
    main, odd = history["main"], history["odd"]
    for message, who in itertools.product(MESSAGES[:8], IDENTS[:4]):
        sha = gitless.commit_tree(tree, [main, odd], message, who, ALICE)
        written = gitless.read_commit(sha)
        assert (written.parents, written.message, written.author) == ((main, odd), message, who)


def test_ancestry_answers_match_git(
    zoo: Path, stores: tuple[GitStore, GitStore], history: dict[str, str]
) -> None:
    fast, cli = stores
    names = [*history.values(), "main", "refs/heads/main", "v1", "1" * 40, "main^{tree}"]
    names.append(bare_git(zoo, "rev-parse", "main^{tree}"))
    for a, b in itertools.product(names, repeat=2):
        assert fast.is_ancestor(a, b) == cli.is_ancestor(a, b), (a, b)
        assert fast.merge_base(a, b) == cli.merge_base(a, b), (a, b)
        for rng in (f"{a}..{b}", f"{a}...{b}"):
            assert outcome(fast.rev_list, rng) == outcome(cli.rev_list, rng), rng
    pair = f"{history['main']}..{history['child']}"
    assert fast.rev_list(pair, reverse=True) == cli.rev_list(pair, reverse=True)
    assert fast.rev_list(pair, paths=["dir"]) == cli.rev_list(pair, paths=["dir"]) == []


def test_grafted_history_is_left_to_git(
    zoo: Path, stores: tuple[GitStore, GitStore], history: dict[str, str]
) -> None:
    """A graft makes ``child`` a root for git while its object still names a parent."""
    fast, cli = stores
    (zoo / "info").mkdir(exist_ok=True)
    (zoo / "info" / "grafts").write_text(history["child"] + "\n")
    main, child = history["main"], history["child"]
    assert fast.is_ancestor(main, child) is cli.is_ancestor(main, child) is False
    assert fast.merge_base(main, child) == cli.merge_base(main, child) is None
    assert fast.rev_list(f"{main}..{child}") == cli.rev_list(f"{main}..{child}") == [child]


def test_plain_ancestry_spawns_no_git(gitless: GitStore, history: dict[str, str]) -> None:
    fast, main, child = gitless, history["main"], history["child"]
    assert fast.is_ancestor(main, child) and not fast.is_ancestor(child, main)
    assert fast.is_ancestor(main, main)
    assert fast.merge_base(main, child) == fast.merge_base(child, main) == main
    assert fast.rev_list(f"{main}..{child}") == [child]
    assert fast.rev_list(f"{child}..{main}") == fast.rev_list(f"{main}..{main}") == []


def _no_git(*args: object, **kwargs: object) -> None:
    raise GitError(f"spawned git {args}")


def test_ref_swaps_match_update_ref(zoo: Path, tmp_path: Path, history: dict[str, str]) -> None:
    """The same compare-and-swaps on two copies of a repository, one through git."""
    main, child, odd = history["main"], history["child"], history["odd"]
    first, tree = history["main~1"], bare_git(zoo, "rev-parse", "main^{tree}")
    bare_git(zoo, "update-ref", "refs/heads/deep/packed", main)
    bare_git(zoo, "pack-refs", "--all")  # every ref packed...
    bare_git(zoo, "update-ref", "refs/heads/overridden", main)  # ...one with a loose file too
    twin = tmp_path / "twin.git"
    shutil.copytree(zoo, twin, symlinks=True)
    fast, cli = GitStore(zoo), GitStore(twin)
    cli._cat = _NoReader()  # type: ignore[assignment]
    (zoo / "refs" / "heads" / "held.lock").write_text("")  # another writer's lock
    (twin / "refs" / "heads" / "held.lock").write_text("")
    swaps = [
        *[("refs/heads/deep", child, None), ("refs/tags/light/x", child, None)],
        *[("refs/heads/main/x", child, None), ("refs/heads/deep/packed/x", child, None)],
        *[("refs/heads/new", child, None), ("refs/heads/new", odd, None)],
        *[("refs/heads/new", odd, main), ("refs/heads/new", odd, child)],
        *[("refs/heads/main", child, None), ("refs/heads/main", child, first)],
        *[("refs/heads/main", child, main), ("refs/heads/overridden", main, main)],
        *[("refs/heads/overridden", main, first), ("refs/heads/main/x", child, None)],
        *[("refs/heads/loose/x", child, None), ("refs/heads/a/b/c", child, None)],
        *[("refs/heads/a/b", child, None), ("refs/heads/a", child, None)],
        *[("refs/heads/alias", odd, child), ("refs/heads/held", child, None)],
        *[("refs/heads/tree", tree, None), ("refs/tags/tree", tree, None)],
        *[("refs/heads/missing", "1" * 40, None), ("refs/heads/x.lock", child, None)],
        *[("refs/heads/new", child, "0" * 40), ("refs/heads/name", "main", None)],
    ]
    for swap in swaps:
        assert fast.update_ref(*swap) == cli.update_ref(*swap), swap
        assert bare_git(zoo, "for-each-ref") == bare_git(twin, "for-each-ref"), swap
    assert sorted(p.name for p in (zoo / "refs" / "heads").rglob("*")) == sorted(
        p.name for p in (twin / "refs" / "heads").rglob("*")
    )
    bare_git(zoo, "fsck", "--strict", "--no-dangling")
    fast.close()


def test_plain_ref_swaps_spawn_no_git(gitless: GitStore, history: dict[str, str]) -> None:
    fast, main, child = gitless, history["main"], history["child"]
    assert fast.update_ref("refs/heads/promote/m/prod", main, None)
    assert not fast.update_ref("refs/heads/promote/m/prod", child, None)
    assert fast.update_ref("refs/heads/promote/m/prod", child, main)
    assert fast.update_ref("refs/heads/main", child, main)  # packed: the loose file wins
    assert fast.ref_sha("refs/heads/main") == fast.ref_sha("refs/heads/promote/m/prod") == child
