"""Patterns for values that come from a registry, a bucket or a comment: one place, used by
every registry and every editor, so a value one accepts the other cannot refuse.

They reach overlay files, branch names, commit messages and PR bodies; anything that does not
match is refused with a message that names the value through ``show``.
"""

from __future__ import annotations

import re

# MLflow numbers versions 1, 2, 3...
MLFLOW_VERSION = re.compile(r"[0-9]+")
# Any registry's version name (S3 directories, pointer contents, what a user types).
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# github.com/distribution/reference: 1-128 word characters, dots and dashes, not starting with
# a dot or dash.
IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
IMAGE_TAG_RULE = (
    "a tag is 1 to 128 letters, digits, '_', '.' or '-', and does not start with '.' or '-'"
)
# The digest algorithms container runtimes verify (go-digest); any other fails at pull time.
DIGEST = re.compile(r"sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128}")
DIGEST_RULE = "expected sha256: and 64 lowercase hex digits (or sha384:, sha512:)"
# The same reference grammar's repository name: an optional registry host (DNS name or
# [IPv6], optional port) then '/'-separated lowercase path components, 255 characters at most.
_HOST_PART = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_HOST = rf"(?:{_HOST_PART}(?:\.{_HOST_PART})*|\[[A-Fa-f0-9:]+\])(?::[0-9]+)?"
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_NAME = re.compile(rf"(?:{_HOST}/)?{_PATH_PART}(?:/{_PATH_PART})*")
IMAGE_NAME_MAX = 255
IMAGE_NAME_RULE = (
    "an image name is [host[:port]/]path, the path in lowercase letters and digits "
    "joined by '/', '.', '_' or '-', 255 characters at most"
)
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,255}")
# MLflow's own rule for tag names; anything else cannot exist and could break a filter.
TAG_KEY = re.compile(r"[A-Za-z0-9_\-./: ]{1,250}")
COMMIT_SHA = re.compile(r"[0-9a-f]{7,64}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def show(value: object, limit: int = 60) -> str:
    """A registry value fit for a one-line message: repr, truncated."""
    # ascii(): a look-alike letter (Cyrillic а in "betа") shows as \u0430, not as "a".
    text = ascii(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
