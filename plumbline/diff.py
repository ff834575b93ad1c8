"""What changed between two plumb-line versions, in a form the pages can show."""

import difflib
import re
from dataclasses import dataclass, field

from plumbline.models import PlumbLineVersion

_WORDS = re.compile(r"\s+|[^\s]+")

PILLAR_FIELDS = [
    ("title", "Title"),
    ("message", "Message"),
    ("key_phrases", "Key phrases"),
    ("proof_points", "Proof points"),
]
GUARDRAIL_FIELDS = [
    ("preferred", "Preferred wording"),
    ("reason", "Reason"),
    ("severity", "Severity"),
]


@dataclass
class Change:
    label: str
    old: str
    new: str
    # For a list (key phrases, proof points): [(op, item)], each item added, removed or kept.
    items: list | None = None


def _shown(value) -> str:
    return "; ".join(value) if isinstance(value, list) else str(value)


@dataclass
class PartDiff:
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)  # (new part, [Change, ...])

    def __bool__(self):
        return bool(self.added or self.removed or self.changed)


@dataclass
class VersionDiff:
    old: PlumbLineVersion
    new: PlumbLineVersion
    statement: list  # [(op, text)] with op in "equal", "insert", "delete"
    notes_changed: bool
    pillars: PartDiff
    guardrails: PartDiff

    @property
    def statement_changed(self) -> bool:
        return any(op != "equal" for op, _ in self.statement)

    def __bool__(self):
        return self.statement_changed or bool(self.pillars) or bool(self.guardrails)


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """A word-by-word diff as (op, text) runs."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    runs = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            runs.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            runs.append(("insert", "".join(b[j1:j2])))
    return runs


def list_diff(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    """An item-by-item diff as (op, item), in the new list's order with removed items where
    they stood; an item that only moved is kept ("equal"), once, where it is now."""
    kept = set(old) & set(new)
    runs = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            runs += [("equal", item) for item in old[i1:i2]]
            continue
        runs += [("delete", item) for item in old[i1:i2] if item not in kept]
        runs += [("equal" if item in kept else "insert", item) for item in new[j1:j2]]
    return runs


def _change(label: str, old, new) -> Change:
    items = list_diff(old, new) if isinstance(old, list) and isinstance(new, list) else None
    return Change(label, _shown(old), _shown(new), items)


def _parts_diff(old_parts, new_parts, identity, fields) -> PartDiff:
    old_by = {identity(p): p for p in old_parts}
    new_by = {identity(p): p for p in new_parts}
    result = PartDiff()
    for ident, part in new_by.items():
        before = old_by.get(ident)
        if before is None:
            result.added.append(part)
            continue
        changes = [
            _change(label, getattr(before, name), getattr(part, name))
            for name, label in fields
            if getattr(before, name) != getattr(part, name)
        ]
        if changes:
            result.changed.append((part, changes))
    result.removed = [part for ident, part in old_by.items() if ident not in new_by]
    return result


def version_diff(old: PlumbLineVersion, new: PlumbLineVersion) -> VersionDiff:
    return VersionDiff(
        old=old,
        new=new,
        statement=text_diff(old.statement, new.statement),
        notes_changed=old.notes != new.notes,
        pillars=_parts_diff(old.pillars.all(), new.pillars.all(), lambda p: p.key, PILLAR_FIELDS),
        guardrails=_parts_diff(
            old.guardrails.all(),
            new.guardrails.all(),
            lambda g: g.phrase.casefold(),
            GUARDRAIL_FIELDS,
        ),
    )
