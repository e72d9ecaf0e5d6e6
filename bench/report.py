"""The markdown written between the markers in docs/benchmarks.md: tables, then capacity."""

from __future__ import annotations

from dataclasses import dataclass

from bench import budgets
from bench.polling import Polling, PollRow
from bench.promotions import METHODS, SIZES, THROTTLED, Sample, Samples
from bench.request_counts import CountRow
from bench.startup import Startup

CRON_MINUTES = 15
TOKEN_LIMIT = 1_000  # GITHUB_TOKEN: requests per hour per repository
APP_LIMIT = 5_000  # GitHub App installation: requests per hour, at least
ASSUMED_RTT_S = 0.1  # one network round trip, for the estimate that includes latency


HARDENING_INTRO = """\
Issue *hardening* adds the last three rows: a poll of 100 models with nothing new within 10×
the time of one model's, a promotion on a repository of 10,000 files and 10,000 commits within
1.5× of one on 10 files and 10 commits, and the bot at least 10× faster there than the
clone-and-push workflow. The 100-model budget is judged on whole jobs (a fresh `promote run`
process, as a schedule starts one); the in-process ratio, start-up excluded, is shown beside it.
"""
POLLING_INTRO = """\
Every row shares one MLflow seeding, 100 registered models each with a run and one validated
version ({seeds} requests in {seed_s:.1f} s, four models at a time), and one GitOps repository
holding every model's overlay, which already declares that version and image tag. The config
comes from a checkout, as in the scheduled workflow. In-process rows are medians of warm runs
with both GitHub throttles off; their MLflow requests are counted in one more run through a
pass-through proxy.
"""


@dataclass(frozen=True)
class Results:
    startup: Startup
    counts: list[CountRow]
    polling: Polling
    promotions: Samples


def table(header: list[str], rows: list[list[str]], right: int = 0) -> str:
    """``right``: how many columns after the first are numbers (right-aligned)."""
    align = ["---"] + ["---:"] * right + ["---"] * (len(header) - 1 - right)
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines) + "\n"


def startup_table(s: Startup) -> str:
    return table(
        ["scenario", "wall time (s)", "note"],
        [
            ["`python -c pass`", f"{s.python_s:.3f}", ""],
            ["`promote --help`", f"{s.help_s:.3f}", f"+{s.overhead_s:.3f} s over bare Python"],
        ],
        right=1,
    )


def _count_cells(r: CountRow) -> list[str]:
    gh = r.github
    return [r.scenario, f"{r.wall_s:.3f}", str(gh.reads), str(gh.writes), gh.describe()]


def counts_table(rows: list[CountRow]) -> str:
    header = ["scenario", "wall time (s)", "GitHub reads", "GitHub writes", "requests"]
    return table(header, [_count_cells(r) for r in rows], right=3)


def _poll_label(row: PollRow) -> str:
    models = "1 model" if row.models == 1 else f"{row.models} models"
    how = {
        "warm": "",
        "throttled": ", default request interval (one run)",
        "cold": ", whole job (fresh `promote run` process)",
    }[row.how]
    return f"nothing new, {models}{how}"


def _poll_note(row: PollRow) -> str:
    pulls = f"GET /pulls ×{row.github.route('GET /pulls')}"
    if not row.mlflow:
        return pulls
    calls = ", ".join(f"{k.rsplit('/mlflow/', 1)[-1]} ×{v}" for k, v in row.mlflow.items())
    return f"{pulls}; MLflow {calls}, server {row.mlflow_s:.3f} s"


def _poll_cells(r: PollRow) -> list[str]:
    mlflow = str(sum(r.mlflow.values())) if r.mlflow else "—"
    gh = r.github
    return [_poll_label(r), f"{r.wall_s:.3f}", str(gh.reads), str(gh.writes), mlflow, _poll_note(r)]


def polling_table(p: Polling) -> str:
    header = ["scenario", "wall time (s)", "GitHub reads", "GitHub writes", "MLflow requests"]
    return table([*header, "note"], [_poll_cells(r) for r in p.rows], right=4)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def _requests(sample: Sample) -> str:
    gh = sample.github
    if sample.clone_s is None:
        return f"GitHub {gh.reads} reads ({gh.describe('GET')}), {gh.writes} writes"
    api = f"GitHub {gh.reads} reads, {gh.writes} writes"
    t = sample.traffic
    git = f"git {t.requests} HTTP requests, {_size(t.bytes_out)} down, clone {sample.clone_s:.2f} s"
    return f"{git}; {api}"


