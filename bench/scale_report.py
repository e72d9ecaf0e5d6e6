"""Issue 14's section of docs/benchmarks.md: the paired whole-process table, the poll rows and
one verdict per budget, each printed as pass or fail."""

from __future__ import annotations

import statistics

from bench.scale import METHODS, NETWORKS, TOKENS, PollRow, Scale
from bench.startup import Startup

FREE_WRITES = 6  # GitHubSettings.free_writes: writes of a run that never wait


def _ratio(scale: Scale, net: str, other: str) -> float:
    return scale.runs[(other, net)].wall_s / scale.runs[("bot", net)].wall_s


def _poll(scale: Scale, targets: int, net: str) -> PollRow:
    return next(r for r in scale.polls if r.targets == targets and r.network == net)


def verdicts(scale: Scale, start: Startup) -> list[tuple[str, str, bool]]:
    """(budget, measured, pass) for each of the issue's budgets."""
    p500 = _poll(scale, 500, "loopback")
    bot = scale.runs[("bot", "loopback")]
    assert bot.github is not None
    shim, loop = NETWORKS[1], NETWORKS[0]
    seeds_shim, sparse_shim = (
        _ratio(scale, shim, "seeds' flow"),
        _ratio(scale, shim, "sparse clone"),
    )
    seeds_loop = _ratio(scale, loop, "seeds' flow")
    rss = max(bot.rss_mb)
    big = [r for r in scale.polls if r.targets > 500]
    nodes = max(r.points for r in scale.polls)
    return [
        (
            "1. nothing-new poll of 500 targets: ≤ 3 GitHub requests, 0 writes",
            f"{p500.github.reads} requests ({p500.github.describe()}), {p500.github.writes} writes",
            p500.github.reads <= 3 and p500.github.writes == 0,
        ),
        (
            "2. one promotion: ≤ 3 GitHub reads, ≤ 6 writes",
            f"{bot.github.reads} reads, {bot.github.writes} writes",
            bot.github.reads <= 3 and bot.github.writes <= 6,
        ),
        (
            "3. at 100 ms a round trip: bot ≥ 5× faster than the seeds' flow, faster than the "
            "sparse clone",
            f"{seeds_shim:.1f}× the seeds' flow; {sparse_shim:.2f}× the sparse clone",
            seeds_shim >= 5 and sparse_shim > 1,
        ),
        (
            "3. on loopback: bot ≥ 10× faster than the seeds' flow",
            f"{seeds_loop:.1f}×",
            seeds_loop >= 10,
        ),
        (
            "4. shipped pacing: no delay between reads; a promotion's writes within the free "
            f"{FREE_WRITES}",
            f"{bot.github.writes} writes, so none waits (Retry-After and secondary limits: "
            "tests/scale/test_pacing.py)",
            bot.github.writes <= FREE_WRITES,
        ),
        (
            "5. `promote --help` ≤ python + 0.1 s",
            f"+{start.overhead_s:.3f} s",
            start.overhead_s <= 0.1,
        ),
        ("5. peak RSS of one promotion ≤ 150 MB", f"{rss:.0f} MB", rss <= 150),
        (
            f"6. scale row: {big[0].label}" if big else "6. scale row",
            "; ".join(f"{r.network}: {r.github.reads} requests, {r.wall_s:.2f} s" for r in big),
            bool(big),
        ),
        (
            "7. GraphQL executed against GitHub's schema; points as GitHub documents them",
            f"at most {nodes} points a poll, none refused",
            all(r.github.route("POST /graphql") for r in scale.polls),
        ),
    ]


def render(scale: Scale, start: Startup, header: str) -> str:
    out = [header, "", "### Budgets (issue 14)", "", "| budget | measured | verdict |"]
    out.append("| --- | --- | --- |")
    for budget, figure, ok in verdicts(scale, start):
        out.append(f"| {budget} | {figure} | {'pass' if ok else 'FAIL'} |")
    out += ["", f"### One promotion, whole processes, {scale.rounds} paired rounds", ""]
    out.append(
        "| method | network | median wall (s) | runs (s) | GitHub reads / writes | "
        "Git bytes sent | peak RSS (MB) | CPU (s) |"
    )
    out.append("| --- | --- | ---: | --- | --- | ---: | ---: | ---: |")
    for net in NETWORKS:
        for method in METHODS:
            run = scale.runs[(method, net)]
            gh = run.github
            counts = f"{gh.reads} / {gh.writes}" if gh else ""
            rss = f"{max(run.rss_mb):.0f}" if run.rss_mb else ""
            cpu = f"{statistics.median(run.cpu_s):.2f}" if run.cpu_s else ""
            walls = ", ".join(f"{w:.2f}" for w in run.walls)
            out.append(
                f"| {method} | {net} | {run.wall_s:.2f} | {walls} | {counts} | "
                f"{run.git_bytes:,} | {rss} | {cpu} |"
            )
    out += _floor(scale, start)
    out += ["", "### Nothing-new polls, whole processes, shipped defaults", ""]
    out.append(
        "| poll | network | wall (s) | GitHub requests | GraphQL points | "
        + " | ".join(f"polls/hour, {t}" for t in TOKENS)
        + " |"
    )
    out.append("| --- | --- | ---: | --- | ---: | " + " | ".join("---:" for _ in TOKENS) + " |")
    for r in scale.polls:
        per_hour = " | ".join(f"{r.polls_per_hour(*limits):,}" for limits in TOKENS.values())
        out.append(
            f"| {r.label} | {r.network} | {r.wall_s:.2f} | {r.github.reads} "
            f"({r.github.describe()}) | {r.points} | {per_hour} |"
        )
    return "\n".join(out) + "\n"


# Budget 3's speed-ups, per network.
SPEED_UPS = {NETWORKS[0]: 10.0, NETWORKS[1]: 5.0}


def _floor(scale: Scale, start: Startup) -> list[str]:
    """What budget 3 asks against what no CPU at all could reach: the interpreter's start plus
    the time the bot waited (servers, network, pacing), from the same runs."""
    out = ["", "### Budget 3's target against the bot's floor", ""]
    out.append(
        "| network | target: seeds' flow ÷ speed-up (s) | bot wall (s) | bot CPU (s) | "
        "waiting = wall − CPU (s) | floor = `python -c pass` + waiting (s) | "
        "API round trips charged |"
    )
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for net in NETWORKS:
        bot, seeds = scale.runs[("bot", net)], scale.runs[("seeds' flow", net)]
        if not bot.cpu_s:
            continue
        target = seeds.wall_s / SPEED_UPS[net]
        trips = ", ".join(str(t) for t in bot.trips) if bot.trips else "—"
        out.append(
            f"| {net} | {target:.2f} ({seeds.wall_s:.2f} ÷ {SPEED_UPS[net]:.0f}) | "
            f"{bot.wall_s:.2f} | {statistics.median(bot.cpu_s):.2f} | {bot.waiting_s:.2f} | "
            f"{start.python_s + bot.waiting_s:.2f} | {trips} |"
        )
    return out


def printed(scale: Scale, start: Startup) -> str:
    return "\n".join(
        f"{'PASS' if ok else 'FAIL'}  {budget}: {figure}"
        for budget, figure, ok in verdicts(scale, start)
    )
