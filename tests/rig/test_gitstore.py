"""GitStore's fast paths answer exactly what the git commands they replace answer.

Each read is checked against a store whose cat-file reader always fails, so every method
falls back to the one-shot git command it always ran; writes are checked against
``git hash-object -w`` / ``git mktree`` and ``git fsck --strict``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake import objects
from tests.rig.ghfake.gitdata import EMPTY_TREE, GitError, Ident, TreeEntry, split_diff
from tests.rig.ghfake.gitstore import GitStore
from tests.rig.ghfake.routes_pulls import refresh
from tests.rig.gitzoo import ODD_NAMES, bare_git, mktree, outcome
from tests.rig.repos import commit_all, git

# -- reads ----------------------------------------------------------------------------------


def revisions(bare: Path) -> list[str]:
    main = bare_git(bare, "rev-parse", "main")
    blob = bare_git(bare, "rev-parse", "main:dir/file")
    tag = bare_git(bare, "rev-parse", "v1")
    return [
        *("main", "loose", "alias", "odd", "v1", "light", "HEAD", "nope", "refs/heads/main"),
        *(main, blob, tag, EMPTY_TREE, "1" * 40, main.upper(), main[:7], main[:4], "ghost"),
        *("main~1", "main^", "main^{tree}", "main:dir", "main..loose", "^main", "@", "@{0}"),
        *(" main", "main ", "ma in", "main\n", "-main", "", "heads/main", "x-g" + main[:6]),
        *("refs/heads/refs/heads/ghost", "refs/heads/ghost", "main:dir/file", "v1^{}"),
        *("main@{0}", "a/../main", "main.", "refs/heads/main.lock", "main/", "a//b"),
    ]


def test_revision_reads_match_git(zoo: Path, stores: tuple[GitStore, GitStore]) -> None:
    fast, cli = stores
    for rev in revisions(zoo):
        for peel in ("commit", "tree"):
            assert fast.resolve(rev, peel) == cli.resolve(rev, peel), (rev, peel)
        assert fast.object_type(rev) == cli.object_type(rev), rev
        assert fast.resolve_ref_name(rev) == cli.resolve_ref_name(rev), rev


def test_ref_reads_match_git(zoo: Path, stores: tuple[GitStore, GitStore]) -> None:
    fast, cli = stores
    # A ref whose object is missing, one with content git calls broken, one in upper case.
    (zoo / "refs" / "heads" / "dangling").write_text("2" * 40 + "\n")
    (zoo / "refs" / "heads" / "broken").write_text("not a sha\n")
    main = bare_git(zoo, "rev-parse", "main")
    (zoo / "refs" / "heads" / "upper").write_text(main.upper() + "\n")
    (zoo / "refs" / "heads" / "trailer").write_text(main + " trailing words\n")
    names = [
        *("refs/heads/main", "refs/heads/loose", "refs/heads/overridden", "refs/heads/alias"),
        *("refs/heads/odd", "refs/tags/v1", "refs/tags/light", "refs/heads/ghost", "HEAD"),
        *("refs/heads/dangling", "refs/heads/broken", "refs/heads/upper", "refs/heads/trailer"),
        *("refs/heads/nope", "refs/heads/main/x", "refs/heads/", "refs/heads/a..b", "main"),
        *("refs/heads/x.lock", "refs/heads/.x", "refs/heads/ sp", "refs//heads/main", "refs"),
        *("refs/heads/main~1", "refs/heads/ma@{0}", "refs/heads/ünï", "refs/heads/main."),
    ]
    for name in names:
        assert fast.ref_sha(name) == cli.ref_sha(name), name
    (zoo / "refs" / "heads" / "dangling").unlink()  # for-each-ref would die on it
    listed = {name: sha for name, sha, _ in cli.refs()}
    for name in [*names, "refs/heads/nul\0byte", "refs/heads/\udc00"]:
        assert fast.listed_sha(name) == listed.get(name), name


def test_ref_name_rules_match_check_ref_format(stores: tuple[GitStore, GitStore]) -> None:
    fast, _ = stores
    names = [
        *("refs/heads/main", "refs/heads/promote/model/prod", "refs/tags/v1.2.3", "a/b"),
        *("refs/heads/x.lock", "refs/heads/.x", "refs/heads/x.", "refs/heads/a..b", "main"),
        *("refs/heads/", "refs//x", "/refs/x", "-refs/x", "refs/heads/@", "refs/heads/a@{b"),
        *("refs/heads/a b", "refs/heads/a~b", "refs/heads/a^b", "refs/heads/a:b", "@"),
        *("refs/heads/a?b", "refs/heads/a*b", "refs/heads/a[b", "refs/heads/a\\b", "x/.lock"),
        *("refs/heads/a\x7fb", "refs/heads/ünï", "refs/heads/a+b_c-d", "refs/x.lock/y"),
    ]
    for name in names:
        expected = subprocess.run(["git", "check-ref-format", name], check=False).returncode == 0
        assert fast.valid_ref_name(name) == expected, name


def test_tree_reads_match_git(zoo: Path, stores: tuple[GitStore, GitStore]) -> None:
    fast, cli = stores
    commits = [bare_git(zoo, "rev-parse", rev) for rev in ("main", "main~1", "odd", "v1")]
    paths = [
        *("", "README.md", "dir", "dir/", "dir/file", "dir/sub/deep.yaml", "dir//file"),
        *("./README.md", "dir/./file", "missing", "dir/missing", "README.md/x", "link"),
        *("a-gabcd/file", "dir/sub", "submodule", "submodule/x", "group-writable", "bin.dat"),
        *("dir/../README.md", "dir/nul\0", "run.sh", *(f"dir/{name}" for name in ODD_NAMES)),
    ]
    for commit in [*commits, "main", "nope", "-x"]:
        for path in paths:
            assert outcome(fast.entry, commit, path) == outcome(cli.entry, commit, path), (
                commit,
                path,
            )
    trees = [bare_git(zoo, "rev-parse", f"{rev}^{{tree}}") for rev in ("main", "main~1", "odd")]
    for tree in [*trees, *commits, bare_git(zoo, "rev-parse", "main:dir"), EMPTY_TREE]:
        assert fast.ls_tree(tree) == cli.ls_tree(tree), tree
    for bad in ("1" * 40, bare_git(zoo, "rev-parse", "main:dir/file"), "main"):
        assert outcome(fast.ls_tree, bad) == outcome(cli.ls_tree, bad), bad


def test_object_reads_match_git(zoo: Path, stores: tuple[GitStore, GitStore]) -> None:
    fast, cli = stores
    history = bare_git(zoo, "rev-list", "--all").split()
    assert fast.read_commits(history + history[:1]) == cli.read_commits(history + history[:1])
    assert fast.read_commits([]) == []
    for rev in ("main:bin.dat", "main:dir/file", "main~1:link"):
        blob = bare_git(zoo, "rev-parse", rev)
        assert fast.read_blob(blob) == cli.read_blob(blob)
    for bad in ("1" * 40, bare_git(zoo, "rev-parse", "main^{tree}"), "v1", "main:bin.dat"):
        assert outcome(fast.read_blob, bad) == outcome(cli.read_blob, bad), bad
        assert outcome(fast.read_commits, [bad]) == outcome(cli.read_commits, [bad]), bad


def test_one_diff_call_splits_into_what_three_calls_print(zoo: Path) -> None:
    pairs = [("main~1", "main"), ("main", "main~1"), ("main", "odd"), ("odd", "main")]
    pairs += [(EMPTY_TREE, "main"), ("main", "main"), ("main", EMPTY_TREE)]
    for old, new in pairs:
        base = ("diff-tree", "-r", "--no-renames", old, new)
        combined = ("diff-tree", "-r", "-z", "--no-renames", "--raw", "--numstat", "-p", old, new)
        separate = (
            _git_bytes(zoo, *base[:2], "-z", *base[2:]),
            _git_bytes(zoo, *base[:2], "-z", "--numstat", *base[2:]),
            _git_bytes(zoo, *base[:2], "-p", *base[2:]),
        )
        assert split_diff(_git_bytes(zoo, *combined)) == separate, (old, new)
    store = GitStore(zoo)
    try:
        files = store.diff(bare_git(zoo, "rev-parse", "main~1"), "main")
    finally:
        store.close()
    assert {f.filename: f.status for f in files}["dir/file"] == "modified"


def _git_bytes(bare: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", f"--git-dir={bare}", *args], capture_output=True, check=True
    ).stdout


# -- writes ---------------------------------------------------------------------------------


BLOBS = [b"", b"x", b"line\n", b"\0\x01\x02\xff\xfe", "ünïcode\n".encode(), b"a" * 300_000]


def test_blobs_and_trees_are_the_objects_git_writes(tmp_path: Path) -> None:
    bare = tmp_path / "w.git"
    store = GitStore(bare)
    store.init("main")
    try:
        blobs = [store.write_blob(data) for data in BLOBS]
        for data, sha in zip(BLOBS, blobs, strict=True):
            assert sha == bare_git(bare, "hash-object", "--stdin", stdin=data)
            assert store.read_blob(sha) == data
        # Names that sort differently as trees than as blobs, in every mode.
        sub = store.make_tree([TreeEntry("100644", "blob", blobs[1], "inner")])
        entries = [
            TreeEntry("100644", "blob", blobs[0], "a.b"),
            TreeEntry("040000", "tree", sub, "a"),
            TreeEntry("100644", "blob", blobs[1], "a-b"),
            TreeEntry("100755", "blob", blobs[2], "a0"),
            TreeEntry("120000", "blob", blobs[2], "link"),
            TreeEntry("160000", "commit", "1" * 40, "submodule"),
            TreeEntry("040000", "tree", sub, "b"),
            TreeEntry("100644", "blob", blobs[3], "b.txt"),
            TreeEntry("100644", "blob", blobs[4], "ünï"),
            *(TreeEntry("100644", "blob", blobs[5], name) for name in ODD_NAMES),
        ]
        for variant in (entries, entries[::-1], entries[:1], []):
            rows = [(e.mode, e.type, e.sha, e.path) for e in variant]
            assert store.make_tree(variant) == mktree(bare, rows)
        assert store.make_tree([]) == EMPTY_TREE
        assert (bare / "objects" / EMPTY_TREE[:2] / EMPTY_TREE[2:]).is_file()  # as mktree
        root = store.build_tree(
            None, {"x/y/z.txt": entries[0], "x/y.txt": entries[3], "top": entries[4]}
        )
        assert bare_git(bare, "ls-tree", "-r", "--name-only", root).split() == [
            "top",
            "x/y.txt",
            "x/y/z.txt",
        ]
        who = Ident("Test", "test@example.com", 1_700_000_000)
        commit = store.commit_tree(root, [], "m\n", who, who)
        assert store.update_ref("refs/heads/main", commit, None)
        assert bare_git(bare, "fsck", "--strict", "--no-dangling") == ""
        clone = tmp_path / "clone"
        git(tmp_path, "clone", "-q", str(bare), str(clone))
        assert (clone / "x" / "y" / "z.txt").read_bytes() == BLOBS[0]
    finally:
        store.close()


def test_trees_mktree_would_refuse_are_refused(tmp_path: Path) -> None:
    store = GitStore(tmp_path / "r.git")
    store.init("main")
    blob = store.write_blob(b"x")
    for bad in (
        TreeEntry("100644", "tree", blob, "kind"),
        TreeEntry("040000", "blob", blob, "kind"),
        TreeEntry("100644", "blob", blob, "a/b"),
        TreeEntry("100644", "blob", blob, "nul\0"),
        TreeEntry("10064x", "blob", blob, "mode"),
        TreeEntry("100644", "blob", "xyz", "sha"),
    ):
        with pytest.raises(GitError):
            store.make_tree([bad])
    store.close()


def test_a_blob_already_in_a_pack_is_not_written_again(zoo: Path) -> None:
    store = GitStore(zoo)
    data = b"packed before the fake writes it\n"
    sha = bare_git(zoo, "hash-object", "-w", "--stdin", stdin=data)
    bare_git(zoo, "update-ref", "refs/tags/blob", sha)  # repack takes reachable objects
    bare_git(zoo, "repack", "-a", "-d", "-q")
    bare_git(zoo, "prune-packed")
    loose = objects.loose_path(zoo / "objects", sha)
    assert not loose.exists()
    assert store.write_blob(data) == sha
    assert not loose.exists()
    store.close()


# -- the reader process ---------------------------------------------------------------------


def test_reader_sees_what_other_git_processes_write(zoo: Path, tmp_path: Path) -> None:
    store = GitStore(zoo)
    main = store.ref_sha("refs/heads/main")
    assert main is not None and store.resolve("main") == main  # the reader is running now
    # A new object and a ref moved by the git CLI.
    blob = bare_git(zoo, "hash-object", "-w", "--stdin", stdin=b"written elsewhere\n")
    assert store.object_type(blob) == "blob"
    assert store.read_blob(blob) == b"written elsewhere\n"
    parent = bare_git(zoo, "rev-parse", "main~1")
    bare_git(zoo, "update-ref", "refs/heads/main", parent)
    assert store.resolve("main") == store.ref_sha("refs/heads/main") == parent
    # A push from a clone: new commit objects, a new branch.
    work = tmp_path / "pusher"
    git(tmp_path, "clone", "-q", str(zoo), str(work))
    (work / "pushed.txt").write_text("pushed\n")
    pushed = commit_all(work, "pushed")
    git(work, "push", "-q", "origin", "HEAD:refs/heads/pushed")
    assert store.resolve("pushed") == store.ref_sha("refs/heads/pushed") == pushed
    assert store.entry(pushed, "pushed.txt") is not None
    # Refs packed, objects repacked (their loose files deleted), a ref deleted.
    bare_git(zoo, "pack-refs", "--all", "--prune")
    bare_git(zoo, "repack", "-a", "-d", "-q")
    bare_git(zoo, "prune-packed")
    assert store.ref_sha("refs/heads/pushed") == pushed
    assert store.read_commit(pushed).message == "pushed\n"
    assert store.read_blob(blob) == b"written elsewhere\n"
    bare_git(zoo, "update-ref", "-d", "refs/heads/pushed")
    assert store.ref_sha("refs/heads/pushed") is None
    assert store.resolve("pushed") is None
    store.close()


def test_reader_is_lazy_restartable_and_closes(zoo: Path, tmp_path: Path) -> None:
    store = GitStore(zoo)
    store.close()  # before it ever started
    assert store._cat._proc is None
    main = store.resolve("main")
    proc = store._cat._proc
    assert proc is not None and main is not None
    proc.kill()
    proc.wait()
    assert store.resolve("main") == main  # a dead reader is replaced
    # The bench swaps the repository directory under a constructed fake.
    other = tmp_path / "other.git"
    subprocess.run(["git", "init", "-q", "--bare", str(other)], check=True)
    shutil.rmtree(zoo)
    shutil.copytree(other, zoo)
    assert store.resolve("main") is None
    running = store._cat._proc
    store.close()
    store.close()
    assert running is not None and running.poll() is not None


def test_plain_requests_spawn_no_git(
    zoo: Path, stores: tuple[GitStore, GitStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparisons above would pass vacuously if the fast paths always fell back."""
    fast, _ = stores
    main = bare_git(zoo, "rev-parse", "main")
    tree = bare_git(zoo, "rev-parse", "main^{tree}")
    blob = bare_git(zoo, "rev-parse", "main:dir/file")

    def no_git(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"spawned git {args}")

    monkeypatch.setattr(GitStore, "run", no_git)
    assert fast.resolve_ref_name("main") == fast.resolve(main) == main
    assert fast.resolve("main", "tree") == tree
    assert fast.object_type(blob) == "blob"
    assert fast.ref_sha("refs/heads/main") == fast.ref_sha("refs/heads/loose") == main
    assert fast.ref_sha("refs/heads/nope") is None
    assert fast.listed_sha("refs/tags/light") is not None
    assert fast.valid_ref_name("refs/heads/promote/model/prod")
    entry = fast.entry(main, "dir/sub/deep.yaml")
    assert entry is not None and fast.read_blob(entry.sha) == b"deep: true\n"
    assert fast.entry(main, "dir/missing") is None
    assert [e.path for e in fast.ls_tree(tree)][:2] == ["a-gabcd", "bin.dat"]
    assert fast.read_commit(main).message == "second\n"
    new_blob = fast.write_blob(b"fresh\n")
    fast.make_tree([TreeEntry("100644", "blob", new_blob, "fresh")])


