"""How often the cyclic garbage collector runs in a command-line process.

A command loads objects that live as long as the process (modules, classes, the config) and
makes almost no garbage in cycles. At Python's default young-generation threshold (700 net
allocations) the collector walks that growing heap some 150 times in one promotion, about a
tenth of its CPU, to free about a thousand objects (docs/benchmarks.md). A higher threshold
keeps collecting in the long-running commands (relay, watch), every 100,000 allocations.

At exit the interpreter collects again, over the whole heap, while it tears the modules down;
freezing the heap first (``gc.freeze``, from an ``atexit`` handler, so a process that runs
several commands keeps collecting between them) spares that walk. Objects are still freed by
reference counting; only garbage in cycles is left to the operating system, as at any exit.
"""

from __future__ import annotations

import atexit
import gc

YOUNG_THRESHOLD = 100_000
_freeze_at_exit: list[bool] = []  # registered already (a process may run several commands)


def for_a_command() -> None:
    """Raise the young-generation threshold (the older generations keep theirs), and freeze
    the heap when the process exits."""
    young, middle, old = gc.get_threshold()
    if young:  # 0: whoever runs us turned the collector off; leave it so
        gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
    if not _freeze_at_exit:
        atexit.register(gc.freeze)
        _freeze_at_exit.append(True)
