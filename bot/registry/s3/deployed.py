"""The write-back record ``<model>/deployed/<environment>.json``: what it says, and whether it
already says it. Pure: the registry reads and writes the object."""

from __future__ import annotations

import json

from bot.errors import RegistryError
from bot.model import ModelVersion, VersionQuery
from bot.untrusted import COMMIT_SHA, VERSION, show

DEPLOYED = "deployed"


def key(model_prefix: str, environment: str) -> str:
    return f"{model_prefix}{DEPLOYED}/{environment}.json"


def check(query: VersionQuery, environment: str, commit_sha: str) -> None:
    if not VERSION.fullmatch(environment):
        raise RegistryError(f"[{query.model}] invalid environment name {show(environment)}")
    if not COMMIT_SHA.fullmatch(commit_sha):
        raise RegistryError(f"[{query.model}] invalid commit SHA {show(commit_sha)}")


def says(body: bytes | None, version: ModelVersion, commit_sha: str) -> bool:
    """Whether a record's body already names this version and commit."""
    if body is None:
        return False
    try:
        record = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False  # our own record, damaged: rewrite it
    return (
        isinstance(record, dict)
        and record.get("version") == version.version
        and record.get("commit") == commit_sha
    )


def body(version: ModelVersion, commit_sha: str, when: str) -> bytes:
    record = {
        "version": version.version,
        "image_tag": version.image_tag,
        "commit": commit_sha,
        "time": when,
    }
    return (json.dumps(record, indent=2) + "\n").encode()