def promotion_table(samples: Samples) -> str:
    small, large = SIZES
    rows = []
    for method in (*METHODS, THROTTLED):
        a, b = samples[(small, method)], samples[(large, method)]
        ratio = f"{b.wall_s / a.wall_s:.1f}×"
        rows.append([method, f"{a.wall_s:.3f}", f"{b.wall_s:.3f}", ratio, _requests(b)])
    bot = [samples[(label, "bot")].wall_s for label in SIZES]
    full = [samples[(label, "clone-and-push")].wall_s for label in SIZES]
    speedup = [f"{c / b:.1f}×" for b, c in zip(bot, full, strict=True)]
    rows.append(["bot speed-up over clone-and-push (full clone)", *speedup, "", ""])
    header = ["method", f"{small} (s)", f"{large} (s)", "large / small"]
    return table([*header, f"requests ({large})"], rows, right=3)


@dataclass(frozen=True)
class Capacity:
    """What one scheduled job can poll, from the steady-state rows."""

    warm_per_model_s: float
    throttled_per_model_s: float
    fixed_s: float  # a whole job with one model: process start, imports, base reads
    reads_fixed: float
    reads_per_model: float
    mlflow_per_model: float
    mlflow_server_per_model_s: float

    def by_time(self, rtt_s: float = 0.0) -> int:
        per_model = self.throttled_per_model_s + rtt_s * (1 + self.mlflow_per_model)
        return int((CRON_MINUTES * 60 - self.fixed_s) / per_model)

    def by_rate(self, per_hour: int) -> int:
        polls = 60 // CRON_MINUTES
        return int((per_hour / polls - self.reads_fixed) / self.reads_per_model)


def capacity(p: Polling) -> Capacity:
    def row(models: int, how: str) -> PollRow:
        return next(r for r in p.rows if r.models == models and r.how == how)

    w1, w100 = row(1, "warm"), row(100, "warm")
    t1, t20 = row(1, "throttled"), row(20, "throttled")
    span = w100.models - w1.models
    reads_per_model = (w100.github.reads - w1.github.reads) / span
    mlflow_1, mlflow_100 = sum(w1.mlflow.values()), sum(w100.mlflow.values())
    return Capacity(
        warm_per_model_s=(w100.wall_s - w1.wall_s) / span,
        throttled_per_model_s=(t20.wall_s - t1.wall_s) / (t20.models - t1.models),
        fixed_s=row(1, "cold").wall_s,
        reads_fixed=w1.github.reads - reads_per_model,
        reads_per_model=reads_per_model,
        mlflow_per_model=(mlflow_100 - mlflow_1) / span,
        mlflow_server_per_model_s=(w100.mlflow_s - w1.mlflow_s) / span,
    )


def _per_model_text(c: Capacity) -> str:
    return (
        f"**Per model**: {c.warm_per_model_s * 1000:.0f} ms in-process ("
        f"{c.reads_per_model:.0f} GitHub read and {c.mlflow_per_model:.0f} MLflow request; GitHub "
        f"reads are serial, registry queries run up to 8 at once beside them, so the MLflow "
        f"server's {c.mlflow_server_per_model_s * 1000:.0f} ms per model overlap). With the "
        f"default 0.25 s GitHub "
        f"request interval a model costs {c.throttled_per_model_s:.2f} s. A whole job's fixed "
        f"cost (process start, imports, the base reads) is {c.fixed_s:.1f} s.\n"
    )


def _time_text(c: Capacity) -> str:
    return (
        f"- **Time**: one {CRON_MINUTES}-minute cron job polls about **{c.by_time():,} models** "
        f"before the next run is due; with {ASSUMED_RTT_S * 1000:.0f} ms per network round trip "
        f"({1 + c.mlflow_per_model:.0f} per model) about **{c.by_time(ASSUMED_RTT_S):,}**.\n"
    )


