"""JSON export, validation and import of plumb-line versions (plumbline.interchange)."""

import copy
import io
import json

import pytest

from plumbline import interchange, services
from plumbline.models import Guardrail, Pillar, PlumbLineVersion

pytestmark = pytest.mark.django_db

VALID = {
    "statement": "We keep businesses running on clean power.",
    "notes": "After the spring reviews.",
    "pillars": [
        {
            "key": "value",
            "title": "Value over the whole life",
            "message": "What a system saves over its life.",
            "key_phrases": ["lifetime savings", "payback"],
            "proof_points": ["Payback in six years"],
        },
        {
            "key": "local-experts",
            "title": "Local people who stay",
            "message": "The installers look after it.",
            "key_phrases": ["local engineer"],
            "proof_points": [],
        },
    ],
    "guardrails": [
        {
            "phrase": "discount",
            "preferred": "added value",
            "reason": "We sell value.",
            "severity": "error",
        },
        {"phrase": "cheap", "preferred": "affordable", "reason": "", "severity": "warning"},
    ],
}

DELETE = object()


def variant(*edits) -> dict:
    """A copy of VALID with edits applied: (path, value), value DELETE to remove the key."""
    data = copy.deepcopy(VALID)
    for path, value in edits:
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        if value is DELETE:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    return data


def counts() -> tuple[int, int, int]:
    return PlumbLineVersion.objects.count(), Pillar.objects.count(), Guardrail.objects.count()


def build_version(*, by, publish=True) -> PlumbLineVersion:
    """A version made through the services and models, not through import."""
    draft = services.draft_start(by=by)
    # draft_start copies the current version, if there is one; start from nothing instead.
    Pillar.objects.filter(version=draft).delete()
    Guardrail.objects.filter(version=draft).delete()
    PlumbLineVersion.objects.filter(pk=draft.pk).update(
        statement="Clean power, looked after — à la carte.", notes="First one."
    )
    # Created out of order so export has to sort by position, not by creation.
    Pillar.objects.create(
        version=draft,
        position=2,
        key="local-experts",
        title="Local people who stay",
        message="Same team.",
        key_phrases=["local engineer"],
    )
    Pillar.objects.create(
        version=draft,
        position=1,
        key="value",
        title="Value",
        message="Savings over its life.",
        key_phrases=["lifetime savings", "payback"],
        proof_points=["Payback in six years"],
    )
    Guardrail.objects.create(
        version=draft, position=2, phrase="cheap", preferred="affordable", severity="warning"
    )
    Guardrail.objects.create(
        version=draft,
        position=1,
        phrase="discount",
        preferred="added value",
        reason="We sell value.",
        severity="error",
    )
    draft.refresh_from_db()
    if not publish:
        return draft
    return services.draft_publish(draft=draft, by=by, expected_revision=draft.revision)


def parts(version: PlumbLineVersion) -> tuple[list, list]:
    pillars = list(
        version.pillars.order_by("position").values_list(
            "position", "key", "title", "message", "key_phrases", "proof_points"
        )
    )
    guardrails = list(
        version.guardrails.order_by("position").values_list(
            "position", "phrase", "preferred", "reason", "severity"
        )
    )
    return pillars, guardrails


# --- validate ------------------------------------------------------------------------------


