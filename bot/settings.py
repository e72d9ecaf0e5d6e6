"""What the command line (or the Actions entry) chose: plain values, no I/O.

``bot.pipeline.connect`` turns them, with the environment, into a run's ``Context``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    config_path: str = ".github/promotion.yml"
    repo_dir: Path = Path(".")
    github_repo: str | None = None
    platform: str = "auto"  # auto, or a name in bot.platform.PLATFORMS
    # The command publishes (``run`` without --dry-run): in CI it must not quietly fall
    # back to the local platform, where "done" would mean a branch nobody sees.
    writes: bool = False
