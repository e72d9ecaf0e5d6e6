"""CLI start-up: ``promote --help`` against a bare ``python -c pass``.

The CLI imports no registry or GitHub client until a command needs one; this keeps it so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.common import median_time


@dataclass(frozen=True)
class Startup:
    python_s: float
    help_s: float

    @property
    def overhead_s(self) -> float:
        return self.help_s - self.python_s


def cli_start(runs: int) -> Startup:
    python = sys.executable
    promote = str(Path(python).parent / "promote")
    # With bytecode caches, as pip leaves an installed package: a shell's
    # PYTHONDONTWRITEBYTECODE would have every run compile the bot's modules again.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([promote, "--help"], check=True, capture_output=True, env=env)  # writes them
    base = median_time(lambda: subprocess.run([python, "-c", "pass"], check=True), runs)
    help_ = median_time(
        lambda: subprocess.run([promote, "--help"], check=True, capture_output=True, env=env),
        runs,
    )
    return Startup(base, help_)
