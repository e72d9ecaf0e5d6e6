"""Find what a promotion would change in a GitOps repository: kustomize ``images:`` entries,
ConfigMap data and ``configMapGenerator`` literals that hold a model version, Helm values keys
that look like a model version or an inference image, and KServe InferenceServices.

Read-only and forgiving: a file that does not parse is skipped (``promote validate`` will
name it if the config points there). Which environment a file belongs to comes from its path
(``overlays/prod/``, ``envs/staging/``, ``values-prod.yaml``); files in no environment
(bases, chart defaults) are left out, since a promotion never edits them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

# Environment names, in the order a promotion path usually takes them.
ENVIRONMENTS = (
    "dev",
    "development",
    "test",
    "qa",
    "int",
    "integration",
    "staging",
    "stage",
    "stg",
    "uat",
    "preprod",
    "canary",
    "prod",
    "production",
)
_SKIP_DIRS = {".git", ".github", "node_modules", "vendor", "charts", "templates", ".venv"}
_GROUPING_DIRS = {"overlays", "envs", "environments", "env", "values", "clusters", "deploy"}
_MODEL_VERSION = re.compile(r"(?i)^(?:[a-z0-9]+[_-])*model[_-]?(?:version|ver)$")
_INFERENCE = re.compile(
    r"(?i)(infer|serv(e|er|ing)|predict|model|triton|vllm|torchserve|kserve|tgi|onnx|mlserver|"
    r"seldon|llm)"
)
_TRAILING_VERSION = re.compile(r"^(?P<head>.*[/:=_-]v?)(?P<version>\d+)$")
MAX_FILE_BYTES = 512 * 1024


@dataclass(frozen=True)
class Finding:
    app: str  # what the draft calls the model: the application the file belongs to
    environment: str
    file: str  # relative to the repository root, with / separators
    target: dict[str, Any]  # a config target, as it is written in the draft
    found: str  # for the comment above it: what was seen, and its current value
    sets: str = "version"  # version | image


@dataclass
class _Doc:
    path: str
    index: int
    count: int
    data: Any
    findings: list[Finding] = field(default_factory=list)


def scan(repo: Path) -> list[Finding]:
    found: list[Finding] = []
    for path in sorted(_yaml_files(repo)):
        rel = path.relative_to(repo).as_posix()
        env = environment_of(rel)
        if env is None:
            continue
        app = app_of(rel, env)
        for doc in _documents(path, rel):
            found += _findings(doc, app, env)
    return found


def environment_of(rel: str) -> str | None:
    parts = rel.lower().split("/")
    for part in parts[:-1]:
        if part in ENVIRONMENTS:
            return part
    stem = parts[-1].rsplit(".", 1)[0]
    for sep in ("-", ".", "_"):
        head, _, tail = stem.rpartition(sep)
        if head and tail in ENVIRONMENTS:
            return tail
    return stem if stem in ENVIRONMENTS else None


def app_of(rel: str, env: str) -> str:
    """The directory that holds the environments, skipping ``overlays/``-like levels."""
    parts = rel.split("/")
    lowered = [p.lower() for p in parts]
    upto = lowered.index(env) if env in lowered[:-1] else len(parts) - 1
    for part in reversed(parts[:upto]):
        if part.lower() not in _GROUPING_DIRS:
            return _name(part)
    return _name(Path(parts[-1]).stem.split("-")[0].split(".")[0]) or "model"


def _name(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")
    return cleaned[:63] or "model"


def _yaml_files(repo: Path) -> Iterator[Path]:
    for path in repo.rglob("*"):
        rel = path.relative_to(repo).parts
        if any(part in _SKIP_DIRS for part in rel[:-1]) or path.suffix not in (".yaml", ".yml"):
            continue
        if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
            yield path


def _documents(path: Path, rel: str) -> list[_Doc]:
    try:
        docs = list(YAML(typ="safe", pure=True).load_all(path.read_text(encoding="utf-8")))
    except (YAMLError, UnicodeDecodeError, ValueError):
        return []
    docs = [d for d in docs if d is not None]
    return [_Doc(rel, i, len(docs), d) for i, d in enumerate(docs)]


def _findings(doc: _Doc, app: str, env: str) -> list[Finding]:
    data = doc.data
    if not isinstance(data, dict):
        return []
    name = Path(doc.path).name.lower()
    kind = data.get("kind")
    if name in ("kustomization.yaml", "kustomization.yml") or kind == "Kustomization":
        return _kustomization(doc, app, env)
    if kind == "ConfigMap":
        return _configmap(doc, app, env)
    if kind == "InferenceService":
        return _inference_service(doc, app, env)
    if kind is None and "apiVersion" not in data:
        return _values(doc, app, env)
    return []


def _kustomization(doc: _Doc, app: str, env: str) -> list[Finding]:
    out = []
    images = doc.data.get("images") or []
    for entry in images if isinstance(images, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            image = entry["name"]
            if _INFERENCE.search(image) or _INFERENCE.search(str(entry.get("newName", ""))):
                target = {"kind": "kustomize-image", "file": doc.path, "image": image}
                now = entry.get("newTag", entry.get("digest"))
                out.append(Finding(app, env, doc.path, target, f"images[{image}]: {now}", "image"))
    generators = doc.data.get("configMapGenerator") or []
    for gen in generators if isinstance(generators, list) else []:
        literals = gen.get("literals") if isinstance(gen, dict) else None
        for literal in literals if isinstance(literals, list) else []:
            key, sep, value = str(literal).partition("=")
            if sep and _MODEL_VERSION.match(key.strip()):
                target = {"kind": "configmap-generator", "file": doc.path, "key": key.strip()}
                if sum(1 for g in generators if isinstance(g, dict)) > 1 and gen.get("name"):
                    target["generator"] = gen["name"]
                out.append(Finding(app, env, doc.path, target, f"literal {key}={value}"))
    return out


def _configmap(doc: _Doc, app: str, env: str) -> list[Finding]:
    data = doc.data.get("data")
    out = []
    for key, value in (data or {}).items() if isinstance(data, dict) else []:
        if isinstance(key, str) and _MODEL_VERSION.match(key):
            target: dict[str, Any] = {"kind": "configmap", "file": doc.path, "key": key}
            name = (doc.data.get("metadata") or {}).get("name")
            if doc.count > 1 and isinstance(name, str):
                target["name"] = name
            out.append(Finding(app, env, doc.path, target, f"ConfigMap data {key}: {value}"))
    return out


def _inference_service(doc: _Doc, app: str, env: str) -> list[Finding]:
    predictor = (doc.data.get("spec") or {}).get("predictor")
    if not isinstance(predictor, dict):
        return []
    name = (doc.data.get("metadata") or {}).get("name")
    app = _name(name) if isinstance(name, str) else app
    out = []
    for key, section in predictor.items():
        uri = section.get("storageUri") if isinstance(section, dict) else None
        match = _TRAILING_VERSION.match(uri) if isinstance(uri, str) else None
        if match:
            path = f"spec.predictor.{key}.storageUri"
            value = match["head"].replace("{", "{{").replace("}", "}}") + "{version}"
            out.append(_yaml(doc, app, env, path, value, f"storageUri: {uri}", "version"))
    for i, container in enumerate(predictor.get("containers") or []):
        image = container.get("image") if isinstance(container, dict) else None
        if isinstance(image, str) and ":" in image.rsplit("/", 1)[-1]:
            repo = image.rsplit(":", 1)[0].replace("{", "{{").replace("}", "}}")
            path = f"spec.predictor.containers[{i}].image"
            out.append(
                _yaml(doc, app, env, path, repo + ":{image_tag}", f"image: {image}", "image")
            )
    return out


def _values(doc: _Doc, app: str, env: str) -> list[Finding]:
    out = []
    for path, value in _leaves(doc.data, ()):
        dotted = ".".join(path)
        leaf = path[-1]
        if _MODEL_VERSION.match(leaf) or (
            leaf.lower() == "version" and len(path) > 1 and "model" in path[-2].lower()
        ):
            out.append(_yaml(doc, app, env, dotted, "{version}", f"{dotted}: {value}", "version"))
        elif leaf == "tag" and len(path) > 1 and path[-2] == "image":
            context = ".".join(path[:-2]) + " " + str(_get(doc.data, (*path[:-1], "repository")))
            if _INFERENCE.search(context):
                out.append(
                    _yaml(doc, app, env, dotted, "{image_tag}", f"{dotted}: {value}", "image")
                )
    return out


def _yaml(doc: _Doc, app: str, env: str, path: str, value: str, found: str, sets: str) -> Finding:
    target: dict[str, Any] = {"kind": "yaml", "file": doc.path, "path": path}
    if value != "{version}":
        target["value"] = value
    if doc.count > 1:
        target["document"] = doc.index
    return Finding(app, env, doc.path, target, found, sets)


def _leaves(data: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_-]+", key):
                yield from _leaves(value, (*path, key))
    elif path and isinstance(data, (str, int, float)) and not isinstance(data, bool):
        yield path, data


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data
