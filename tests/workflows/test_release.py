"""What a release publishes, and that every place naming it agrees.

- ``action.yml`` runs ``docker://<image>:<version>``, where ``<version>`` is ``bot.__version__``;
- the release workflow pushes that image with the version, major.minor and major tags, and
  refuses a tag that disagrees with the package, the action or the changelog;
- the README shows the same image name and tags, and the floating major tag the release moves;
- CHANGELOG.md has an entry for the version;
- every ``uses:`` in every workflow is pinned by a full commit SHA with its version in a comment
  (except this project's own action in the copy-ready workflows: its floating major tag);
- zizmor finds nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.workflows.test_workflows import ALL_WORKFLOWS, BOT_ACTION, _ids, _rel, _tool

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "ghcr.io/model-promotion-bot/model-promotion-bot"
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
CI = ROOT / ".github" / "workflows" / "ci.yml"
README = ROOT / "README.md"
RELEASE_DOC = ROOT / "docs" / "release.md"
CHANGELOG = ROOT / "CHANGELOG.md"
ZIZMOR_CONFIG = ROOT / ".github" / "zizmor.yml"
# owner/repo[/path]@<40 hex> # vX.Y.Z
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\s*$")

_yaml = YAML(typ="safe", pure=True)


def _load(path: Path) -> dict[str, Any]:
    data = _yaml.load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _version() -> str:
    text = (ROOT / "bot" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "(\d+\.\d+\.\d+)"$', text, re.MULTILINE)
    assert match, 'bot/__init__.py: no __version__ = "X.Y.Z"'
    return match.group(1)


VERSION = _version()
MAJOR, MINOR, _ = VERSION.split(".")


def _run_script(job: dict[str, Any], name_part: str) -> str:
    for step in job["steps"]:
        if name_part in str(step.get("name", "")):
            return str(step["run"])
    raise AssertionError(f"no step named like {name_part!r}")


# --- one version, one image ----------------------------------------------------------------------


def test_the_version_lives_in_one_place() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "bot.__version__" }' in pyproject
    assert not re.search(r'^version = "', pyproject, re.MULTILINE), "a second version string"


def test_action_runs_the_published_image_of_this_version() -> None:
    image = _load(ROOT / "action.yml")["runs"]["image"]
    assert image == f"docker://{IMAGE}:{VERSION}", (
        f"action.yml runs {image}; a release of {VERSION} publishes {IMAGE}:{VERSION}"
    )


def test_release_pushes_that_image_with_version_minor_and_major_tags() -> None:
    workflow = _load(RELEASE)
    assert workflow["env"]["IMAGE"] == IMAGE
    assert workflow["on"] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}
    image_job = workflow["jobs"]["image"]
    tags = _run_script(image_job, "tags")
    for expected in ("$IMAGE:$VERSION", "$IMAGE:$MINOR", "$IMAGE:$MAJOR"):
        assert f'echo "{expected}"' in tags, f"release.yml no longer tags {expected}"
    build = next(
        s for s in image_job["steps"] if str(s.get("uses", "")).startswith("docker/build-push")
    )
    settings = build["with"]
    assert settings["platforms"] == "linux/amd64,linux/arm64"
    assert settings["push"] is True
    assert settings["sbom"] is True
    assert settings["provenance"] == "mode=max"
    assert "steps.tags.outputs.tags" in settings["tags"]
    uses = [str(s.get("uses", "")) for s in image_job["steps"]]
    assert any(u.startswith("actions/attest-build-provenance@") for u in uses)


def test_release_checks_the_tag_against_package_action_and_changelog() -> None:
    check = _run_script(_load(RELEASE)["jobs"]["check"], "one version")
    assert "bot/__init__.py" in check and "action.yml" in check and "CHANGELOG.md" in check
    # The version → minor → major arithmetic, exercised on this repository's own version.
    script = check.split("package=")[0] + 'echo "$major $minor $version"\n'
    done = subprocess.run(
        ["bash", "-c", script],
        env={"TAG": f"v{VERSION}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.split() == [MAJOR, f"{MAJOR}.{MINOR}", VERSION], done.stderr
    bad = subprocess.run(
        ["bash", "-c", script],
        env={"TAG": "v1.2", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1 and "is not vMAJOR.MINOR.PATCH" in bad.stdout


def test_release_publishes_to_pypi_by_trusted_publishing() -> None:
    job = _load(RELEASE)["jobs"]["pypi"]
    assert job["permissions"] == {"id-token": "write"}
    assert job["environment"]["name"] == "pypi"
    (publish,) = [s for s in job["steps"] if "gh-action-pypi-publish" in str(s.get("uses", ""))]
    # No password or token input: the OIDC exchange is the credential.
    assert not {"password", "user"} & set(publish.get("with") or {})


def test_release_notes_come_from_the_changelog_and_the_major_tag_moves() -> None:
    job = _load(RELEASE)["jobs"]["release"]
    notes = _run_script(job, "Release notes")
    assert "CHANGELOG.md" in notes
    create = _run_script(job, "GitHub release")
    assert "gh release create" in create
    # The schema's stable URL: releases/download/<tag>/promotion.schema.json.
    assert "schema/promotion.schema.json" in create
    assert (ROOT / "schema" / "promotion.schema.json").is_file()
    move = _run_script(job, "major tag")
    assert "git/refs/tags/$MAJOR_TAG" in move and "force=true" in move
    env = next(s for s in job["steps"] if "major tag" in str(s.get("name")))["env"]
    assert str(env["MAJOR_TAG"]).replace(" ", "") == "v${{needs.check.outputs.major}}"


def test_release_notes_script_extracts_this_version(tmp_path: Path) -> None:
    """The awk program of the release, run on the real CHANGELOG.md."""
    notes = _run_script(_load(RELEASE)["jobs"]["release"], "Release notes")
    awk = notes.split("> notes.md")[0] + "> notes.md\n"
    done = subprocess.run(
        ["bash", "-c", f"cp {CHANGELOG} CHANGELOG.md && {awk}"],
        cwd=tmp_path,
        env={"VERSION": VERSION, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "notes.md").read_text(encoding="utf-8")
    assert text.strip(), f"CHANGELOG.md: the {VERSION} section is empty"
    assert "## [" not in text, "the notes ran into the next version's section"
    assert "[Unreleased]" not in text


def test_changelog_is_keep_a_changelog_with_this_version() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "https://keepachangelog.com/en/1.1.0/" in text
    assert "https://semver.org/spec/v2.0.0.html" in text
    assert "## [Unreleased]\n" in text
    assert re.search(rf"^## \[{re.escape(VERSION)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)
    assert re.search(rf"^\[{re.escape(VERSION)}\]: https://", text, re.M), "no link reference"


def test_readme_and_release_doc_name_the_same_image_and_tags() -> None:
    for path in (README, RELEASE_DOC):
        text = path.read_text(encoding="utf-8")
        for tag in (VERSION, f"{MAJOR}.{MINOR}", MAJOR):
            assert f"{IMAGE}:{tag}" in text, f"{_rel(path)} does not show {IMAGE}:{tag}"
        assert f"{IMAGE}@sha256:" in text, f"{_rel(path)} does not show digest pinning"
    other = re.findall(r"ghcr\.io/[\w.-]+/[\w.-]+", README.read_text(encoding="utf-8"))
    assert set(other) == {IMAGE}, f"README names another image: {set(other) - {IMAGE}}"


@pytest.mark.parametrize(
    "path",
    [README, *sorted((ROOT / "workflows").glob("*.yml")), ROOT / "docs" / "workflows.md"],
    ids=lambda p: _rel(p),
)
def test_docs_and_workflows_use_the_major_tag_the_release_moves(path: Path) -> None:
    # Not the image (ghcr.io/model-promotion-bot/model-promotion-bot@sha256:...).
    action = rf"(?<![\w./-]){re.escape(BOT_ACTION)}([\w.-]+)"
    refs = re.findall(action, path.read_text(encoding="utf-8"))
    assert refs, f"{_rel(path)} never uses the action"
    wrong = {r for r in refs if r != f"v{MAJOR}" and not re.fullmatch(r"[0-9a-f]{40}", r)}
    assert not wrong, f"{_rel(path)}: @{wrong}; the release moves v{MAJOR} (or pin a commit SHA)"


# --- pinned actions ------------------------------------------------------------------------


def _uses_lines(path: Path) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
        if match:
            found.append((number, match.group(1) + match.group(2)))
    return found


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_ids(ALL_WORKFLOWS))
def test_every_action_is_pinned_by_commit_sha_with_its_version(path: Path) -> None:
    problems = []
    for number, text in _uses_lines(path):
        ref, _, comment = text.partition(" ")
        if ref.startswith("./") or ref.startswith(BOT_ACTION):
            continue
        if not PINNED.match(ref):
            problems.append(f"{number}: {ref} is not pinned by a full commit SHA")
        elif not VERSION_COMMENT.search(comment):
            problems.append(f"{number}: {ref} has no `# vX.Y.Z` comment")
    assert not problems, f"{_rel(path)}:\n" + "\n".join(problems)


def test_one_sha_per_action_everywhere() -> None:
    """The same action at two SHAs means a half-done update."""
    seen: dict[str, set[str]] = {}
    for path in ALL_WORKFLOWS:
        for _, text in _uses_lines(path):
            ref = text.split()[0]
            if PINNED.match(ref):
                name, _, sha = ref.partition("@")
                seen.setdefault(name, set()).add(sha)
    split = {name: shas for name, shas in seen.items() if len(shas) > 1}
    assert not split, split


def test_ci_runs_the_checkout_action_and_the_image_smoke() -> None:
    jobs = _load(CI)["jobs"]
    steps = jobs["action"]["steps"]
    local = [s for s in steps if s.get("uses") == "./"]
    assert local and local[0]["with"]["dry-run"] == "true"
    rewrite = _run_script(jobs["action"], "this commit's code")
    assert "image: Dockerfile" in rewrite
    # The rewrite matches exactly one line of action.yml.
    lines = (ROOT / "action.yml").read_text(encoding="utf-8").splitlines()
    assert sum(1 for line in lines if re.match(r"^  image: docker://", line)) == 1
    smoke = " ".join(str(s.get("run", "")) for s in jobs["image"]["steps"])
    assert "scripts/docker-smoke.sh" in smoke
    assert (ROOT / ".github" / "ci" / "promotion.yml").is_file()


def test_dependabot_keeps_actions_docker_and_pip_current() -> None:
    config = _load(ROOT / ".github" / "dependabot.yml")
    ecosystems = {u["package-ecosystem"] for u in config["updates"]}
    assert {"github-actions", "docker", "pip"} <= ecosystems


# --- zizmor ----------------------------------------------------------------------------------


def _zizmor() -> str:
    exe = _tool("zizmor")
    if exe is None:
        pytest.skip("zizmor is not installed (pip install zizmor)")
    return exe


def _run_zizmor(paths: list[Path]) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [_zizmor(), "--offline", "--format", "json", "--config", str(ZIZMOR_CONFIG)]
        + [str(p) for p in paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        findings = json.loads(proc.stdout or "[]")
    except ValueError:
        pytest.fail(f"zizmor exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    assert isinstance(findings, list)
    return findings


def test_zizmor_finds_nothing() -> None:
    findings = _run_zizmor(ALL_WORKFLOWS)
    lines = [
        f"{f['ident']}: {f['desc']} ({loc['symbolic'].get('annotation', '')})"
        for f in findings
        for loc in f["locations"][:1]
    ]
    assert not findings, "\n".join(lines)


def test_zizmor_catches_a_tag_pinned_action(tmp_path: Path) -> None:
    """The linter really runs with this config: a tag-pinned third-party action is reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\n"
        "permissions: {}\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: docker/setup-buildx-action@v3\n",
        encoding="utf-8",
    )
    assert "unpinned-uses" in {f["ident"] for f in _run_zizmor([bad])}


def test_ci_dry_run_config_validates() -> None:
    """The config of CI's `uses: ./` job names files that exist, as `promote validate` sees it."""
    promote = _tool("promote")
    if promote is None:
        pytest.skip("the promote command is not installed (pip install -e .)")
    config = ".github/ci/promotion.yml"
    done = subprocess.run(
        [promote, "validate", "--platform", "local", "--config", config],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
