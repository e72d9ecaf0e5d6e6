"""Metric gates: ``accuracy >= 0.85`` or ``latency_p99_ms <= deployed * 1.10``. Pure.

The grammar is deliberately tiny (metric, comparison, number or ``deployed`` with one
optional ``+ - *`` and a number) so a config value can never become code.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_GATE = re.compile(
    rf"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_.\-/]*)\s*(?P<op><=|>=|==|!=|<|>)\s*"
    rf"(?:(?P<number>{_NUMBER})|deployed(?:\s*(?P<arith>[-+*])\s*(?P<operand>{_NUMBER}))?)\s*$"
)


@dataclass(frozen=True)
class Gate:
    text: str
    metric: str
    op: str
    number: float | None  # absolute threshold; None means relative to the deployed version
    arith: str | None = None
    operand: float = 0.0

    def threshold(self, deployed: float | None) -> float | None:
        if self.number is not None:
            return self.number
        if deployed is None:
            return None
        if self.arith == "+":
            return deployed + self.operand
        if self.arith == "-":
            return deployed - self.operand
        if self.arith == "*":
            return deployed * self.operand
        return deployed


@dataclass(frozen=True)
class Verdict:
    gate: Gate
    passed: bool
    value: float | None
    threshold: float | None
    note: str = ""

    def failure(self) -> str:
        """One clause for a failure message, e.g. `accuracy >= 0.85 (accuracy 0.81)`."""
        if self.value is None or self.threshold is None:
            return f"{self.gate.text} ({self.note})"
        got = f"{self.gate.metric} {self.value:.4g}"
        return f"{self.gate.text} ({got}, threshold {self.threshold:.4g})"


def parse(text: str) -> Gate:
    match = _GATE.match(text)
    if not match:
        raise ValueError(
            f"bad gate {text!r}: write `<metric> <op> <number>` or `<metric> <op> deployed "
            "[+|-|* <number>]`, with <op> one of < <= > >= == !="
        )
    number = match["number"]
    return Gate(
        text=" ".join(text.split()),
        metric=match["metric"],
        op=match["op"],
        number=float(number) if number is not None else None,
        arith=match["arith"],
        operand=float(match["operand"]) if match["operand"] else 0.0,
    )


def check(
    gate: Gate, candidate: Mapping[str, float], deployed: Mapping[str, float] | None
) -> Verdict:
    value = candidate.get(gate.metric)
    if value is None:
        return Verdict(gate, False, None, None, f"candidate has no metric {gate.metric}")
    base = deployed.get(gate.metric) if deployed is not None else None
    threshold = gate.threshold(base)
    if threshold is None:
        # Nothing deployed to compare with (first promotion): a relative gate cannot fail.
        return Verdict(gate, True, value, None, "no deployed value to compare with")
    return Verdict(gate, _OPS[gate.op](value, threshold), value, threshold)


def check_all(
    gates: list[Gate], candidate: Mapping[str, float], deployed: Mapping[str, float] | None
) -> list[Verdict]:
    return [check(g, candidate, deployed) for g in gates]
