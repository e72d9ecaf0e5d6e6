"""The image references a promotion should run, for the image check of ``settle``.

Taken from the environment's ``kustomize-image`` targets (the name, or ``newName``) with the
promoted tag. The name is read from the checkout when the run has one (the workflow checks
out the base branch: no request), else from the base branch through the platform, once per
file and run. Other target kinds name no image the cluster
reports in the same form, so they add nothing and the check is left to sync and health.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

from bot.config.targets import KustomizeImageTarget
from bot.pipeline import units
from bot.pipeline.context import Context


def expected(
    ctx: Context, model: str, env: str, tag: str | None, checkout: Path | None = None
) -> tuple[str, ...]:
    if not tag:
        return ()
    targets = units.whole_environment(ctx.config, model, env).targets
    kustomize = [t for t in targets if isinstance(t, KustomizeImageTarget)]
    paths = sorted({t.file for t in kustomize})
    local = {p: _local(checkout, p) for p in paths}
    files = {**ctx.files([p for p in paths if local[p] is None]), **local}
    found = []
    for target in kustomize:
        name = _image_name(files.get(target.file), target.image)
        if name:
            found.append(f"{name}:{tag}")
    return tuple(dict.fromkeys(found))


def _local(checkout: Path | None, path: str) -> str | None:
    if checkout is None:
        return None
    file = checkout / path
    return file.read_text(encoding="utf-8") if file.is_file() else None


def _image_name(text: str | None, image: str) -> str | None:
    if not text:
        return None
    from ruamel.yaml import YAML

    try:
        doc: Any = YAML(typ="safe", pure=True).load(StringIO(text))
    except Exception:  # a file the planner reads would have failed first; no image check
        return None
    entries = doc.get("images") if isinstance(doc, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and entry.get("name") == image:
            new_name = entry.get("newName")
            return str(new_name) if isinstance(new_name, str) and new_name else image
    return None
