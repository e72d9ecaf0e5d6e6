"""The collector's pace in a command's process (``bot.gc_pace``): set by ``promote`` itself, and
left alone when whoever runs it turned the collector off; the heap frozen once, at exit. Each
check is a fresh interpreter, since the threshold and the exit are the process's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.gc_pace import YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]


def threshold_after(before: str) -> tuple[int, int, int]:
    script = (
        "import gc, sys\n"
        f"{before}\n"
        "from bot.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(*gc.get_threshold(), file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    young, middle, old = (int(n) for n in done.stderr.split()[-3:])
    return young, middle, old


def test_the_heap_is_frozen_at_exit_once_however_many_commands_ran() -> None:
    script = (
        "import atexit, gc, sys\n"
        # Registered first, so it runs last: after bot.gc_pace's handler.
        "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
        "from bot.cli import main\n"
        "before = atexit._ncallbacks()\n"
        "for _ in range(3):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('added', atexit._ncallbacks() - before, 'frozen now', gc.get_freeze_count(), "
        "file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    added, at_exit = done.stderr.strip().splitlines()[-2:]
    assert added == "added 1 frozen now 0"  # while commands run, everything is collectable
    assert int(at_exit.removeprefix("frozen ")) > 10_000, at_exit


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ("pass", (YOUNG_THRESHOLD, 10, 10)),  # Python's default is (700, 10, 10)
        ("gc.set_threshold(500_000, 5, 20)", (500_000, 5, 20)),  # a higher one stays
        ("gc.set_threshold(0)", (0, 10, 10)),  # off stays off
    ],
)
def test_promote_collects_less_often_unless_told_otherwise(
    before: str, expected: tuple[int, int, int]
) -> None:
    assert threshold_after(before) == expected