def test_objects_the_fake_writes_over_http_pass_fsck(tmp_path: Path) -> None:
    work = tmp_path / "seed"
    (work / "overlays" / "prod").mkdir(parents=True)
    (work / "overlays" / "prod" / "kustomization.yaml").write_text("newTag: v1\n")
    (work / "README.md").write_text("# gitops\n")
    git(work, "init", "-q", "-b", "main")
    commit_all(work, "seed")
    with FakeGitHub(tmp_path / "github") as fake:
        fake.seed(work)
        api = f"{fake.repo_api}/git"
        session = requests.Session()
        session.headers["Authorization"] = "token test-token"
        base = fake.branch_sha("main")
        binary = session.post(f"{api}/blobs", json={"content": "AP8BAg==", "encoding": "base64"})
        prod = "overlays/prod/kustomization.yaml"
        elements = [
            {"path": prod, "mode": "100644", "type": "blob", "content": "newTag: v2\n"},
            {"path": "a.b/c", "mode": "100755", "type": "blob", "content": "#!/bin/sh\n"},
            {"path": "a/b", "mode": "120000", "type": "blob", "content": "../README.md"},
            {"path": "bin/ü x", "mode": "100644", "type": "blob", "sha": binary.json()["sha"]},
            {"path": "README.md", "mode": "100644", "type": "blob", "sha": None},
        ]
        tree = session.post(f"{api}/trees", json={"tree": elements, "base_tree": base})
        assert tree.status_code == 201, tree.text
        message = {"message": "bump", "tree": tree.json()["sha"], "parents": [base]}
        commit = session.post(f"{api}/commits", json=message).json()["sha"]
        ref = session.post(f"{api}/refs", json={"ref": "refs/heads/bump", "sha": commit})
        assert ref.status_code == 201, ref.text
        assert bare_git(fake.bare_path, "fsck", "--strict", "--no-dangling") == ""
        assert fake.file_at("bump", prod) == "newTag: v2\n"
        clone = tmp_path / "clone"
        git(tmp_path, "clone", "-q", "-b", "bump", str(fake.bare_path), str(clone))
        assert (clone / "bin" / "ü x").read_bytes() == b"\0\xff\x01\x02"
        assert os.readlink(clone / "a" / "b") == "../README.md"
        assert not (clone / "README.md").exists()


