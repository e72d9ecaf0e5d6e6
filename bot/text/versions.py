"""How a version is named in text for people: ``v3`` for a registry number, the name itself
for anything else (``v2.16.0`` stays ``v2.16.0``, never ``vv2.16.0``)."""

from __future__ import annotations

import re

# A version that starts with a digit reads better with a `v`; one that already starts with a
# letter (`v2.16.0`, `champion-7`, a literal an overlay holds) is shown as it is.
_NUMBERED = re.compile(r"[0-9]")


def label(version: str | None, none: str = "—") -> str:
    """``v3``, ``v1.4.0``, ``v2.16.0`` or ``rc-7``; ``none`` when there is no version."""
    if not version:
        return none
    return f"v{version}" if _NUMBERED.match(version) else version
