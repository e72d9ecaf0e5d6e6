"""How a version is named in text for people: ``v3`` for a registry number, the name itself
for anything else (``v2.16.0`` stays ``v2.16.0``, never ``vv2.16.0``); a group's promotion by
each member's (``generator v5, guard v3``)."""

from __future__ import annotations

import re

from bot.branches import GROUP_SUFFIX

# A version that starts with a digit reads better with a `v`; one that already starts with a
# letter (`v2.16.0`, `champion-7`, a literal an overlay holds) is shown as it is.
_NUMBERED = re.compile(r"[0-9]")


def label(version: str | None, none: str = "—") -> str:
    """``v3``, ``v1.4.0``, ``v2.16.0`` or ``rc-7``; ``none`` when there is no version."""
    if not version:
        return none
    return f"v{version}" if _NUMBERED.match(version) else version


def of_branch(version: str, branch: str) -> str:
    """The version a promotion branch proposes. A group's branch carries every member's, as
    its markers write them (``generator=5,guard=3``, ``-`` for none): each is named."""
    if f"{GROUP_SUFFIX}/" not in branch:
        return label(version)
    members = (part.partition("=") for part in version.split(","))
    return ", ".join(f"{m} {label(None if v == '-' else v)}" for m, _, v in members)
