"""The corpus (see ``corpus_cases``): golden files, a kustomize build before and after,
and properties over every edit of every case."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml as pyyaml  # YAML 1.1, as kubectl and Helm read it; resolves merge keys
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import overlays
from tests.overlays.corpus_cases import Case, Edit, apply, load, names, read, read_text, write
from tests.overlays.test_golden import changed_lines

KUBECTL = shutil.which("kubectl")
# kustomize appends a hash of a generated ConfigMap's content to its name: 10 characters
# of an alphabet without vowels (0, 1, 3, a, e are spelled g, h, k, t, m).
_HASHED = re.compile(r"(?P<base>.+)-[2456789bcdfghkmt]{10}")
# Helm's YAML parser accepts a tab before a comment, PyYAML does not: the oracle reads
# such tabs as spaces (the editors themselves never change them).
_SEPARATOR_TAB = re.compile(r"\t(?=[ \t]*(?:#|$))", re.MULTILINE)


def test_the_corpus_covers_the_shapes_seen_in_real_repositories() -> None:
    cases = [load(name) for name in names()]
    assert len(cases) >= 30
    texts = [
        path.read_bytes() for case in cases for path in case.input.rglob("*") if path.is_file()
    ]
    kinds = {edit.target["kind"] for case in cases for edit in case.edits}
    assert kinds == {
        "kustomize-image",
        "configmap",
        "configmap-generator",
        "yaml",
        "json-patch",
        "container-image",
        "env-file",
    }
    assert any(b"\r\n" in text for text in texts), "CRLF"
    assert any(text.startswith(b"\xef\xbb\xbf") for text in texts), "BOM"
    assert any(not text.endswith(b"\n") for text in texts), "no final newline"
    assert any(b"\n---\n" in text for text in texts), "multi-document"
    assert any(b"<<: *" in text for text in texts), "merge keys"
    assert any(re.search(rb"&[\w-]+ ", text) for text in texts), "anchors"
    assert any(b"digest: sha256:" in text for text in texts), "digest-pinned images"
    assert any(b"\t#" in text for text in texts), "tabs before comments"
    assert any(b"kind: Rollout" in text for text in texts), "Argo Rollouts"
    assert any(b"kind: InferenceService" in text for text in texts), "KServe"
    assert any(b"patchesJson6902:" in text for text in texts), "legacy JSON 6902 field"
    assert any(b"MODEL_REVISION" in text for text in texts), "model revision next to version"
    assert any(text.count(b"\n") > 150 for text in texts), "large Helm values"
    assert any(re.search(rb"\{\w+: ", text) for text in texts), "flow style"


@pytest.mark.parametrize("name", names())
def test_golden(name: str) -> None:
    case = load(name)
    final: dict[str, str] = {}
    for edit, before, after in apply(case):
        assert changed_lines(before, after) == (edit.removed, edit.added), edit.target
        assert read(after, edit.target) == edit.value
        assert write(after, edit.target, edit.value) is after  # writing again is a no-op
        final[edit.file] = after
    for file, text in final.items():
        assert text.encode("utf-8") == case.expected(file).encode("utf-8"), file
    # Every edit's value is still in place once all edits are made.
    for edit in case.edits:
        assert read(final[edit.file], edit.target) == edit.value


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (with kustomize) is not installed")
@pytest.mark.parametrize("name", [n for n in names() if load(n).render is not None])
def test_kustomize_build_changes_only_the_intended_fields(name: str, tmp_path: Path) -> None:
    case = load(name)
    before = _build(case, tmp_path / "before", {})
    edited = {edit.file: after for edit, _, after in apply(case)}
    after = _build(case, tmp_path / "after", edited)
    before, after = _unhash_generated_names(before), _unhash_generated_names(after)

    old, new = _leaves(before), _leaves(after)
    changed = sorted(
        [where, path, old.get((where, path)), new.get((where, path))]
        for where, path in old.keys() | new.keys()
        if old.get((where, path)) != new.get((where, path))
    )
    assert changed == sorted(case.rendered)


@pytest.mark.parametrize("name", [n for n in names() if load(n).render is None])
def test_helm_values_change_only_the_intended_fields(name: str) -> None:
    case = load(name)
    (file,) = case.edited_files()
    edited = {edit.file: after for edit, _, after in apply(case)}
    old = _flatten(pyyaml.safe_load(_SEPARATOR_TAB.sub(" ", case.text(file).lstrip("\ufeff"))))
    new = _flatten(pyyaml.safe_load(_SEPARATOR_TAB.sub(" ", edited[file].lstrip("\ufeff"))))
    changed = sorted(
        [path, old.get(path), new.get(path)]
        for path in old.keys() | new.keys()
        if old.get(path) != new.get(path)
    )
    assert changed == sorted(case.values)


def _build(case: Case, folder: Path, edited: dict[str, str]) -> str:
    shutil.copytree(case.input, folder)
    for file, text in edited.items():
        (folder / file).write_bytes(text.encode("utf-8"))
    if isinstance(case.render, list):  # plain manifests: build them as resources
        listed = "".join(f"- {resource}\n" for resource in case.render)
        (folder / "kustomization.yaml").write_text(f"resources:\n{listed}")
        target = folder
    else:
        target = folder / str(case.render)
    assert KUBECTL is not None
    done = subprocess.run(
        [KUBECTL, "kustomize", str(target)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _unhash_generated_names(rendered: str) -> str:
    """``rendered`` with each generated ConfigMap's hashed name replaced by its base name.

    A changed ConfigMap gets a new hash, and every reference to it follows: both are the
    intended consequence of the edit, not changes of their own.
    """
    for name in _configmap_names(rendered):
        match = _HASHED.fullmatch(name)
        if match:
            rendered = rendered.replace(name, match.group("base"))
    return rendered


def _configmap_names(rendered: str) -> list[str]:
    docs = [doc for doc in pyyaml.safe_load_all(rendered) if doc]
    return [doc["metadata"]["name"] for doc in docs if doc.get("kind") == "ConfigMap"]


def _leaves(rendered: str) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for doc in pyyaml.safe_load_all(rendered):
        if doc:
            where = f"{doc['kind']}/{doc['metadata']['name']}"
            out.update({(where, path): value for path, value in _flatten(doc).items()})
    return out


def _flatten(data: Any, path: tuple[str | int, ...] = ()) -> dict[str, Any]:
    if isinstance(data, dict) and data:
        return {
            k: v
            for key, value in data.items()
            for k, v in _flatten(value, (*path, str(key))).items()
        }
    if isinstance(data, list) and data:
        return {k: v for i, item in enumerate(data) for k, v in _flatten(item, (*path, i)).items()}
    return {overlays.format_path(path): data}


# Properties: whatever value is written, only the lines the golden edit touches change.

EDITS = [(name, index) for name in names() for index in range(len(load(name).edits))]
_TAGS = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_DIGESTS = st.from_regex(r"sha256:[a-f0-9]{64}", fullmatch=True)
# Runtimes refuse names over 255 characters: so does the editor.
_NAMES = st.from_regex(
    r"[a-z0-9]+(\.[a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*){1,3}", fullmatch=True
).filter(lambda name: len(name) <= 255)
_ONE_LINE = st.text(st.characters(blacklist_characters="\n\r\x85\u2028\u2029"), max_size=30)


def _values_for(edit: Edit) -> st.SearchStrategy[str]:
    kind, field = edit.target["kind"], edit.target.get("field", "newTag")
    if kind == "kustomize-image":
        if field == "newTag@digest":
            return st.builds(lambda t, d: f"{t}@{d}", _TAGS, _DIGESTS)
        return {"newTag": _TAGS, "digest": _DIGESTS, "newName": _NAMES}[field]
    if kind == "container-image":
        return _TAGS
    if kind == "env-file":
        return _ONE_LINE
    if kind == "configmap-generator":  # kustomize strips quotes around literal values
        return st.text(max_size=30).filter(
            lambda v: not v or (v[0] not in "'\"" and v[-1] not in "'\"")
        )
    return st.text(max_size=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), which=st.sampled_from(EDITS))
def test_any_value_changes_only_the_golden_lines(
    data: st.DataObject, which: tuple[str, int]
) -> None:
    name, index = which
    case = load(name)
    edit, before, _ = apply(case)[index]
    value = data.draw(_values_for(edit))
    after = write(before, edit.target, value)
    assert read(after, edit.target) == value
    removed, added = _lf_changed_lines(before, after)
    assert set(removed) <= set(edit.removed) and set(added) <= set(edit.added)
    # The other targets of the same file keep their values.
    for other in case.edits:
        if other is not edit and other.file == edit.file:
            assert read(after, other.target) == read(before, other.target)


def _lf_changed_lines(old: str, new: str) -> tuple[list[int], list[int]]:
    """1-based lines removed and added, counting lines as git and kustomize do (LF only):
    a written value may hold \\x1e or \\x0c, which str.splitlines takes for line breaks."""
    removed: list[int] = []
    added: list[int] = []
    matcher = difflib.SequenceMatcher(None, old.split("\n"), new.split("\n"), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += range(i1 + 1, i2 + 1)
            added += range(j1 + 1, j2 + 1)
    return removed, added


def test_read_text_keeps_bytes() -> None:
    path = next(
        p for name in names() for p in load(name).input.rglob("*.yaml") if b"\r\n" in p.read_bytes()
    )
    assert read_text(path).encode("utf-8") == path.read_bytes()
