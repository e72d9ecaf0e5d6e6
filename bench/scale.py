"""Issue 14, measured like for like: whole processes, shipped defaults, paired rounds, with and
without a 100 ms round trip on the GitHub API and the Git server.

Three ways to make the same promotion (image tag and model version in one overlay, then a PR with
a label and a reviewer), on a repository of 10,000 overlay files of about 1 KB and 10,000
commits, each from nothing (no checkout, no warm process):

- ``bot``: ``promote run`` as a new process with the shipped pacing, no checkout (the config too
  comes through the API); its peak RSS is read from ``wait4``;
- ``seeds' flow``: the workflow the project grew from: registry query, ``git clone --depth 1``,
  edit, commit, push, then the PR, label and reviewer calls;
- ``sparse clone``: the same with ``git clone --depth 1 --filter=blob:none --sparse`` and
  ``sparse-checkout set`` of the one overlay directory; the server honours the filter.

Rounds alternate the methods, so a slow moment of the shared machine hits each alike. The
baselines query MLflow from this process, whose imports are paid already: that favours them.

The scale rows: a nothing-new poll of 500 targets (250 models x 2 environments) and of 500 models
x 3 environments, from a checkout of the config as the scheduled workflow runs, with GitHub's
requests, GraphQL points and the polls an hour each token allows.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.clone_push import _edit, _git, _open_pr, newest_validated
from bench.common import GitHubCount, github_count, new_fake, started
from bench.git_http import GitHttpServer
from bench.gitrepos import RepoSpec, build_bare, install
from bench.latency import LatencyShim
from bench.polling import OVERLAY, seed_models
from bench.promotions import CONFIG, KUSTOMIZATION, MODEL_CONFIG, PROMO, _check, seed_registry
from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake import graphql_points
from tests.rig.github_rig import TOKEN

ROOT = Path(__file__).resolve().parent.parent
RTT_S = 0.1
REPO_FILES = 10_000
FILLER_BYTES = 1024
METHODS = ("bot", "seeds' flow", "sparse clone")
NETWORKS = ("loopback", "100 ms round trip")
SCALE_MODELS, SCALE_ENVS = 500, 3
# Requests an hour: REST and GraphQL points are separate budgets (GitHub's documented figures).
TOKENS = {"GITHUB_TOKEN": (1_000, 1_000), "App installation": (5_000, 5_000)}


@dataclass
class Runs:
    walls: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)  # the bot process's user + system time
    github: GitHubCount | None = None
    git_bytes: int = 0
    trips: list[int] = field(default_factory=list)  # API round trips the shim charged the bot

    @property
    def waiting_s(self) -> float:
        """Median wall less median CPU: the time the bot spent not computing (servers,
        network, pacing); a client that used no CPU at all would still wait this long."""
        return self.wall_s - statistics.median(self.cpu_s)

    @property
    def wall_s(self) -> float:
        return statistics.median(self.walls)


@dataclass(frozen=True)
class PollRow:
    label: str
    targets: int
    network: str
    wall_s: float
    github: GitHubCount
    points: int

    def polls_per_hour(self, rest: int, points: int) -> int:
        rest_used = self.github.reads + self.github.writes - self.github.route("POST /graphql")
        by_rest = rest // max(rest_used, 1)
        by_points = points // max(self.points, 1)
        return min(by_rest, by_points)


@dataclass
class Scale:
    runs: dict[tuple[str, str], Runs]
    polls: list[PollRow]
    rounds: int


def bot_env(api_url: str, mlflow_uri: str) -> dict[str, str]:
    """A workflow step's environment, with the shipped pacing (no PROMOTE_GITHUB_* set), and
    Python's bytecode cache as an installed package has it (``PYTHONDONTWRITEBYTECODE`` in the
    caller's shell would make every run compile the bot's modules again)."""
    skip = ("PROMOTE_", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(
        GITHUB_TOKEN=TOKEN,
        GITHUB_REPOSITORY="acme/gitops",
        GITHUB_API_URL=api_url,
        MLFLOW_TRACKING_URI=mlflow_uri,
        PYTHONPATH=str(ROOT),
    )
    return env


# The bot's peak RSS must be its own: a child forked from this process (which has MLflow
# imported, for the baselines) starts with this process's pages, and Linux keeps that high-water
# mark across exec, so wait4 here would report this process's size. A small C launcher (GNU
# time) forks the bot from itself and reports the bot's own figures.
TIME = shutil.which("time") or "/usr/bin/time"


def bot_process(repo_dir: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """``promote run`` as a new process: wall time, peak RSS in MB, CPU seconds."""
    argv = [sys.executable, "-c", "from bot.cli import main; main()", "run"]
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as usage:
        start = time.perf_counter()
        code = subprocess.call(
            [TIME, "-f", "%M %U %S", "-o", usage.name, *argv, "--repo-dir", str(repo_dir)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        wall = time.perf_counter() - start
        if code != 0:
            err.seek(0)
            raise RuntimeError(f"promote run exited {code}: {err.read()[-500:]!r}")
        rss_kb, user, system = usage.read().split()[-3:]
    return wall, int(rss_kb) / 1024, float(user) + float(system)


def git_flow(
    fake: FakeGitHub, repo_api: str, url: str, checkout: Path, uri: str, sparse: bool
) -> None:
    version, tag = newest_validated(uri, PROMO.registered_model)
    if sparse:
        clone = ["clone", "-q", "--depth", "1", "--filter=blob:none", "--sparse"]
        _git(checkout.parent, *clone, url, os.fspath(checkout))
        _git(checkout, "sparse-checkout", "set", str(Path(PROMO.kustomization).parent))
    else:
        _git(checkout.parent, "clone", "-q", "--depth", "1", url, os.fspath(checkout))
    _edit(checkout, PROMO, version, tag)
    _git(checkout, "checkout", "-q", "-b", PROMO.branch)
    _git(checkout, "commit", "-q", "-a", "-m", f"Promote {PROMO.registered_model} to v{version}")
    _git(checkout, "push", "-q", "origin", PROMO.branch)
    _open_pr(fake, PROMO, version, tag, repo_api)


def _attempt(
    work: Path,
    template: Path,
    http: GitHttpServer,
    uri: str,
    method: str,
    shimmed: bool,
    n: int,
    trips: list[int] | None = None,
) -> tuple[float, tuple[float | None, float | None], GitHubCount, int]:
    """One timed run; with ``trips`` and the shim, the API round trips it charged are
    appended there (handshakes and turns; concurrent requests each pay theirs)."""
    fake = new_fake(work / "hosted" / f"{n}")
    install(template, fake)
    scratch = work / "scratch" / f"{n}"
    scratch.mkdir(parents=True)
    os.sync()
    with started(fake), _shims(fake, http, shimmed) as shims:
        api, git_url = shims.urls
        http.take_traffic()
        rss = cpu = None
        if method == "bot":
            wall, rss, cpu = bot_process(scratch, bot_env(api, uri))
        else:
            start = time.perf_counter()
            repo_api = f"{api}/repos/{fake.owner}/{fake.repo}"
            git_flow(fake, repo_api, git_url, scratch / "checkout", uri, method == "sparse clone")
            wall = time.perf_counter() - start
        traffic = http.take_traffic()
        if trips is not None and shims.shims:
            trips.append(shims.shims[0].connections + shims.shims[0].turns)
        _check(fake, method)
        count = github_count(fake)
    shutil.rmtree(scratch)
    shutil.rmtree(fake.root)
    return wall, (rss, cpu), count, traffic.bytes_out


class _shims:
    """The API and Git URLs, through a latency shim each when ``shimmed``."""

    def __init__(self, fake: FakeGitHub, http: GitHttpServer, shimmed: bool) -> None:
        self.fake, self.http, self.shimmed = fake, http, shimmed
        self.shims: list[LatencyShim] = []

        self.urls = ("", "")

    def __enter__(self) -> _shims:
        api, git_url = self.fake.base_url, self.http.url(self.fake.bare_path)
        self.urls = (api, git_url)
        if not self.shimmed:
            return self
        for url in (api, git_url):
            port = int(url.split("127.0.0.1:", 1)[1].split("/", 1)[0])
            self.shims.append(LatencyShim(port, RTT_S).__enter__())
        self.urls = (self.shims[0].url_for(api), self.shims[1].url_for(git_url))
        return self

    def __exit__(self, *exc: object) -> None:
        for shim in self.shims:
            shim.__exit__()


def paired(work: Path, uri: str, rounds: int) -> dict[tuple[str, str], Runs]:
    seed_registry(uri)
    files = {".github/promotion.yml": CONFIG, PROMO.kustomization: KUSTOMIZATION}
    files[PROMO.model_config] = MODEL_CONFIG
    spec = RepoSpec(files, REPO_FILES, REPO_FILES, FILLER_BYTES)
    template = build_bare(work / "template.git", spec)
    runs = {(m, net): Runs() for net in NETWORKS for m in METHODS}
    n = 0
    with GitHttpServer(work / "hosted") as http:
        # Untimed: the fake builds GitHub's schema and checks each document once per process
        # (seconds), which GitHub does not charge a client for.
        _attempt(work, template, http, uri, "bot", False, n)
        for number in range(rounds):
            order = METHODS if number % 2 == 0 else METHODS[::-1]
            for net in NETWORKS:
                for method in order:
                    n += 1
                    run = runs[(method, net)]
                    wall, (rss, cpu), count, sent = _attempt(
                        work, template, http, uri, method, net != "loopback", n, run.trips
                    )
                    run.walls.append(wall)
                    if rss is not None and cpu is not None:
                        run.rss_mb.append(rss)
                        run.cpu_s.append(cpu)
                    run.github, run.git_bytes = count, sent
        if http.errors:
            raise RuntimeError(f"git http-backend failed: {http.errors[0]}")
    return runs


def _overlay(m: int, e: int) -> str:
    return f"apps/model-{m}/overlays/env-{e}/kustomization.yaml"


def _config(names: list[str], envs: int) -> str:
    lines = ["registries:", "  mlflow: {type: mlflow}", "models:"]
    for m, name in enumerate(names):
        lines += [f"  model-{m}:", f"    registered_model: {name}", "    environments:"]
        for e in range(envs):
            path = _overlay(m, e)
            lines += [
                f"      env-{e}:",
                "        targets:",
                f"          - {{kind: kustomize-image, file: {path}, image: inference}}",
                f"          - {{kind: configmap-generator, file: {path}, key: MODEL_VERSION}}",
            ]
    return "\n".join(lines) + "\n"


def polls(work: Path, uri: str) -> list[PollRow]:
    names = [f"scale-{m}-{os.getpid()}" for m in range(SCALE_MODELS)]
    seed_models(uri, names)
    overlays = {
        _overlay(m, e): OVERLAY.format(tag="v1.4.0", version="1")
        for m in range(SCALE_MODELS)
        for e in range(SCALE_ENVS)
    }
    template = build_bare(work / "scale.git", RepoSpec(overlays, len(overlays), 1))
    cases = [
        ("500 targets (250 models × 2 environments)", names[:250], 2),
        (f"{SCALE_MODELS} models × {SCALE_ENVS} environments", names, SCALE_ENVS),
    ]
    rows = []
    for label, chosen, envs in cases:
        warm = True
        checkout = work / f"poll-{len(chosen)}-{envs}"
        (checkout / ".github").mkdir(parents=True)
        (checkout / ".github" / "promotion.yml").write_text(_config(chosen, envs))
        for net in (NETWORKS[0], *NETWORKS):  # the first, untimed: the fake checks documents
            fake = new_fake(work / "polls" / f"{len(chosen)}-{envs}-{net[:4]}-{warm}")
            install(template, fake)
            with started(fake):
                api = fake.base_url
                shim = LatencyShim(fake.port, RTT_S) if net != "loopback" else None
                if shim is not None:
                    shim.__enter__()
                    api = shim.url_for(api)
                try:
                    wall, _, _ = bot_process(checkout, bot_env(api, uri))
                finally:
                    if shim is not None:
                        shim.__exit__()
                count = github_count(fake)
                points = graphql_points.state(fake).summary().get("points", 0)
            if count.writes:
                raise RuntimeError(f"{label}: a nothing-new poll wrote {count.describe('POST')}")
            if not warm:
                rows.append(PollRow(label, len(chosen) * envs, net, wall, count, points))
            warm = False
            shutil.rmtree(fake.root)
    return rows


def measure(work: Path, uri: str, rounds: int) -> Scale:
    return Scale(paired(work / "paired", uri, rounds), polls(work / "polls", uri), rounds)
