"""Value templates such as ``{version}``, ``v{image_tag}`` or ``{tag:model_revision}``: check,
render and reverse.

Only named placeholders are allowed (no attribute or index access), so a template can never
reach into Python objects. Registry values are untrusted: every value but the version and the
model name is checked against a pattern before it is rendered, and a missing one is an error
naming the version and the placeholder, so a file never receives half a promotion.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from urllib.parse import urlsplit

from bot import untrusted
from bot.errors import UserError

FIELDS = ("model", "version", "image_tag", "image_digest", "run_id", "source_uri")
# `{tag:<name>}`: the version's tag <name> (string.Formatter reads it as field `tag`
# with format spec `<name>`).
TAG = "tag"
# Schemes a `{source_uri}` may have: where model servers fetch weights from. `file:` and
# `http:` would let a registry entry point a server at the node or at a plain-text mirror.
URI_SCHEMES = ("s3", "gs", "https", "models")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/[^\s\x00-\x1f\x7f\"'`<>\\{}]{1,1000}")
_FORMATTER = string.Formatter()


def _pieces(template: str) -> Iterator[tuple[str, str | None]]:
    """(literal text, placeholder key or None); a tag placeholder's key is ``tag:<name>``."""
    for literal, name, spec, _ in _FORMATTER.parse(template):
        if name is None:
            yield literal, None
        else:
            yield literal, f"{TAG}:{spec}" if name == TAG else name


def fields(template: str) -> list[str]:
    return [key for _, key in _pieces(template) if key is not None]


def check(template: str) -> None:
    """Raise ValueError (pydantic turns it into a config error) for a bad template."""
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as err:
        raise ValueError(f"bad template {template!r}: {err}; escape braces as {{{{ }}}}") from None
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        if name == TAG and spec and not conv:
            if untrusted.TAG_KEY.fullmatch(spec):
                continue
            raise ValueError(
                f"bad placeholder {{{name}:{spec}}} in {template!r}; name a version tag, "
                "e.g. {tag:model_revision}"
            )
        if name not in FIELDS or spec or conv:
            allowed = ", ".join("{" + f + "}" for f in (*FIELDS, "tag:<name>"))
            raise ValueError(f"bad placeholder {{{name}}} in {template!r}; use {allowed}")


def render(template: str, values: dict[str, str]) -> str:
    """The template with every placeholder filled; UserError when a value is missing or is
    not one that may reach a file (nothing has been written when it is raised)."""
    out = []
    for literal, key in _pieces(template):
        out.append(literal)
        if key is not None:
            out.append(checked(key, values))
    return "".join(out)


def checked(key: str, values: dict[str, str]) -> str:
    """``values[key]``, checked against the pattern of its kind."""
    value = values.get(key)
    subject = _subject(values)
    if key.startswith(f"{TAG}:"):
        name = key[len(TAG) + 1 :]
        if value is None or value == "":
            raise UserError(
                f"{subject} has no tag {untrusted.show(name)} for {{{key}}}; set the tag on "
                "the version in the registry, or remove the placeholder from the target"
            )
        if not untrusted.IMAGE_TAG.fullmatch(value):
            raise UserError(
                f"{subject}: tag {untrusted.show(name)} has the value {untrusted.show(value)}, "
                f"which cannot be written for {{{key}}}: {untrusted.IMAGE_TAG_RULE}"
            )
        return value
    if key in ("run_id", "source_uri") and not value:
        raise UserError(
            f"{subject} has no {key} for {{{key}}}; the registry does not record one for it: "
            "remove the placeholder from the target"
        )
    if value is None:
        # model, version, image_tag, image_digest: always given (empty when unknown).
        raise UserError(f"{subject}: no value for {{{key}}}")
    if key == "run_id" and not untrusted.RUN_ID.fullmatch(value):
        raise UserError(f"{subject}: run id {untrusted.show(value)} cannot be written")
    if key == "source_uri":
        check_uri(value, subject)
    return value


def check_uri(value: str, subject: str) -> None:
    parts = urlsplit(value) if _URI.fullmatch(value) else None
    scheme = parts.scheme.lower() if parts is not None else ""
    # `models:/name/3` has no host; every other scheme names a bucket or a host.
    has_place = parts is not None and (scheme == "models" or bool(parts.netloc))
    if scheme not in URI_SCHEMES or not has_place:
        raise UserError(
            f"{subject}: source URI {untrusted.show(value)} cannot be written for "
            f"{{source_uri}}: expected a URI with scheme {', '.join(URI_SCHEMES)} "
            "and no blanks or quotes"
        )


def _subject(values: dict[str, str]) -> str:
    model, version = values.get("model"), values.get("version")
    if model and version:
        return f"version {untrusted.show(version)} of {untrusted.show(model)}"
    return f"version {untrusted.show(version)}" if version else "the version"


def extract(template: str, text: str) -> dict[str, str] | None:
    """Reverse ``render``: the placeholder values ``text`` was made from, or None."""
    pattern = ""
    groups: dict[str, str] = {}  # placeholder key -> regex group name
    for literal, key in _pieces(template):
        pattern += re.escape(literal)
        if key is None:
            continue
        if key in groups:
            pattern += f"(?P={groups[key]})"
        else:
            groups[key] = f"g{len(groups)}"
            pattern += f"(?P<{groups[key]}>.+?)"
    match = re.fullmatch(pattern, text, flags=re.DOTALL)
    if match is None:
        return None
    return {key: match.group(group) for key, group in groups.items()}
