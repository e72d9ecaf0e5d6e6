"""Vendor the parts of GitHub's published OpenAPI description that the fake implements.

Run from the repository root after changing the fake's routes or the pinned version:

    python -m tests.rig.openapi.extract              # npm pack the pinned package
    python -m tests.rig.openapi.extract --from FILE  # or read an api.github.com.json at hand

It keeps, for every route of the fake that the description has, the operation's responses,
the webhook bodies the fake renders (``WEBHOOKS``), and every component they reference
(transitively), without prose and examples, and writes
``api.github.com.subset.json`` beside this file. Routes the description lacks are printed;
the conformance test lists each of them with its reason.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@octokit/openapi"
VERSION = "23.0.2"
MEMBER = "package/generated/api.github.com.json"
HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "api.github.com.subset.json"
_PROSE = frozenset({"description", "summary", "example", "examples", "externalDocs"})
# The webhook bodies the fake renders from ``fake.events`` (``pullstate.event_payload``).
WEBHOOKS = (
    "pull-request-opened",
    "pull-request-synchronize",
    "pull-request-closed",
    "pull-request-reopened",
    "pull-request-review-submitted",
    "pull-request-review-dismissed",
)


def template_key(method: str, template: str) -> tuple[str, str]:
    """Method and path with every parameter name blanked: the fake's ``{number}`` and the
    description's ``{pull_number}`` are the same route."""
    return method.upper(), re.sub(r"\{[^}]+\}", "{}", template)


def fake_routes() -> list[tuple[str, str]]:
    from tests.rig.ghfake import server  # noqa: F401  (importing it registers every route)
    from tests.rig.ghfake.routing import ROUTER

    return [(r.method, r.template) for r in ROUTER.routes]


def load_published(source: Path | None) -> dict[str, Any]:
    if source is not None:
        return json.loads(source.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", "--silent", f"{PACKAGE}@{VERSION}"], cwd=tmp, check=True,
            capture_output=True,
        )  # fmt: skip
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(MEMBER)
            assert member is not None, f"{MEMBER} is missing from {tarball.name}"
            return json.loads(member.read())  # type: ignore[no-any-return]


def strip_prose(node: Any, parent: str = "") -> Any:
    """Drop descriptions and examples; names under ``properties`` are data, not prose."""
    if isinstance(node, dict):
        return {
            k: strip_prose(v, k)
            for k, v in node.items()
            if parent in ("properties", "patternProperties") or k not in _PROSE
        }
    if isinstance(node, list):
        return [strip_prose(item) for item in node]
    return node


def references(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= references(value)
        return found
    if isinstance(node, list):
        return set().union(*(references(item) for item in node)) if node else set()
    return set()


def subset(spec: dict[str, Any], routes: list[tuple[str, str]]) -> tuple[dict[str, Any], list[str]]:
    index = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                index[template_key(method, path)] = (path, method, operation)
    paths: dict[str, dict[str, Any]] = {}
    missing = []
    for method, template in routes:
        found = index.get(template_key(method, template))
        if found is None:
            missing.append(f"{method} {template}")
            continue
        path, verb, operation = found
        kept = {"operationId": operation.get("operationId"), "responses": operation["responses"]}
        paths.setdefault(path, {})[verb] = strip_prose(kept)
    webhooks = {name: {"$ref": f"#/components/schemas/webhook-{name}"} for name in WEBHOOKS}
    components: dict[str, dict[str, Any]] = {}
    pending = sorted(references(paths) | references(webhooks))
    while pending:
        ref = pending.pop()
        _, kind, name = ref.split("/", 3)[1:]
        if name in components.get(kind, {}):
            continue
        node = strip_prose(spec["components"][kind][name])
        components.setdefault(kind, {})[name] = node
        pending += sorted(references(node))
    document = {
        "openapi": spec["openapi"],
        "info": {"title": spec["info"]["title"], "version": spec["info"]["version"]},
        "x-vendored-from": {"package": PACKAGE, "version": VERSION, "file": MEMBER},
        "paths": dict(sorted(paths.items())),
        "x-webhooks": webhooks,
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }
    return document, missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, help="a local api.github.com.json")
    args = parser.parse_args()
    document, missing = subset(load_published(args.source), fake_routes())
    OUTPUT.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT.name}: {sum(len(ops) for ops in document['paths'].values())} operations")
    for route in missing:
        print(f"not in the published description: {route}")


if __name__ == "__main__":
    main()
