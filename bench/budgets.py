"""The budgets the issues set, each checked against this run's figures: ✔ or ✘ and why."""

from __future__ import annotations

from dataclasses import dataclass

from bench.polling import Polling, PollRow
from bench.promotions import SIZES, Samples
from bench.request_counts import CountRow
from bench.startup import Startup

CORE = "core promotion flow"
HARDENING = "hardening"


@dataclass(frozen=True)
class Verdict:
    issue: str
    budget: str
    figure: str
    ok: bool

    def cells(self) -> list[str]:
        return [self.issue, self.budget, self.figure, "✔" if self.ok else "✘"]


def startup(s: Startup) -> Verdict:
    return Verdict(
        CORE,
        "`promote --help` ≤ 0.3 s more than `python -c pass`",
        f"+{s.overhead_s:.3f} s",
        s.overhead_s <= 0.3,
    )


def writes(rows: list[CountRow]) -> Verdict:
    most = max(r.github.writes for r in rows)
    return Verdict(
        CORE, "one promotion: ≤ 6 writes, for 1 or 5 files", f"at most {most} writes", most <= 6
    )


def reads(rows: list[CountRow]) -> Verdict:
    by_files: dict[int, list[int]] = {}
    for r in rows:
        by_files.setdefault(r.target_files, []).append(r.github.reads)
    figure = "; ".join(
        f"{files} target file{'s' if files > 1 else ''}: {' and '.join(map(str, seen))} reads"
        for files, seen in by_files.items()
    )
    same = all(len(set(seen)) == 1 for seen in by_files.values())
    return Verdict(CORE, "reads the same for 10 and 10,000 files", figure, same)


def _poll(p: Polling, models: int, how: str) -> PollRow:
    return next(r for r in p.rows if r.models == models and r.how == how)


def nothing_new(p: Polling) -> Verdict:
    row = _poll(p, 20, "warm")
    pulls = row.github.route("GET /pulls")
    return Verdict(
        CORE,
        "20 models with nothing new: 0 writes, open PRs listed once",
        f"{row.github.writes} writes; `GET /pulls` ×{pulls}",
        row.github.writes == 0 and pulls == 1,
    )


def hundred_models(p: Polling) -> Verdict:
    """Judged on whole jobs, as a schedule runs them; the in-process ratio is shown too."""
    job = _poll(p, 100, "cold").wall_s / _poll(p, 1, "cold").wall_s
    warm = _poll(p, 100, "warm").wall_s / _poll(p, 1, "warm").wall_s
    return Verdict(
        HARDENING,
        "nothing new: 100 models ≤ 10× the time of 1 model",
        f"{job:.1f}× as whole jobs; {warm:.0f}× in-process without start-up",
        job <= 10,
    )


def history(samples: Samples) -> Verdict:
    small, large = (samples[(label, "bot")].wall_s for label in SIZES)
    return Verdict(
        HARDENING,
        "one promotion: 10,000 files / 10,000 commits ≤ 1.5× 10 files / 10 commits",
        f"{large / small:.2f}× ({large:.3f} s / {small:.3f} s)",
        large / small <= 1.5,
    )


def versus_clone(samples: Samples) -> Verdict:
    large = list(SIZES)[-1]
    bot, clone = samples[(large, "bot")].wall_s, samples[(large, "clone-and-push")].wall_s
    return Verdict(
        HARDENING,
        "bot ≥ 10× faster than clone-and-push (full clone) on 10,000 commits",
        f"{clone / bot:.1f}× ({clone:.3f} s / {bot:.3f} s)",
        clone / bot >= 10,
    )


def verdicts(
    start: Startup, counts: list[CountRow], polling: Polling, samples: Samples
) -> list[Verdict]:
    return [
        startup(start),
        writes(counts),
        reads(counts),
        nothing_new(polling),
        hundred_models(polling),
        history(samples),
        versus_clone(samples),
    ]
