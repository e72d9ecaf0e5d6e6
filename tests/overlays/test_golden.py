"""Golden cases: apply ``edit.json`` to ``input.yaml`` and compare with ``expected.yaml``."""

from __future__ import annotations

import difflib
import re

import pytest

from bot import overlays
from tests.overlays.golden_cases import load, names

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def changed_lines(old: str, new: str) -> tuple[list[int], list[int]]:
    """1-based line numbers removed from ``old`` and added in ``new`` (line endings count)."""
    removed: list[int] = []
    added: list[int] = []
    diff = difflib.unified_diff(old.splitlines(True), new.splitlines(True), n=0)
    for line in diff:
        match = _HUNK.match(line)
        if match:
            old_start, old_len, new_start, new_len = match.groups()
            # A length of 0 ("-3,0") is a pure insertion or deletion: an empty range.
            removed += range(int(old_start), int(old_start) + int(old_len or 1))
            added += range(int(new_start), int(new_start) + int(new_len or 1))
    return removed, added


def test_there_are_enough_cases() -> None:
    assert len(names()) >= 20


@pytest.mark.parametrize("name", names())
def test_golden(name: str) -> None:
    case = load(name)
    out = overlays.write(case.input, case.locator, case.value)

    assert out.encode("utf-8") == case.expected.encode("utf-8")
    assert changed_lines(case.input, out) == (case.removed, case.added)
    assert overlays.read(out, case.locator) == case.value
    # Writing the same value again changes nothing and returns the very same text.
    assert overlays.write(out, case.locator, case.value) is out