class TestValidate:
    def test_a_valid_document_passes_unchanged(self):
        data, problems = interchange.validate(copy.deepcopy(VALID))
        assert problems == []
        assert data == VALID

    @pytest.mark.parametrize("root", [[], "text", None, 3])
    def test_the_root_must_be_an_object(self, root):
        assert interchange.validate(root) == (None, ["(root): must be an object"])

    @pytest.mark.parametrize(
        ("edits", "problem"),
        [
            # The document
            ([(("statement",), DELETE)], "statement: required"),
            ([(("statement",), 5)], "statement: must be a string"),
            ([(("statement",), "   ")], "statement: must not be empty"),
            ([(("notes",), ["a"])], "notes: must be a string"),
            ([(("colour",), "blue")], "colour: unknown key"),
            # Pillars
            ([(("pillars",), DELETE)], "pillars: required"),
            ([(("pillars",), {"key": "value"})], "pillars: must be a list"),
            ([(("pillars",), [])], "pillars: must have at least one entry"),
            ([(("pillars", 1), "local-experts")], "pillars[1]: must be an object"),
            ([(("pillars", 0, "colour"), "blue")], "pillars[0].colour: unknown key"),
            ([(("pillars", 0, "key"), DELETE)], "pillars[0].key: required"),
            ([(("pillars", 0, "key"), 7)], "pillars[0].key: must be a string"),
            (
                [(("pillars", 0, "key"), "two words")],
                "pillars[0].key: must be a slug: lowercase letters, digits, hyphens or underscores",
            ),
            ([(("pillars", 0, "key"), "Value")], "pillars[0].key: must be lowercase"),
            (
                [(("pillars", 0, "key"), "k" * 61)],
                "pillars[0].key: must be at most 60 characters (is 61)",
            ),
            ([(("pillars", 1, "key"), "value")], 'pillars[1].key: duplicate "value"'),
            ([(("pillars", 1, "title"), "")], "pillars[1].title: must not be empty"),
            (
                [(("pillars", 0, "title"), "t" * 121)],
                "pillars[0].title: must be at most 120 characters (is 121)",
            ),
            ([(("pillars", 0, "message"), DELETE)], "pillars[0].message: required"),
            ([(("pillars", 0, "key_phrases"), DELETE)], "pillars[0].key_phrases: required"),
            (
                [(("pillars", 0, "key_phrases"), "payback")],
                "pillars[0].key_phrases: must be a list",
            ),
            (
                [(("pillars", 0, "key_phrases"), [])],
                "pillars[0].key_phrases: must have at least one entry",
            ),
            (
                [(("pillars", 1, "key_phrases"), ["a", "b", 3])],
                "pillars[1].key_phrases[2]: must be a non-empty string",
            ),
            (
                [(("pillars", 1, "key_phrases"), ["a", " "])],
                "pillars[1].key_phrases[1]: must be a non-empty string",
            ),
            (
                [(("pillars", 0, "key_phrases"), ["Payback", "lifetime savings", "PAYBACK "])],
                'pillars[0].key_phrases[2]: duplicate "PAYBACK"',
            ),
            (
                [(("pillars", 0, "proof_points"), "six years")],
                "pillars[0].proof_points: must be a list",
            ),
            (
                [(("pillars", 0, "proof_points"), ["six years", None])],
                "pillars[0].proof_points[1]: must be a non-empty string",
            ),
            # Guardrails
            ([(("guardrails",), "discount")], "guardrails: must be a list"),
            ([(("guardrails", 1), ["cheap"])], "guardrails[1]: must be an object"),
            ([(("guardrails", 0, "why"), "x")], "guardrails[0].why: unknown key"),
            ([(("guardrails", 0, "phrase"), DELETE)], "guardrails[0].phrase: required"),
            ([(("guardrails", 0, "phrase"), "")], "guardrails[0].phrase: must not be empty"),
            (
                [(("guardrails", 0, "phrase"), "p" * 121)],
                "guardrails[0].phrase: must be at most 120 characters (is 121)",
            ),
            (
                [(("guardrails", 0, "phrase"), "ß" * 61)],
                "guardrails[0].phrase: must be at most 120 characters once case is ignored, "
                "counting “ß” as “ss” (it has 122)",
            ),
            (
                [(("guardrails", 1, "phrase"), "DISCOUNT")],
                'guardrails[1].phrase: duplicate "DISCOUNT"',
            ),
            ([(("guardrails", 0, "preferred"), DELETE)], "guardrails[0].preferred: required"),
            (
                [(("guardrails", 0, "preferred"), "p" * 201)],
                "guardrails[0].preferred: must be at most 200 characters (is 201)",
            ),
            ([(("guardrails", 0, "reason"), 5)], "guardrails[0].reason: must be a string"),
            (
                [(("guardrails", 0, "reason"), "r" * 301)],
                "guardrails[0].reason: must be at most 300 characters (is 301)",
            ),
            ([(("guardrails", 1, "severity"), DELETE)], "guardrails[1].severity: required"),
            (
                [(("guardrails", 0, "severity"), "fatal")],
                "guardrails[0].severity: must be one of suggestion, warning, error",
            ),
            (
                [(("guardrails", 0, "severity"), ["error"])],
                "guardrails[0].severity: must be one of suggestion, warning, error",
            ),
        ],
    )
    def test_each_problem_is_reported_at_its_path(self, edits, problem):
        assert interchange.validate(variant(*edits)) == (None, [problem])

    def test_limits_are_inclusive(self):
        _, problems = interchange.validate(
            variant(
                (("pillars", 0, "key"), "k" * 60),
                (("pillars", 0, "title"), "t" * 120),
                (("guardrails", 0, "phrase"), "p" * 120),
                (("guardrails", 1, "phrase"), "ß" * 60),
                (("guardrails", 0, "preferred"), "p" * 200),
                (("guardrails", 0, "reason"), "r" * 300),
            )
        )
        assert problems == []

    def test_every_problem_is_reported_at_once(self):
        data, problems = interchange.validate(
            variant(
                (("statement",), DELETE),
                (("pillars", 0, "key"), "Value"),
                (("pillars", 1, "key_phrases"), ["ok", 3]),
                (("guardrails", 0, "severity"), "fatal"),
                (("colour",), "blue"),
            )
        )
        assert data is None
        assert sorted(problems) == sorted(
            [
                "statement: required",
                "pillars[0].key: must be lowercase",
                "pillars[1].key_phrases[1]: must be a non-empty string",
                "guardrails[0].severity: must be one of suggestion, warning, error",
                "colour: unknown key",
            ]
        )

    def test_export_fields_are_accepted_and_ignored(self):
        data, problems = interchange.validate(
            variant((("version",), 7), (("published_at",), "2026-01-01T00:00:00+00:00"))
        )
        assert problems == []
        assert data == VALID

    def test_optional_fields_get_defaults(self):
        data, problems = interchange.validate(
            variant(
                (("notes",), DELETE),
                (("guardrails",), DELETE),
                (("pillars", 0, "proof_points"), DELETE),
            )
        )
        assert problems == []
        assert data["notes"] == ""
        assert data["guardrails"] == []
        assert data["pillars"][0]["proof_points"] == []

    def test_a_missing_reason_is_empty_and_an_empty_guardrail_list_is_fine(self):
        data, problems = interchange.validate(variant((("guardrails", 0, "reason"), DELETE)))
        assert problems == []
        assert data["guardrails"][0]["reason"] == ""
        assert interchange.validate(variant((("guardrails",), [])))[1] == []

    def test_strings_are_stripped_and_phrases_collapsed(self):
        data, problems = interchange.validate(
            variant(
                (("statement",), "  Clean power.\n"),
                (("pillars", 0, "key"), " value "),
                (("pillars", 0, "key_phrases"), ["  lifetime \n savings ", "payback"]),
                (("guardrails", 0, "phrase"), " special   price "),
            )
        )
        assert problems == []
        assert data["statement"] == "Clean power."
        assert data["pillars"][0]["key"] == "value"
        assert data["pillars"][0]["key_phrases"] == ["lifetime savings", "payback"]
        assert data["guardrails"][0]["phrase"] == "special price"

    def test_underscores_are_allowed_in_keys_like_django_slugs(self):
        assert interchange.validate(variant((("pillars", 0, "key"), "value_2")))[1] == []


