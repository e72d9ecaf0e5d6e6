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
    # The target in the config, `promotion.yml:12: models.m.environments.e.targets[0]`
    # (empty for targets built in code): errors name it so the fix is one click away.
    origin: str = ""

    def where(self) -> str:
        return overlays.describe(self.locator)

    def problem(self, message: object) -> str:
        """``origin: file: where: message``, the one-line form of a target error."""
        head = f"{self.origin}: " if self.origin else ""
        return f"{head}{self.file}: {self.where()}: {message}"

    @property
    def pinned(self) -> bool:
        """A kustomize image's tag and digest, written as one `tag@digest` value."""
        loc = self.locator
        return isinstance(loc, overlays.KustomizeImage) and loc.field == "newTag@digest"


def slots(targets: Sequence[Target]) -> list[Slot]:
    """Every scalar the targets set, in order; each target says what it edits."""
    return [Slot(t.file, loc, tpl, t.origin) for t in targets for loc, tpl in t.edits()]


def version_file(all_slots: list[Slot]) -> str | None:
    """The file whose history tells the deployed version (the first `{version}` slot)."""
    return next((s.file for s in all_slots if "version" in template.fields(s.template)), None)


def values_at(all_slots: list[Slot], files: Mapping[str, str | None]) -> dict[str, str]:
    """Every placeholder value the files reveal through the slot templates."""
    found: dict[str, str] = {}
    for slot in all_slots:
        current = read_slot(slot, files)
        tpl = slot.template
        if slot.pinned and current is not None and "@" not in current:
            tpl = tpl.rpartition("@")[0]  # an entry not pinned yet still tells the tag
        parts = template.extract(tpl, current) if current is not None else None
        for name, value in (parts or {}).items():
            found.setdefault(name, value)
    return found


def files_of(all_slots: list[Slot]) -> list[str]:
    return list(dict.fromkeys(slot.file for slot in all_slots))


def read_slot(slot: Slot, files: Mapping[str, str | None]) -> str | None:
    text = files.get(slot.file)
    if text is None:
        head = f"{slot.origin}: " if slot.origin else ""
        raise UserError(
            f"{head}{slot.file}: file not found on the base branch; fix the target's `file`"
        )
    try:
        return overlays.read(text, slot.locator)
    except UserError as err:
        raise UserError(slot.problem(err)) from None


def problems(all_slots: list[Slot], files: Mapping[str, str | None]) -> list[str]:
    """Every slot that cannot be read, each once: all of an environment's own target errors
    (the pipeline lists them even when an upstream environment fails first)."""
    found: list[str] = []
    for slot in all_slots:
        try:
            read_slot(slot, files)
        except UserError as err:
            if str(err) not in found:
                found.append(str(err))
    return found


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
        try:
            new_value = template.render(slot.template, values)
        except UserError as err:
            raise UserError(slot.problem(err)) from None
        if slot.pinned:
            new_value = new_value.removesuffix("@")  # no digest: the tag alone, digest dropped
        if old_value == new_value:
            continue
        text = texts.get(slot.file) or files[slot.file] or ""
        try:
            shared = overlays.shared_paths(text, slot.locator)
            texts[slot.file] = overlays.write(text, slot.locator, new_value)
        except UserError as err:
            raise UserError(slot.problem(err)) from None
        found = edits.setdefault(slot.file, [])
        found.append(Edit(slot.file, slot.where(), old_value, new_value))
        # `aliases: update`: every other path the shared scalar carries along is listed too.
        found += [
            Edit(slot.file, f"{path} (shares {slot.where()})", old_value, new_value)
            for path in shared
            if path != slot.where()
        ]
    return [
        FileChange(path, files[path] or "", texts[path], tuple(edits[path]))
        for path in files_of(all_slots)
        if path in texts and texts[path] != files[path]
    ]
