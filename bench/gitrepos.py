"""Synthetic GitOps repositories, written straight into bare repositories with git fast-import.

Ten thousand ``git commit`` calls would take minutes; one fast-import stream of the same
history takes about a second. Each repository is built once as a template and copied into a
fresh FakeGitHub for every timed run, so every run starts from the same refs and packs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.rig.fake_github import FakeGitHub

BRANCH = "main"
COMMITTER = "GitOps Bench <bench@example.com>"
EPOCH = 1_700_000_000  # fixed dates keep the commit shas identical from run to run


@dataclass(frozen=True)
class RepoSpec:
    """``files`` arrive with the first commit; filler files make up ``total_files``.

    Every later commit touches one filler file: new ones first, then existing ones again
    when there are more commits than filler files.
    """

    files: Mapping[str, str]
    total_files: int
    commits: int
    # 0: a one-line filler (the older rows); otherwise fillers are overlays of about this
    # many bytes, as a real GitOps repository's are.
    filler_bytes: int = 0

    @property
    def fillers(self) -> int:
        return max(self.total_files - len(self.files), 0)

    @property
    def added_later(self) -> int:
        return min(self.fillers, self.commits - 1)


def git_env() -> dict[str, str]:
    """Git without the developer's config, so every run writes the same objects."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0")
    return env


def _filler_path(index: int) -> str:
    # 500 files per directory, like a real monorepo's spread rather than one huge tree.
    return f"filler/d{index // 500}/f{index}.yaml"


def _blob(path: str, text: str) -> bytes:
    data = text.encode()
    return b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data)


def _commit(number: int, message: str, blobs: list[bytes]) -> bytes:
    msg = message.encode()
    head = b"commit refs/heads/%s\ncommitter %s %d +0000\ndata %d\n%s\n" % (
        BRANCH.encode(),
        COMMITTER.encode(),
        EPOCH + number * 60,
        len(msg),
        msg,
    )
    return head + b"".join(blobs) + b"\n"


_OVERLAY = """\
# Overlay {i}: generated for the benchmark, shaped like a real one.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: team-{team}
resources:
  - ../../base
labels:
  - pairs: {{app.kubernetes.io/name: service-{i}, app.kubernetes.io/part-of: platform}}
images:
  - name: service-{i}
    newName: registry.example.com/platform/service-{i}
    newTag: v{major}.{minor}.{revision}
replicas:
  - name: service-{i}
    count: {replicas}
"""


def _filler(spec: RepoSpec, index: int, revision: int) -> str:
    if not spec.filler_bytes:
        return f"n: {index}\n" + (f"revision: {revision}\n" if revision else "")
    text = _OVERLAY.format(
        i=index,
        team=index % 37,
        major=index % 5,
        minor=index % 11,
        revision=revision,
        replicas=1 + index % 4,
    )
    pad = max(0, spec.filler_bytes - len(text))
    lines = [
        f"# note {index}-{n}: rollout window and owner kept with the overlay"
        for n in range(pad // 64 + 1)
    ]
    return text + "\n".join(lines)[:pad] + "\n"


def fast_import_stream(spec: RepoSpec) -> bytes:
    first_fillers = spec.fillers - spec.added_later
    blobs = [_blob(path, text) for path, text in spec.files.items()]
    blobs += [_blob(_filler_path(i), _filler(spec, i, 0)) for i in range(first_fillers)]
    chunks = [_commit(0, "GitOps repository", blobs)]
    for number in range(1, spec.commits):
        index = (first_fillers + number - 1) % spec.fillers
        blob = _blob(_filler_path(index), _filler(spec, index, number))
        chunks.append(_commit(number, f"Change filler {index}", [blob]))
    return b"".join(chunks)


def build_bare(dest: Path, spec: RepoSpec) -> Path:
    """A packed bare repository holding ``spec``'s history on ``main``."""
    if spec.commits > 1 and spec.fillers == 0:
        raise ValueError("later commits need filler files to touch")
    env = git_env()

    def git(*args: str, stdin: bytes | None = None) -> None:
        subprocess.run(
            ["git", f"--git-dir={dest}", *args],
            input=stdin,
            env=env,
            check=True,
            capture_output=True,
        )

    subprocess.run(
        ["git", "init", "-q", "--bare", f"--initial-branch={BRANCH}", str(dest)],
        env=env,
        check=True,
        capture_output=True,
    )
    git("fast-import", "--quiet", stdin=fast_import_stream(spec))
    # One pack with deltas and a bitmap, as a hosted repository is kept; fast-import's own
    # pack would make every clone slower than it is against GitHub.
    git("repack", "-a", "-d", "-b", "-q")
    # And a commit-graph with changed-path Bloom filters, which hosts keep so that history
    # by path (`GET /commits?path=`, `git log -- path`) does not open every commit.
    git("commit-graph", "write", "--reachable", "--changed-paths")
    git("config", "gc.auto", "0")
    # The smart-HTTP bridge serves this repository for the clone-and-push workflow.
    git("config", "http.receivepack", "true")
    # Partial clone (--filter=blob:none) is served, as GitHub serves it.
    git("config", "uploadpack.allowFilter", "true")
    return dest


def install(template: Path, fake: FakeGitHub) -> None:
    """Replace the fake's empty bare repository with a copy of ``template`` (before start)."""
    shutil.rmtree(fake.bare_path)
    shutil.copytree(template, fake.bare_path)