def test_pull_refresh_by_lookup_matches_refresh_by_listing(tmp_path: Path) -> None:
    work = tmp_path / "seed"
    work.mkdir()
    (work / "README.md").write_text("# gitops\n")
    git(work, "init", "-q", "-b", "main")
    commit_all(work, "seed")
    with FakeGitHub(tmp_path / "github") as fake:
        fake.seed(work)
        for index in range(4):
            (work / "README.md").write_text(f"change {index}\n")
            commit_all(work, f"change {index}")
            git(work, "push", "-q", str(fake.bare_path), f"HEAD:refs/heads/topic/{index}")
            fake.open_pr(f"topic/{index}", "main", f"PR {index}")
        # Behind the API's back: one head moves, one is deleted, the base moves.
        bare_git(fake.bare_path, "update-ref", "refs/heads/topic/1", fake.branch_sha("main"))
        bare_git(fake.bare_path, "update-ref", "-d", "refs/heads/topic/2")
        bare_git(fake.bare_path, "update-ref", "refs/heads/main", fake.branch_sha("topic/3"))
        heads = fake.branch_heads()
        for pr in fake.pulls.values():
            by_lookup, by_listing = dict(pr), dict(pr)
            assert refresh(fake, by_lookup) == refresh(fake, by_listing, heads)
        deleted = fake.pulls[3]  # topic/2: its PR keeps the head sha it last saw
        assert refresh(fake, dict(deleted))["head_sha"] == deleted["head_sha"] is not None
