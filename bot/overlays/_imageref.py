"""Container image references, ``[host[:port]/]path[:tag][@digest]``, split into parts.

Parsing is lenient and exact: any string splits into parts that join back into that very
string, so an image the bot does not edit is never reformatted. Only values being written
are checked, against the grammar container runtimes accept.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import OverlayError
from bot.overlays._locators import ImagePart
from bot.untrusted import (
    DIGEST,
    DIGEST_RULE,
    IMAGE_NAME,
    IMAGE_NAME_MAX,
    IMAGE_NAME_RULE,
    IMAGE_TAG,
    IMAGE_TAG_RULE,
)

# The same rules as the registries apply to what they read (one place: ``bot.untrusted``).
TAG, NAME = IMAGE_TAG, IMAGE_NAME
_RULES = {
    "tag": (IMAGE_TAG, IMAGE_TAG_RULE),
    "digest": (DIGEST, DIGEST_RULE),
    "name": (IMAGE_NAME, IMAGE_NAME_RULE),
}


def check(value: str, part: str) -> str:
    """``value`` itself when it is a valid image ``part`` (tag, digest or name), else an
    OverlayError saying what a runtime accepts: one rule for every editor that writes one.
    """
    pattern, rule = _RULES[part]
    if not pattern.fullmatch(value) or (part == "name" and len(value) > IMAGE_NAME_MAX):
        raise OverlayError(f"cannot write {value!r} as an image {part}: {rule}")
    return value


@dataclass(frozen=True)
class ImageRef:
    repository: str  # registry host (with its port) and path: all before the tag or digest
    tag: str | None
    digest: str | None  # without the "@"

    @classmethod
    def parse(cls, image: str) -> ImageRef:
        # A repository cannot contain "@", so the first one starts the digest; a ":" is a
        # tag separator only after the last "/", otherwise it belongs to a host:port.
        name, at, digest = image.partition("@")
        slash, colon = name.rfind("/"), name.rfind(":")
        if colon > slash:
            return cls(name[:colon], name[colon + 1 :], digest if at else None)
        return cls(name, None, digest if at else None)

    def __str__(self) -> str:
        tag = "" if self.tag is None else ":" + self.tag
        digest = "" if self.digest is None else "@" + self.digest
        return self.repository + tag + digest


def part_of(image: str | None, part: ImagePart) -> str | None:
    """The ``part`` of ``image``; None when the image is null or lacks that part."""
    if image is None or part == "image":
        return image
    ref = ImageRef.parse(image)
    return ref.tag if part == "tag" else ref.digest


def with_part(image: str | None, part: ImagePart, value: str, what: str) -> str:
    """``image`` with ``part`` set to ``value`` (``what`` names the image in messages).

    A new tag drops the digest, which pins the old image and would override the tag.
    """
    if part == "image":
        return value
    check(value, part)
    if not image:
        raise OverlayError(f"{what} is empty; set the whole image first (part: image)")
    ref = ImageRef.parse(image)
    if part == "tag":
        return str(ImageRef(ref.repository, value, None))
    return str(ImageRef(ref.repository, ref.tag, value))
