"""Pure, byte-preserving editors for GitOps overlay files: text in, text out, no I/O.

A :data:`Locator` names one scalar in a file (a kustomize image field, a ConfigMap data key,
a configMapGenerator literal, a key path, an inline JSON 6902 patch value, a container's
image in a workload manifest). :func:`read` returns its value (for a container image, its
tag, digest or whole reference); :func:`write` returns the text with only that scalar's
characters replaced, so comments, order, indentation, quotes, line endings and BOMs stay
as written.

Values are untrusted strings: they are quoted as needed so they load back as exactly the
same string and can never add keys or lines. A container image tag or digest must also be
one a container runtime accepts. Every write is checked by reading it back.

Block scalars (``|``, ``>``) can be read but not written: write raises OverlayError
asking for a quoted string, because rewriting them would change several lines.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.errors import OverlayError, TargetNotFound
from bot.overlays import configmap, envfile, generator, images, jsonpatch, workloads, yamlpath
from bot.overlays._locators import (
    WORKLOAD_KINDS,
    ConfigMapData,
    ContainerImage,
    EnvFileKey,
    GeneratorLiteral,
    ImageField,
    JsonPatchValue,
    KustomizeImage,
    Locator,
    YamlPath,
)
from bot.overlays._paths import format_path, parse_path
from bot.overlays._splice import Spot

__all__ = [
    "EDITORS",
    "WORKLOAD_KINDS",
    "ConfigMapData",
    "ContainerImage",
    "Editor",
    "EnvFileKey",
    "GeneratorLiteral",
    "ImageField",
    "JsonPatchValue",
    "KustomizeImage",
    "Locator",
    "OverlayError",
    "TargetNotFound",
    "YamlPath",
    "describe",
    "format_path",
    "parse_path",
    "read",
    "shared_paths",
    "write",
]


class Editor(Protocol):
    """One file kind's editor; each is a plain module with these two functions."""

    def describe(self, loc: Any) -> str:
        """A short human description of where ``loc`` points."""
        ...

    def locate(self, text: str, loc: Any) -> Spot:
        """The scalar ``loc`` names in ``text``, as a ``Spot`` that can replace it."""
        ...


# The editors, keyed by the locator they understand: a new kind is a module and a line here.
EDITORS: dict[type, Editor] = {
    KustomizeImage: images,
    ConfigMapData: configmap,
    GeneratorLiteral: generator,
    YamlPath: yamlpath,
    JsonPatchValue: jsonpatch,
    ContainerImage: workloads,
    EnvFileKey: envfile,
}


def _editor(loc: Locator) -> Editor:
    try:
        return EDITORS[type(loc)]
    except KeyError:
        raise TypeError(f"not a locator: {loc!r}") from None


def describe(loc: Locator) -> str:
    """A short human description, e.g. ``images[name=inference].newTag``, ``model.version``
    or ``Rollout/inference.containers[name=vllm].image (tag)``."""
    return _editor(loc).describe(loc)


def read(text: str, loc: Locator) -> str | None:
    """The target's current value, as written in the file (``1.10`` reads as ``"1.10"``).

    None when the value is null or, for a KustomizeImage, when the entry lacks the field;
    for a ContainerImage, when the image has no tag (or no digest) to read.
    Raises TargetNotFound when the entry or key is missing, OverlayError when the file
    cannot be parsed or has the wrong shape.
    """
    return _locate(text, loc).current


def write(text: str, loc: Locator, value: str) -> str:
    """``text`` with only the target scalar set to ``value``; ``text`` itself when unchanged."""
    if not isinstance(value, str):
        raise TypeError(f"value must be a str, got {type(value).__name__}")
    spot = _locate(text, loc)
    if spot.current == value:
        return text
    new_text = spot.apply(value)
    _check(new_text, loc, value)
    return new_text


def _check(new_text: str, loc: Locator, value: str) -> None:
    # Belt and braces: whatever the quoting logic decided, the file must still parse and
    # the target must now hold exactly the value written.
    try:
        got = read(new_text, loc)
    except (TargetNotFound, OverlayError) as err:
        raise OverlayError(f"writing {value!r} would break the file: {err}") from None
    if got != value:
        raise OverlayError(f"writing {value!r} did not round-trip (read back {got!r})")


def _locate(text: str, loc: Locator) -> Spot:
    return _editor(loc).locate(text, loc)


def shared_paths(text: str, loc: Locator) -> tuple[str, ...]:
    """Every key path that writing ``loc`` changes when its scalar is shared (and the
    locator's ``aliases`` is ``update``); empty when the scalar is its own. The plan lists
    each one, so a reviewer sees every value an anchor carries along."""
    return _locate(text, loc).shared