# --- load ----------------------------------------------------------------------------------


class TestLoad:
    def test_text_bytes_and_files_are_all_read(self):
        text = json.dumps(VALID)
        for source in (text, text.encode(), io.StringIO(text), io.BytesIO(text.encode())):
            assert interchange.load(source) == (VALID, [])

    def test_invalid_json_is_reported_with_line_and_column(self):
        assert interchange.load('{"statement": }') == (
            None,
            ["(root): not valid JSON: Expecting value (line 1, column 15)"],
        )
        data, problems = interchange.load(b'{\n  "statement": "x",\n  "pillars": [\n}')
        assert data is None
        assert len(problems) == 1
        assert problems[0].startswith("(root): not valid JSON: ")
        assert problems[0].endswith("(line 4, column 1)")

    def test_validation_problems_come_through(self):
        assert interchange.load(json.dumps(variant((("statement",), DELETE)))) == (
            None,
            ["statement: required"],
        )

    def test_a_file_over_one_megabyte_is_refused(self):
        padded = json.dumps(VALID).encode()
        exactly = padded + b" " * (interchange.MAX_FILE_BYTES - len(padded))
        assert interchange.load(io.BytesIO(exactly)) == (VALID, [])
        assert interchange.load(io.BytesIO(exactly + b" ")) == (
            None,
            ["(root): the file is larger than 1 MB"],
        )

    def test_the_limit_counts_bytes_not_characters(self):
        # 600,000 two-byte characters: under a million characters, over 1 MB.
        text = json.dumps({"statement": "é" * 600_000}, ensure_ascii=False)
        assert interchange.load(text) == (None, ["(root): the file is larger than 1 MB"])

    def test_a_byte_order_mark_is_allowed(self):
        assert interchange.load(b"\xef\xbb\xbf" + json.dumps(VALID).encode()) == (VALID, [])

    def test_bytes_that_are_not_utf8_are_reported(self):
        assert interchange.load(b'{"statement": "caf\xe9"}') == (
            None,
            ["(root): not valid UTF-8 (byte 19)"],
        )

    def test_absurd_nesting_is_reported_not_raised(self):
        assert interchange.load("[" * 200_000) == (
            None,
            ["(root): not valid JSON: nested too deeply"],
        )


# --- export and import ---------------------------------------------------------------------


