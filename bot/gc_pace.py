"""How often the cyclic garbage collector runs in a command-line process.

A command loads objects that live as long as the process (modules, classes, the config) and
makes almost no garbage in cycles. At Python's default young-generation threshold (700 net
allocations) the collector walks that growing heap some 150 times in one promotion, about a
tenth of its CPU, to free about a thousand objects (docs/benchmarks.md). A higher threshold
keeps collecting in the long-running commands (relay, watch), every 100,000 allocations.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 100_000


def for_a_command() -> None:
    """Raise the young-generation threshold; the older generations keep theirs."""
    young, middle, old = gc.get_threshold()
    if young:  # 0: whoever runs us turned the collector off; leave it so
        gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
