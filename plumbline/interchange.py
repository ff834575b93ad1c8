"""Plumb-line versions as JSON: export one, check a file, import it as a new draft.

The file is meant to be written by people too (by hand, or generated from a spreadsheet),
so `validate` walks the whole document and reports every problem at once, each prefixed
with its JSON path, instead of stopping at the first. Whatever passes it is something the
database accepts, so `import_version` never fails half-way on bad input.

The shape::

    {"statement": str, "notes": str,
     "pillars": [{"key", "title", "message", "key_phrases": [str], "proof_points": [str]}],
     "guardrails": [{"phrase", "preferred", "reason", "severity"}]}

Exports also carry "version" and "published_at"; imports ignore those two, so an exported
file can be imported again as it is.
"""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Max

from plumbline import services
from plumbline.models import Guardrail, Pillar, PlumbLineVersion, folded_length

MAX_FILE_BYTES = 1024 * 1024

# Taken from the models so the file format cannot drift from what the database stores.
KEY_MAX_LENGTH = Pillar._meta.get_field("key").max_length
TITLE_MAX_LENGTH = Pillar._meta.get_field("title").max_length
PHRASE_MAX_LENGTH = Guardrail.PHRASE_MAX_LENGTH
PREFERRED_MAX_LENGTH = Guardrail._meta.get_field("preferred").max_length
REASON_MAX_LENGTH = Guardrail._meta.get_field("reason").max_length
SEVERITIES = tuple(Guardrail.Severity.values)
TOO_BIG = f"(root): the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"

ROOT_FIELDS = {"statement", "notes", "pillars", "guardrails"}
EXPORT_ONLY_FIELDS = {"version", "published_at"}  # written by export, ignored by import
PILLAR_FIELDS = {"key", "title", "message", "key_phrases", "proof_points"}
GUARDRAIL_FIELDS = {"phrase", "preferred", "reason", "severity"}

_ABSENT = object()


class DraftExistsError(Exception):
    """Import would have to replace a draft someone is working on; it never does."""

    def __init__(self, draft: PlumbLineVersion):
        super().__init__(
            f"Draft version {draft.number} is in progress: publish or discard it before importing."
        )
        self.draft = draft


# --- Export --------------------------------------------------------------------------------


def export_version(version: PlumbLineVersion) -> dict[str, Any]:
    data: dict[str, Any] = {"version": version.number}
    if version.published_at is not None:
        data["published_at"] = version.published_at.isoformat()
    data["statement"] = version.statement
    data["notes"] = version.notes
    data["pillars"] = [
        {
            "key": pillar.key,
            "title": pillar.title,
            "message": pillar.message,
            "key_phrases": list(pillar.key_phrases),
            "proof_points": list(pillar.proof_points),
        }
        for pillar in version.pillars.order_by("position", "pk")
    ]
    data["guardrails"] = [
        {
            "phrase": guardrail.phrase,
            "preferred": guardrail.preferred,
            "reason": guardrail.reason,
            "severity": guardrail.severity,
        }
        for guardrail in version.guardrails.order_by("position", "pk")
    ]
    return data


# --- Validation ----------------------------------------------------------------------------


