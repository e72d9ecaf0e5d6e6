"""The machine-read format the bot leaves in Git and on pull requests, and its parser.

Two carriers: commit trailers (``Model: …`` lines at the end of a message) and hidden HTML
comments in PR bodies and comments (``<!-- model-promotion-bot {json} -->``). What people
read is rendered elsewhere (``bot.text``); this module is the only one that writes or parses
these, so a platform never edits the format by hand.

Values are untrusted: the JSON cannot close its HTML comment early, and parsing never raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.model import PromotionId

MARKER = "model-promotion-bot"
_MARKER_RE = re.compile(r"<!-- " + MARKER + r" (\{[^<>]*\}) -->")
_TRAILERS = (
    "Model",
    "Model-Version",
    "Image-Tag",
    "Environment",
    "Rollback-Of",
    "Group",
    "Group-Versions",
)
# Records, in a PR body, the labels whose presence says the bot finished opening the PR.
_LABELS_NOTE = MARKER + ":labels"
_LABELS_RE = re.compile(r"<!-- " + re.escape(_LABELS_NOTE) + r" (\[[^<>]*\]) -->")
# Records, in a PR body, the commit the bot pushed and who the platform says made it.
_PUSHED_NOTE = MARKER + ":pushed"
_PUSHED_RE = re.compile(r"<!-- " + re.escape(_PUSHED_NOTE) + r" (\{[^<>]*\}) -->")


def announced(promo: PromotionId) -> str:
    """Marks the one comment that tells a reviewed PR about a newer version."""
    return f"<!-- {MARKER}:announced {_json([promo.model, promo.environment, promo.version])} -->"


# Recorded in a closed promotion PR's body once a comment there has said that its version is
# skipped: the closed-PR listing carries bodies, so later runs know without another request.
REJECTION_TOLD = f"<!-- {MARKER}:rejection-told -->"

# Marks the one comment that says a branch has commits the bot did not make.
FOREIGN_COMMITS = f"<!-- {MARKER}:foreign-commits -->"


def _json(value: object) -> str:
    # ensure_ascii plus escaping < and > keeps the JSON from ending the HTML comment.
    return json.dumps(value, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e")


# -- commit trailers ------------------------------------------------------------------------


def trailer_lines(promo: PromotionId, rollback_of: str | None = None) -> list[str]:
    lines = [f"Model: {promo.model}", f"Model-Version: {promo.version}"]
    if promo.image_tag:
        lines.append(f"Image-Tag: {promo.image_tag}")
    lines.append(f"Environment: {promo.environment}")
    if rollback_of:
        # Scheduled runs read this trailer and hold the rolled-back version (see policy).
        lines.append(f"Rollback-Of: {rollback_of}")
    return lines


def group_trailer_lines(promo: PromotionId) -> list[str]:
    """The last block of a group's commit, after one block per member: its ``promo`` names
    the group (``model``) and every member's version (``version``)."""
    return [
        f"Group: {promo.model}",
        f"Group-Versions: {promo.version}",
        f"Environment: {promo.environment}",
    ]


def trailers(message: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in message.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key in _TRAILERS:
            found[key] = value.strip()
    return found


def rollback_of(message: str, model: str, environment: str) -> str | None:
    """The version a rollback commit for this model/environment moved away from, if any."""
    found = trailers(message)
    if found.get("Model") == model and found.get("Environment") == environment:
        return found.get("Rollback-Of")
    return None


def parse_trailers(message: str) -> PromotionId | None:
    found = trailers(message)
    if {"Group", "Group-Versions", "Environment"} <= found.keys():
        # A group's commit is the group's promotion, whatever its member blocks say.
        return PromotionId(found["Group"], found["Environment"], found["Group-Versions"], None)
    if not {"Model", "Model-Version", "Environment"} <= found.keys():
        return None
    return PromotionId(
        found["Model"], found["Environment"], found["Model-Version"], found.get("Image-Tag")
    )


# -- the PR body marker ---------------------------------------------------------------------


def marker(promo: PromotionId, pinned: bool = False) -> str:
    """The PR's promotion; ``pinned`` when a person chose the version (it is then not
    replaced by a newer one until the PR is merged or closed)."""
    data: dict[str, object] = {
        "model": promo.model,
        "environment": promo.environment,
        "version": promo.version,
        "image_tag": promo.image_tag,
    }
    if pinned:
        data["pinned"] = True
    return f"<!-- {MARKER} {_json(data)} -->"


def pinned(body: str | None) -> bool:
    match = _MARKER_RE.search(body or "")
    if not match:
        return False
    try:
        return json.loads(match.group(1)).get("pinned") is True
    except (ValueError, AttributeError):
        return False


def without_marker(body: str, promo: PromotionId) -> str:
    """``body`` without its promotion marker: a PR opened so is not finished yet."""
    return body.replace(marker(promo), "").replace(marker(promo, pinned=True), "")


def parse_marker(body: str | None) -> PromotionId | None:
    match = _MARKER_RE.search(body or "")
    if not match:
        return None
    try:
        data = json.loads(match.group(1))
        return PromotionId(
            str(data["model"]),
            str(data["environment"]),
            str(data["version"]),
            None if data.get("image_tag") is None else str(data["image_tag"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def with_labels_note(body: str, labels: Sequence[str]) -> str:
    """``body`` recording the labels whose presence says the PR is finished."""
    return f"{body.rstrip()}\n<!-- {_LABELS_NOTE} {_json(list(labels))} -->\n"


def noted_labels(body: str | None) -> list[str] | None:
    """The labels a body records (``with_labels_note``); None when it records none."""
    found = _LABELS_RE.search(body or "")
    if found is None:
        return None
    try:
        wanted = json.loads(found.group(1))
    except ValueError:
        return None
    return [str(name) for name in wanted] if isinstance(wanted, list) else None


# -- the commit the bot pushed ------------------------------------------------------------


@dataclass(frozen=True)
class Wrote:
    """A commit the bot pushed: its sha, and its author and committer (name, email) as the
    platform recorded them. A branch head that is neither this commit nor one with the same
    author and committer was made or rewritten by someone else."""

    sha: str
    author: tuple[str, str]
    committer: tuple[str, str]


def with_pushed_note(body: str, wrote: Wrote) -> str:
    """``body`` recording ``wrote`` (replacing any earlier record)."""
    data = {"sha": wrote.sha, "author": list(wrote.author), "committer": list(wrote.committer)}
    kept = _PUSHED_RE.sub("", body).rstrip()
    return f"{kept}\n<!-- {_PUSHED_NOTE} {_json(data)} -->\n"


def pushed_note(body: str | None) -> Wrote | None:
    """The commit a body records (``with_pushed_note``); None when it records none or the
    record is not well formed (a body is untrusted: anyone with write access can edit it)."""
    found = _PUSHED_RE.search(body or "")
    if found is None:
        return None
    try:
        data = json.loads(found.group(1))
        sha, author, committer = data["sha"], data["author"], data["committer"]
    except (ValueError, KeyError, TypeError):
        return None
    pairs = (author, committer)
    if not isinstance(sha, str) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in pairs
    ):
        return None
    return Wrote(sha, (author[0], author[1]), (committer[0], committer[1]))
