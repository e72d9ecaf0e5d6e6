"""Benchmark: CLI start-up, API cost and wall time of promotions, on the test rig.

    make bench                      # or: .venv/bin/python bench/run.py [--out docs/benchmarks.md]

Starts a real MLflow tracking server and the GitHub fake on 127.0.0.1 (as the tests do),
builds synthetic GitOps repositories, runs the bot in-process and counts the requests the
fake received. Writes a markdown table between the markers in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.rig.fake_github import FakeGitHub  # noqa: E402
from tests.rig.github_rig import TOKEN, github_env  # noqa: E402
from tests.rig.mlflow_rig import seed_model, start_mlflow_server  # noqa: E402
from tests.rig.repos import commit_all, git  # noqa: E402

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
VALIDATED = {"validation_status": "passed"}


@dataclass
class Row:
    scenario: str
    wall_s: float
    reads: int
    writes: int
    note: str = ""


def median_time(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def cli_start(runs: int) -> list[Row]:
    python = sys.executable
    promote = str(Path(python).parent / "promote")
    base = median_time(lambda: subprocess.run([python, "-c", "pass"], check=True), runs)
    help_ = median_time(
        lambda: subprocess.run([promote, "--help"], check=True, capture_output=True), runs
    )
    return [
        Row("`python -c pass`", base, 0, 0),
        Row("`promote --help`", help_, 0, 0, f"+{help_ - base:.3f} s over bare Python"),
    ]


def config_text(models: int, files_per_env: int) -> str:
    lines = [
        "registries:",
        "  mlflow: {type: mlflow}",
        "pull_request: {labels: [model-promotion], reviewers: [alice]}",
        "models:",
    ]
    for m in range(models):
        lines += [
            f"  model-{m}:",
            f"    registered_model: {{name}}-{m}",
            "    metrics: [accuracy]",
            "    environments:",
            "      prod:",
            "        targets:",
        ]
        for f in range(files_per_env):
            path = f"apps/model-{m}/overlays/prod-{f}/kustomization.yaml"
            lines.append(f"          - {{kind: kustomize-image, file: {path}, image: inference}}")
    return "\n".join(lines) + "\n"


KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: inference
    newName: registry.example.com/ml/inference
    newTag: {tag}  # the image tag
"""


def build_repo(
    root: Path, name: str, models: int, files_per_env: int, filler: int, tag: str
) -> Path:
    repo = root / "repo"
    (repo / ".github").mkdir(parents=True)
    (repo / ".github" / "promotion.yml").write_text(
        config_text(models, files_per_env).replace("{name}", name)
    )
    for m in range(models):
        for f in range(files_per_env):
            path = repo / f"apps/model-{m}/overlays/prod-{f}/kustomization.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(KUSTOMIZATION.format(tag=tag))
    for i in range(filler):
        path = repo / "filler" / f"d{i // 500}" / f"f{i}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"n: {i}\n")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "initial")
    return repo


def run_bot(repo: Path, env: dict[str, str], *args: str) -> None:
    from bot.cli import main

    old = dict(os.environ)
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            main(["run", "--repo-dir", str(repo), *args])
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise RuntimeError(f"promote run exited {exc.code}") from None
    finally:
        os.environ.clear()
        os.environ.update(old)


def scenario(
    workdir: Path,
    mlflow_uri: str,
    label: str,
    models: int,
    files_per_env: int,
    filler: int,
    versions_ahead: bool,
) -> Row:
    """One `promote run`; ``versions_ahead`` decides whether there is anything to promote."""
    name = f"bench-{abs(hash((label, time.time()))) % 10**8}"
    for m in range(models):
        seed_model(
            mlflow_uri,
            f"{name}-{m}",
            [
                {"metrics": {"accuracy": 0.9}, "tags": {**VALIDATED, "image_tag": "v1.0.0"}},
                {"metrics": {"accuracy": 0.91}, "tags": {**VALIDATED, "image_tag": "v1.1.0"}},
            ],
        )
    tag = "v1.0.0" if versions_ahead else "v1.1.0"
    root = workdir / label.replace(" ", "-").replace(",", "")
    repo = build_repo(root, name, models, files_per_env, filler, tag)
    fake = FakeGitHub(root / "github", owner="acme", repo="gitops", token=TOKEN)
    fake.start()
    try:
        fake.seed(repo)
        env = {**github_env(fake), "MLFLOW_TRACKING_URI": mlflow_uri}
        start = time.perf_counter()
        run_bot(repo, env)
        wall = time.perf_counter() - start
        writes = len(fake.writes())
        reads = len(fake.requests) - writes
        by_route = _by_route(fake)
    finally:
        fake.stop()
    return Row(label, wall, reads, writes, by_route)


def _by_route(fake: FakeGitHub) -> str:
    counts: dict[str, int] = {}
    for req in fake.requests:
        method, _, path = req.route.partition(" ")
        short = path.replace("/repos/{owner}/{repo}", "") or "/repo"
        key = f"{method} {short}"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k} ×{v}" for k, v in counts.items())


def markdown(rows: list[Row]) -> str:
    lines = [
        "| scenario | wall time (s) | GitHub reads | GitHub writes | note |",
        "|---|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r.scenario} | {r.wall_s:.3f} | {r.reads} | {r.writes} | {r.note} |" for r in rows
    ]
    return "\n".join(lines) + "\n"


def write_doc(path: Path, table: str) -> None:
    text = (
        path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    )
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    path.write_text(
        f"{head}{BEGIN}\nLast run: {stamp}, {os.cpu_count()} cores.\n\n{table}{END}{tail}",
        encoding="utf-8",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="model-promotion-bot benchmark")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--runs", type=int, default=10, help="repetitions for start-up timing")
    args = parser.parse_args()
    rows = cli_start(args.runs)
    with tempfile.TemporaryDirectory(prefix="promote-bench-") as tmp:
        workdir = Path(tmp)
        server = start_mlflow_server(workdir / "mlflow")
        try:
            uri = server.uri
            rows.append(scenario(workdir, uri, "promote 1 file, repo of 10 files", 1, 1, 10, True))
            rows.append(scenario(workdir, uri, "promote 5 files, repo of 10 files", 1, 5, 10, True))
            rows.append(
                scenario(workdir, uri, "promote 1 file, repo of 10,000 files", 1, 1, 10_000, True)
            )
            rows.append(
                scenario(workdir, uri, "promote 5 files, repo of 10,000 files", 1, 5, 10_000, True)
            )
            rows.append(scenario(workdir, uri, "nothing new, 20 models", 20, 1, 10, False))
        finally:
            server.stop()
    table = markdown(rows)
    print(table)
    write_doc(args.out, table)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
