"""What MLflow's REST API returns, as the few attributes the registry reads.

The shapes are those of ``MlflowClient``'s entities (``ModelVersion``, ``Run``), so the registry
treats both clients' answers alike. Values are kept as MLflow sent them: they are untrusted and
checked by ``filters`` before they reach a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Page(list):  # type: ignore[type-arg]
    """One page of a search, with the token of the next (empty on the last), as MLflow's
    ``PagedList``."""

    def __init__(self, items: list[Any], token: str | None) -> None:
        super().__init__(items)
        self.token = token or None


@dataclass(frozen=True)
class Version:
    name: str
    version: str
    creation_timestamp: int | None = None
    description: str | None = None
    source: str | None = None
    run_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RegisteredModel:
    name: str


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    experiment_id: str


@dataclass(frozen=True)
class RunData:
    metrics: dict[str, float]


@dataclass(frozen=True)
class Run:
    info: RunInfo
    data: RunData


def _pairs(items: object) -> dict[str, Any]:
    """``[{"key": k, "value": v}, ...]`` as a dict; a later key wins, as in MLflow."""
    found: dict[str, Any] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping) and "key" in item:
            found[str(item["key"])] = item.get("value", "")
    return found


def _text(value: object) -> str | None:
    # proto3 JSON leaves out empty strings; MLflow's entities read them back as "" or None.
    return str(value) if value not in (None, "") else None


def version(data: Mapping[str, Any]) -> Version:
    stamp = data.get("creation_timestamp")
    return Version(
        name=str(data.get("name", "")),
        version=str(data.get("version", "")),
        creation_timestamp=int(stamp) if stamp not in (None, "") else None,
        description=_text(data.get("description")),
        source=_text(data.get("source")),
        run_id=_text(data.get("run_id")),
        tags={k: str(v) for k, v in _pairs(data.get("tags")).items()},
        aliases=[str(a) for a in data.get("aliases") or []],
    )


def run(data: Mapping[str, Any]) -> Run:
    info = data.get("info") or {}
    metrics = _pairs((data.get("data") or {}).get("metrics"))
    return Run(
        RunInfo(
            str(info.get("run_id") or info.get("run_uuid") or ""),
            str(info.get("experiment_id", "")),
        ),
        RunData({k: float(v) for k, v in metrics.items()}),
    )