class TestExport:
    def test_a_published_version(self, cast):
        version = build_version(by=cast.manager)
        data = interchange.export_version(version)
        assert data["version"] == version.number
        assert data["published_at"] == version.published_at.isoformat()
        assert data["statement"] == "Clean power, looked after — à la carte."
        assert data["notes"] == "First one."
        assert data["pillars"] == [
            {
                "key": "value",
                "title": "Value",
                "message": "Savings over its life.",
                "key_phrases": ["lifetime savings", "payback"],
                "proof_points": ["Payback in six years"],
            },
            {
                "key": "local-experts",
                "title": "Local people who stay",
                "message": "Same team.",
                "key_phrases": ["local engineer"],
                "proof_points": [],
            },
        ]
        assert data["guardrails"] == [
            {
                "phrase": "discount",
                "preferred": "added value",
                "reason": "We sell value.",
                "severity": "error",
            },
            {"phrase": "cheap", "preferred": "affordable", "reason": "", "severity": "warning"},
        ]

    def test_a_draft_has_no_publication_date(self, cast):
        data = interchange.export_version(build_version(by=cast.manager, publish=False))
        assert "published_at" not in data


class TestImport:
    def test_creates_a_new_draft_after_the_highest_number(self, cast):
        build_version(by=cast.manager)
        build_version(by=cast.manager)
        draft = interchange.import_version(copy.deepcopy(VALID), by=cast.manager)
        assert draft.number == 3
        assert draft.is_draft
        assert not draft.is_current
        assert draft.created_by == cast.manager
        assert PlumbLineVersion.objects.current().number == 2
        assert draft.statement == VALID["statement"]
        assert draft.notes == VALID["notes"]
        assert parts(draft) == (
            [
                (1, "value", "Value over the whole life", "What a system saves over its life.",
                 ["lifetime savings", "payback"], ["Payback in six years"]),
                (2, "local-experts", "Local people who stay", "The installers look after it.",
                 ["local engineer"], []),
            ],
            [
                (1, "discount", "added value", "We sell value.", "error"),
                (2, "cheap", "affordable", "", "warning"),
            ],
        )  # fmt: skip

    def test_the_first_version_is_number_one(self, cast):
        assert interchange.import_version(copy.deepcopy(VALID), by=cast.manager).number == 1

    def test_round_trip_reproduces_the_version(self, cast):
        original = build_version(by=cast.manager)
        text = json.dumps(interchange.export_version(original), ensure_ascii=False)
        data, problems = interchange.load(text)
        assert problems == []
        imported = interchange.import_version(data, by=cast.manager)
        assert imported.number == original.number + 1
        assert imported.statement == original.statement
        assert imported.notes == original.notes
        assert parts(imported) == parts(original)
        exported_again = interchange.export_version(imported)
        exported_original = interchange.export_version(original)
        for data in exported_again, exported_original:
            data.pop("version")
            data.pop("published_at", None)
        assert exported_again == exported_original

    def test_refuses_when_a_draft_exists_and_changes_nothing(self, cast):
        build_version(by=cast.manager)
        draft = services.draft_start(by=cast.manager)
        before = counts()
        with pytest.raises(interchange.DraftExistsError) as error:
            interchange.import_version(copy.deepcopy(VALID), by=cast.manager, publish=True)
        assert error.value.draft == draft
        assert str(error.value) == (
            f"Draft version {draft.number} is in progress: publish or discard it before importing."
        )
        assert counts() == before
        refreshed = PlumbLineVersion.objects.get(pk=draft.pk)
        assert (refreshed.revision, refreshed.statement) == (draft.revision, draft.statement)

    def test_publish_makes_it_current(self, cast):
        old = build_version(by=cast.manager)
        version = interchange.import_version(copy.deepcopy(VALID), by=cast.admin, publish=True)
        assert version.state == PlumbLineVersion.State.PUBLISHED
        assert version.is_current
        assert version.published_by == cast.admin
        assert version.published_at is not None
        assert PlumbLineVersion.objects.current() == version
        old.refresh_from_db()
        assert not old.is_current
        assert PlumbLineVersion.objects.draft() is None

    def test_a_failed_publish_leaves_no_draft_behind(self, cast, monkeypatch):
        build_version(by=cast.manager)
        before = counts()

        def refuse(**kwargs):
            raise services.StaleDraftError

        monkeypatch.setattr(services, "draft_publish", refuse)
        with pytest.raises(services.StaleDraftError):
            interchange.import_version(copy.deepcopy(VALID), by=cast.manager, publish=True)
        assert counts() == before
        assert PlumbLineVersion.objects.draft() is None

    def test_invalid_input_changes_nothing(self, cast):
        build_version(by=cast.manager)
        before = counts()
        data, problems = interchange.load(json.dumps(variant((("pillars", 1, "key"), "value"))))
        assert (data, problems) == (None, ['pillars[1].key: duplicate "value"'])
        assert counts() == before
