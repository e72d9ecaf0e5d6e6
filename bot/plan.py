"""Pure planning: config targets + file texts + a candidate version -> file changes.

No I/O here: the pipeline fetches the files, this module decides what they become.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot import overlays, template
from bot.config import Target
from bot.errors import UserError
from bot.model import Deployed, Edit, FileChange


@dataclass(frozen=True)
class Slot:
    """One scalar a promotion sets: where it is and the template of its value."""

    file: str
    locator: overlays.Locator
    template: str

    def where(self) -> str:
        return overlays.describe(self.locator)


def slots(targets: Sequence[Target]) -> list[Slot]:
    """Every scalar the targets set, in order; each target says what it edits."""
    return [Slot(t.file, loc, tpl) for t in targets for loc, tpl in t.edits()]


def version_file(all_slots: list[Slot]) -> str | None:
    """The file whose history tells the deployed version (the first `{version}` slot)."""
    return next((s.file for s in all_slots if "version" in template.fields(s.template)), None)


def values_at(all_slots: list[Slot], files: Mapping[str, str | None]) -> dict[str, str]:
    """Every placeholder value the files reveal through the slot templates."""
    found: dict[str, str] = {}
    for slot in all_slots:
        current = read_slot(slot, files)
        parts = template.extract(slot.template, current) if current is not None else None
        for name, value in (parts or {}).items():
            found.setdefault(name, value)
    return found


def files_of(all_slots: list[Slot]) -> list[str]:
    return list(dict.fromkeys(slot.file for slot in all_slots))


def read_slot(slot: Slot, files: Mapping[str, str | None]) -> str | None:
    text = files.get(slot.file)
    if text is None:
        raise UserError(f"{slot.file}: file not found on the base branch; fix the target's `file`")
    try:
        return overlays.read(text, slot.locator)
    except UserError as err:
        raise UserError(f"{slot.file}: {slot.where()}: {err}") from None


def deployed(all_slots: list[Slot], files: Mapping[str, str | None]) -> Deployed:
    """The version and image tag the overlays declare now (first slot that reveals each)."""
    found = values_at(all_slots, files)
    return Deployed(found.get("version"), found.get("image_tag"))


def changes(
    all_slots: list[Slot], files: Mapping[str, str | None], values: dict[str, str]
) -> list[FileChange]:
    """Apply every slot to its file; files left byte-identical are not returned."""
    texts: dict[str, str] = {}
    edits: dict[str, list[Edit]] = {}
    for slot in all_slots:
        old_value = read_slot(slot, {**files, **texts})
        new_value = template.render(slot.template, values)
        if old_value == new_value:
            continue
        text = texts.get(slot.file) or files[slot.file] or ""
        try:
            texts[slot.file] = overlays.write(text, slot.locator, new_value)
        except UserError as err:
            raise UserError(f"{slot.file}: {slot.where()}: {err}") from None
        edits.setdefault(slot.file, []).append(Edit(slot.file, slot.where(), old_value, new_value))
    return [
        FileChange(path, files[path] or "", texts[path], tuple(edits[path]))
        for path in files_of(all_slots)
        if path in texts and texts[path] != files[path]
    ]