def _member(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _collapse(text: str) -> str:
    # The checker treats any run of whitespace as one separator, and the edit forms store
    # phrases collapsed; doing the same here makes "cheap  price" a duplicate of "cheap price".
    return " ".join(text.split())


class _Checker:
    """Walks a document, collecting every problem as "path: message"."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '(root)'}: {message}")

    def unknown_fields(self, obj: dict, path: str, allowed: set[str]) -> None:
        for name in obj:
            if name not in allowed:
                self.add(_member(path, str(name)), "unknown key")

    def present(self, obj: dict, name: str, where: str, *, required: bool) -> bool:
        """Whether obj has `name`; a problem at `where` if it has not and must."""
        if name in obj:
            return True
        if required:
            self.add(where, "required")
        return False

    def text(
        self,
        obj: dict,
        name: str,
        path: str,
        *,
        required: bool = True,
        max_length: int | None = None,
    ) -> str | None:
        """The stripped string at obj[name]; None (and a problem) if it is not acceptable.

        Optional fields may be absent or empty and default to "".
        """
        where = _member(path, name)
        if not self.present(obj, name, where, required=required):
            return None if required else ""
        value = obj[name]
        if not isinstance(value, str):
            self.add(where, "must be a string")
            return None
        value = value.strip()
        if required and not value:
            self.add(where, "must not be empty")
            return None
        if max_length is not None and len(value) > max_length:
            self.add(where, f"must be at most {max_length} characters (is {len(value)})")
            return None
        return value

    def strings(
        self, obj: dict, name: str, path: str, *, required: bool, unique: bool
    ) -> list[str] | None:
        """A list of non-empty strings (stripped, whitespace collapsed)."""
        where = _member(path, name)
        if not self.present(obj, name, where, required=required):
            return None if required else []
        value = obj[name]
        if not isinstance(value, list):
            self.add(where, "must be a list")
            return None
        if required and not value:
            self.add(where, "must have at least one entry")
            return None
        items: list[str] = []
        seen: set[str] = set()
        ok = True
        for index, item in enumerate(value):
            item_path = f"{where}[{index}]"
            if not isinstance(item, str) or not item.strip():
                self.add(item_path, "must be a non-empty string")
                ok = False
                continue
            item = _collapse(item)
            if unique:
                if item.casefold() in seen:
                    self.add(item_path, f"duplicate {_quoted(item)}")
                    ok = False
                    continue
                seen.add(item.casefold())
            items.append(item)
        return items if ok else None

    def objects(self, obj: dict, name: str, *, required: bool) -> list[tuple[str, dict]]:
        """(path, object) for each entry of the list obj[name] that is a JSON object."""
        if not self.present(obj, name, name, required=required):
            return []
        value = obj[name]
        if not isinstance(value, list):
            self.add(name, "must be a list")
            return []
        if required and not value:
            self.add(name, "must have at least one entry")
            return []
        entries = []
        for index, item in enumerate(value):
            path = f"{name}[{index}]"
            if isinstance(item, dict):
                entries.append((path, item))
            else:
                self.add(path, "must be an object")
        return entries


def validate(data: Any) -> tuple[dict | None, list[str]]:
    """(the cleaned document, []) if `data` is a valid plumb line, else (None, every problem).

    Strings come back stripped, phrases with their whitespace collapsed, and optional
    fields filled in, so the result can go straight to `import_version`.
    """
    checker = _Checker()
    if not isinstance(data, dict):
        checker.add("", "must be an object")
        return None, checker.problems
    checker.unknown_fields(data, "", ROOT_FIELDS | EXPORT_ONLY_FIELDS)
    statement = checker.text(data, "statement", "")
    notes = checker.text(data, "notes", "", required=False)
    keys: set[str] = set()
    pillars = [
        _pillar(checker, path, obj, keys)
        for path, obj in checker.objects(data, "pillars", required=True)
    ]
    phrases: set[str] = set()
    guardrails = [
        _guardrail(checker, path, obj, phrases)
        for path, obj in checker.objects(data, "guardrails", required=False)
    ]
    if checker.problems:
        return None, checker.problems
    return {
        "statement": statement,
        "notes": notes,
        "pillars": pillars,
        "guardrails": guardrails,
    }, []


def _pillar(checker: _Checker, path: str, obj: dict, keys: set[str]) -> dict:
    """The pillar's cleaned fields; `keys` are those of the pillars before it."""
    checker.unknown_fields(obj, path, PILLAR_FIELDS)
    where = _member(path, "key")
    key = checker.text(obj, "key", path, max_length=KEY_MAX_LENGTH)
    if key:
        try:
            validate_slug(key)
        except ValidationError:
            checker.add(where, "must be a slug: lowercase letters, digits, hyphens or underscores")
        else:
            # The edit form lowercases keys; a file saying "Value" most likely means a
            # different pillar than "value", so it is refused rather than quietly changed.
            if key != key.lower():
                checker.add(where, "must be lowercase")
            elif key in keys:
                checker.add(where, f"duplicate {_quoted(key)}")
            keys.add(key)
    return {
        "key": key,
        "title": checker.text(obj, "title", path, max_length=TITLE_MAX_LENGTH),
        "message": checker.text(obj, "message", path),
        "key_phrases": checker.strings(obj, "key_phrases", path, required=True, unique=True),
        "proof_points": checker.strings(obj, "proof_points", path, required=False, unique=False),
    }


def _guardrail(checker: _Checker, path: str, obj: dict, phrases: set[str]) -> dict:
    """The guardrail's cleaned fields; `phrases` are those before it, casefolded."""
    checker.unknown_fields(obj, path, GUARDRAIL_FIELDS)
    phrase = checker.text(obj, "phrase", path, max_length=PHRASE_MAX_LENGTH)
    if phrase:
        phrase = _collapse(phrase)
        if (folded := folded_length(phrase)) > PHRASE_MAX_LENGTH:
            checker.add(
                _member(path, "phrase"),
                f"must be at most {PHRASE_MAX_LENGTH} characters once case is ignored, "
                f"counting “ß” as “ss” (it has {folded})",
            )
        # Phrases are unique per version ignoring case (a database constraint); casefold
        # is stricter than the database's lower(), so no duplicate slips through to it.
        if phrase.casefold() in phrases:
            checker.add(_member(path, "phrase"), f"duplicate {_quoted(phrase)}")
        phrases.add(phrase.casefold())
    preferred = checker.text(obj, "preferred", path, max_length=PREFERRED_MAX_LENGTH)
    reason = checker.text(obj, "reason", path, required=False, max_length=REASON_MAX_LENGTH)
    severity = obj.get("severity", _ABSENT)
    if severity is _ABSENT:
        checker.add(_member(path, "severity"), "required")
    elif severity not in SEVERITIES:  # also catches non-strings
        checker.add(_member(path, "severity"), f"must be one of {', '.join(SEVERITIES)}")
    return {"phrase": phrase, "preferred": preferred, "reason": reason, "severity": severity}


def load(source: Any) -> tuple[dict | None, list[str]]:
    """Read and validate a JSON document: from text, bytes, or a text or binary file.

    Returns what `validate` returns; unreadable input is reported the same way, at "(root)".
    """
    # Read one byte (or character) more than allowed, to tell "exactly 1 MB" from "more".
    raw = source.read(MAX_FILE_BYTES + 1) if hasattr(source, "read") else source
    if isinstance(raw, str):
        if len(raw.encode("utf-8", errors="surrogatepass")) > MAX_FILE_BYTES:
            return None, [TOO_BIG]
        text = raw
    elif isinstance(raw, bytes | bytearray):
        if len(raw) > MAX_FILE_BYTES:
            return None, [TOO_BIG]
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as error:
            return None, [f"(root): not valid UTF-8 (byte {error.start + 1})"]
    else:
        return None, ["(root): must be JSON text"]
    # Editors on Windows like to start UTF-8 files with a byte-order mark; json refuses it.
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, [
            f"(root): not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ]
    except RecursionError:
        return None, ["(root): not valid JSON: nested too deeply"]
    return validate(data)


# --- Import --------------------------------------------------------------------------------


@transaction.atomic
def import_version(data: dict, *, by, publish: bool = False) -> PlumbLineVersion:
    """Create a new draft from a document `validate` accepted; publish it if asked to.

    Raises DraftExistsError rather than touching a draft in progress. Everything happens in
    one transaction: if publishing fails, no draft is left behind.
    """
    existing = PlumbLineVersion.objects.select_for_update().draft()
    if existing is not None:
        raise DraftExistsError(existing)
    # Two imports racing past the check above still cannot both succeed: the database
    # allows one draft and unique numbers, and the loser's transaction rolls back.
    top = PlumbLineVersion.objects.aggregate(top=Max("number"))["top"] or 0
    draft = PlumbLineVersion.objects.create(
        number=top + 1,
        statement=data["statement"],
        notes=data.get("notes", ""),
        created_by=by,
    )
    Pillar.objects.bulk_create(
        Pillar(
            version=draft,
            position=position,
            key=pillar["key"],
            title=pillar["title"],
            message=pillar["message"],
            key_phrases=list(pillar["key_phrases"]),
            proof_points=list(pillar.get("proof_points", [])),
        )
        for position, pillar in enumerate(data["pillars"], start=1)
    )
    Guardrail.objects.bulk_create(
        Guardrail(
            version=draft,
            position=position,
            phrase=guardrail["phrase"],
            preferred=guardrail["preferred"],
            reason=guardrail.get("reason", ""),
            severity=guardrail["severity"],
        )
        for position, guardrail in enumerate(data.get("guardrails", []), start=1)
    )
    if publish:
        # The revision in memory is the one we created; read it back so publishing checks
        # against what the database holds, as every other caller of draft_publish does.
        draft.refresh_from_db(fields=["revision"])
        draft = services.draft_publish(draft=draft, by=by, expected_revision=draft.revision)
    return draft