def _rate_text(c: Capacity) -> str:
    return (
        f"- **Rate limit**: a poll costs {c.reads_fixed:.0f} + {c.reads_per_model:.0f} × models "
        f"GitHub requests. At {60 // CRON_MINUTES} polls an hour, `GITHUB_TOKEN`'s "
        f"{TOKEN_LIMIT:,} requests an hour per repository cover **{c.by_rate(TOKEN_LIMIT):,} "
        f"models**, a GitHub App installation's {APP_LIMIT:,} **{c.by_rate(APP_LIMIT):,}**. "
        "Sharding (`promote-matrix.yml`) divides the time, not this budget: the limit is per "
        f"repository or installation, and every shard repeats the {c.reads_fixed:.0f} fixed "
        "reads.\n"
    )


def _conclusion(c: Capacity) -> str:
    return (
        f"So one job is enough up to about {c.by_time(ASSUMED_RTT_S):,} models for time; shard "
        "with a matrix beyond that. The request budget runs out first: past "
        f"{c.by_rate(TOKEN_LIMIT):,} models with `GITHUB_TOKEN` (or {c.by_rate(APP_LIMIT):,} "
        f"with an App token), poll less often than every {CRON_MINUTES} minutes.\n"
    )


def capacity_text(c: Capacity) -> str:
    return "\n".join([_per_model_text(c), _time_text(c) + _rate_text(c), _conclusion(c)])


CLONE_AND_PUSH = """\
Both promote the same version on a fresh copy of the same repository and must leave the same
two files on the promotion branch. *clone-and-push* is the seeds' workflow step by step: the
registry query, `git clone` over smart HTTP (`git http-backend` on 127.0.0.1), a regex edit of
the image tag and the model version, `git commit`, `git push`, then the PR, label and reviewer
calls through the REST API. The bot runs with no checkout (the config too comes through the
API). Medians of {rounds} alternating rounds; the throttled row is one run. With the work
directory on a disk, writing the 10,000-file checkout makes clone-and-push slower still.
"""


OFF_THE_RIG = """\
**Off the rig.** On loopback a round trip is free and a clone costs only its CPU work; over a
network each request adds a round trip and the pack its transfer time. An estimate, not a
measurement: the medians above plus {rtt_ms} ms per sequential round trip (the bot: its GitHub
requests, one after the other, and the registry request after them; clone-and-push: its git
HTTP requests, API calls and registry query) plus the pack at {mbit} Mbit/s:
"""
LINKS = ((0.02, 100), (0.08, 100))  # (round trip s, Mbit/s): same region; across an ocean


def _estimate(sample: Sample, rtt_s: float, mbit: int) -> float:
    round_trips = sample.github.reads + sample.github.writes + 1  # + the registry query
    round_trips += sample.traffic.requests
    return sample.wall_s + round_trips * rtt_s + sample.traffic.bytes_out * 8 / (mbit * 1e6)


def off_the_rig(samples: Samples) -> str:
    large = list(SIZES)[-1]
    bot, clone = samples[(large, "bot")], samples[(large, "clone-and-push")]
    rows = []
    for rtt_s, mbit in LINKS:
        b, c = _estimate(bot, rtt_s, mbit), _estimate(clone, rtt_s, mbit)
        rows.append(
            [f"{rtt_s * 1000:.0f} ms, {mbit} Mbit/s", f"{b:.2f}", f"{c:.2f}", f"{c / b:.1f}×"]
        )
    intro = OFF_THE_RIG.format(
        rtt_ms=" or ".join(f"{r * 1000:.0f}" for r, _ in LINKS), mbit=LINKS[0][1]
    )
    header = ["link", "bot (s)", "clone-and-push (s)", "bot speed-up"]
    return intro + "\n" + table(header, rows, right=3)


def render(results: Results, rounds: int, header: str) -> str:
    verdicts = budgets.verdicts(
        results.startup, results.counts, results.polling, results.promotions
    )
    parts = [
        header,
        "### Budgets\n",
        HARDENING_INTRO,
        table(["issue", "budget", "measured", "verdict"], [v.cells() for v in verdicts]),
        "### Start-up\n",
        startup_table(results.startup),
        "### One promotion: GitHub requests by target files and repository size\n",
        counts_table(results.counts),
        "### Steady state: a scheduled poll with nothing new\n",
        POLLING_INTRO.format(seed_s=results.polling.seed_s, seeds=results.polling.seed_requests),
        polling_table(results.polling),
        capacity_text(capacity(results.polling)),
        "### One promotion: the bot against clone-and-push\n",
        CLONE_AND_PUSH.format(rounds=rounds),
        promotion_table(results.promotions),
        off_the_rig(results.promotions),
    ]
    return "\n".join(parts)
