"""Benchmark: CLI start-up, API cost and wall time of polls and promotions, on the test rig.

    make bench                      # or: .venv/bin/python bench/run.py [--out docs/benchmarks.md]

Starts a real MLflow tracking server, the GitHub fake and a smart-HTTP Git server on
127.0.0.1 (as the tests do), builds synthetic GitOps repositories, runs the bot in-process
and counts the requests the fake received. Writes markdown tables between the markers in
docs/benchmarks.md. Takes about three minutes on two cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.polling import steady_state  # noqa: E402
from bench.promotions import side_by_side  # noqa: E402
from bench.report import Results, render  # noqa: E402
from bench.request_counts import request_counts  # noqa: E402
from bench.startup import cli_start  # noqa: E402
from tests.rig.mlflow_rig import start_mlflow_server  # noqa: E402

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
SCALE = ("<!-- bench:scale:begin -->", "<!-- bench:scale:end -->")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def default_workdir() -> Path | None:
    """tmpfs when there is one: a clone writes 10,000 files, and on a shared disk its time
    would measure the disk and its other writers more than Git. It also favours the
    clone-and-push workflow, the conservative side for the bot's budget against it."""
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else None


def header(workdir: Path) -> str:
    from importlib.metadata import version

    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.split()[-1]
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    where = "tmpfs" if workdir.is_relative_to("/dev/shm") else "disk"
    return (
        f"Last run: {stamp}, {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} "
        f"at the start), git {git}, MLflow {version('mlflow')}, work directory on {where}. "
        "Wall times are medians unless a row says otherwise.\n"
    )


def measure(workdir: Path, args: argparse.Namespace) -> Results:
    log("CLI start-up")
    startup = cli_start(args.runs)
    server = start_mlflow_server(workdir / "mlflow")
    try:
        log("steady state: seeding 100 models, then polls of 1, 20 and 100 models")
        polling = steady_state(workdir / "polling", server.uri, args.poll_runs)
        log("request counts: 1 and 5 target files on 10 and 10,000 files")
        counts = request_counts(workdir / "counts", server.uri, args.poll_runs)
        log(f"bot against clone-and-push: {args.rounds} rounds")
        promotions = side_by_side(workdir / "promotions", server.uri, args.rounds)
    finally:
        server.stop()
    return Results(startup, counts, polling, promotions)


def write_doc(path: Path, text: str, markers: tuple[str, str] = (BEGIN, END)) -> None:
    begin, end = markers
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if begin not in old:
        old += f"\n{begin}\n{end}\n"
    head, _, rest = old.partition(begin)
    _, _, tail = rest.partition(end)
    path.write_text(f"{head}{begin}\n{text}{end}{tail}", encoding="utf-8")


def scale_section(workdir: Path, args: argparse.Namespace) -> tuple[str, str]:
    """Issue 14: whole processes, shipped defaults, paired rounds with and without the shim."""
    from bench.scale import measure as measure_scale
    from bench.scale_report import printed
    from bench.scale_report import render as render_scale

    text = header(workdir)
    log("issue 14: CLI start-up")
    startup = cli_start(args.runs)
    server = start_mlflow_server(workdir / "mlflow-scale")
    try:
        log(f"issue 14: {args.scale_rounds} paired rounds, then the poll rows")
        scale = measure_scale(workdir / "scale", server.uri, args.scale_rounds)
    finally:
        server.stop()
    return render_scale(scale, startup, text), printed(scale, startup)


def main() -> int:
    parser = argparse.ArgumentParser(description="model-promotion-bot benchmark")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--runs", type=int, default=10, help="repetitions for start-up timing")
    parser.add_argument("--poll-runs", type=int, default=5, help="timed runs per poll row")
    parser.add_argument("--rounds", type=int, default=9, help="bot vs clone-and-push rounds")
    parser.add_argument("--scale-rounds", type=int, default=5, help="issue 14 paired rounds")
    parser.add_argument(
        "--only", choices=["all", "scale", "older"], default="all", help="which sections to run"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=default_workdir(),
        help="parent of the scratch directory (default: /dev/shm if present)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="promote-bench-", dir=args.workdir) as tmp:
        if args.only in ("all", "scale"):
            section, verdicts = scale_section(Path(tmp), args)
            print(section)
            write_doc(args.out, section, SCALE)
            print(verdicts)
        if args.only in ("all", "older"):
            text = header(Path(tmp))
            results = measure(Path(tmp), args)
            text = render(results, args.rounds, text)
            print(text)
            write_doc(args.out, text)
    log(f"wrote {args.out} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
