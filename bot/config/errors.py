"""Turn pydantic validation errors into one-line messages: file, line, key path, fix."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

Loc = tuple[int | str, ...]


def describe_errors(
    err: ValidationError, data: object, source: str, root: type[BaseModel]
) -> list[str]:
    details = [(d, _data_loc(d["loc"], root)) for d in err.errors(include_url=False)]
    typos = _typo_targets(details, root)
    problems = []
    for detail, loc in details:
        if detail["type"] == "missing" and loc in typos:
            continue  # the "did you mean" line for the misspelt key says it all
        problems.append(locate(data, source, loc, _message(detail, loc, root)))
    return problems


def _typo_targets(details: list[tuple[ErrorDetails, Loc]], root: type[BaseModel]) -> set[Loc]:
    """Locs of required keys that an unknown sibling key is a likely misspelling of."""
    found = set()
    for detail, loc in details:
        if detail["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), _fields_at(root, loc[:-1]), 1, 0.6)
            if close:
                found.add((*loc[:-1], close[0]))
    return found


def locate(data: object, source: str, loc: Loc, message: str) -> str:
    """``file:line: key.path: message`` for a problem at ``loc`` of the YAML document."""
    line = _line_of(data, loc)
    where = f"{source}:{line}" if line else source
    return f"{where}: {format_loc(loc)}: {message}"


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _message(detail: ErrorDetails, loc: Loc, root: type[BaseModel]) -> str:
    kind = detail["type"]
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]), _fields_at(root, loc[:-1]))
    if kind == "missing":
        return f"required key is missing; add `{loc[-1]}:`"
    if kind == "union_tag_invalid":
        ctx = detail.get("ctx", {})
        tags = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
        return _unknown_value(
            str(ctx.get("discriminator", "kind")).strip("'"), ctx.get("tag"), tags
        )
    if kind == "union_tag_not_found":
        ctx = detail.get("ctx", {})
        return f"missing `{str(ctx.get('discriminator', 'kind')).strip(chr(39))}:`; add it"
    if kind == "literal_error":
        return f"{detail['msg'].lower()}, got {_short(detail['input'])}"
    if kind in ("value_error", "assertion_error"):
        return str(detail["msg"]).removeprefix("Value error, ")
    return f"{detail['msg'].lower()}, got {_short(detail['input'])}"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_value(what: str, value: object, allowed: list[str]) -> str:
    close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(allowed)}"
    return f"unknown {what} {_short(value)}; {hint}"


def _unknown_key(key: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r}; did you mean {close[0]!r}?"
    return f"unknown key {key!r}; allowed keys: {', '.join(allowed)}" if allowed else "unknown key"


def _data_loc(loc: tuple[int | str, ...], root: type[BaseModel]) -> Loc:
    """Drop pydantic's discriminator tags from a loc so it matches the YAML structure."""
    out: list[int | str] = []
    tp: Any = root
    for part in loc:
        tp, is_tag = _step(tp, part)
        if not is_tag:
            out.append(part)
    return tuple(out)


def _fields_at(root: type[BaseModel], loc: Loc) -> list[str]:
    tp: Any = root
    for part in loc:
        tp, _ = _step(tp, part)
        while _union_members(tp):
            # The YAML loc has no tag; pick the first member: enough for a hint.
            tp = _union_members(tp)[0]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or name for name, f in tp.model_fields.items()]
    return []


def _step(tp: Any, part: int | str) -> tuple[Any, bool]:
    """Descend one loc element into a type; say whether the element was a union tag."""
    tp = _unwrap(tp)
    members = _union_members(tp)
    if members:
        for member in members:
            if _tag_of(member) == part:
                return member, True
        tp = members[0]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(str(part))
        return (field.annotation if field else None), False
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if origin is dict and args:
        return args[1], False
    if origin is list and args:
        return args[0], False
    return None, False


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _union_members(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [m for m in typing.get_args(tp) if m is not type(None)]
    return []


def _tag_of(member: Any) -> str | None:
    if isinstance(member, type) and issubclass(member, BaseModel):
        for name in ("kind", "type"):
            field = member.model_fields.get(name)
            if field is not None and typing.get_origin(field.annotation) is typing.Literal:
                return str(typing.get_args(field.annotation)[0])
    return None


def _line_of(data: object, loc: Loc) -> int | None:
    """1-based line of the deepest node of ``loc`` that exists in the ruamel document."""
    line: int | None = None
    node: Any = data
    for part in loc:
        lc = getattr(node, "lc", None)
        try:
            if lc is not None:
                pos = lc.key(part) if isinstance(part, str) else lc.item(part)
                line = pos[0] + 1
            node = node[part]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return line if line is not None else (1 if loc else None)
