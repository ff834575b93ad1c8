"""The management commands export_plumbline, import_plumbline and check_text."""

import copy
import io
import json
import sys

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connections

from plumbline import interchange, services
from plumbline.consistency import check
from plumbline.models import Guardrail, Pillar, PlumbLineVersion
from teams.models import User

pytestmark = pytest.mark.django_db

DOCUMENT = {
    "statement": "Clean power for businesses — looked after by the same local team.",
    "notes": "",
    "pillars": [
        {
            "key": "lifetime-value",
            "title": "Value over the whole life",
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
        {
            "key": "measured-results",
            "title": "Results you can measure",
            "message": "Shown, not promised.",
            "key_phrases": ["live monitoring"],
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
        {"phrase": "cheap", "preferred": "affordable", "reason": "", "severity": "suggestion"},
    ],
}

TEXT = "No discount here.\nLifetime savings and payback, from a local engineer."


def publish(by, **changes) -> PlumbLineVersion:
    return interchange.import_version({**copy.deepcopy(DOCUMENT), **changes}, by=by, publish=True)


def counts() -> tuple[int, int, int]:
    return PlumbLineVersion.objects.count(), Pillar.objects.count(), Guardrail.objects.count()


def run(*args, **options) -> tuple[str, str]:
    """Run a command; (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def write_json(path, data) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


# --- export_plumbline ----------------------------------------------------------------------


class TestExport:
    def test_writes_the_current_version_to_stdout(self, cast):
        publish(cast.manager, statement="First.")
        current = publish(cast.manager)
        out, _ = run("export_plumbline")
        assert json.loads(out) == interchange.export_version(current)
        assert (
            out
            == json.dumps(interchange.export_version(current), indent=2, ensure_ascii=False) + "\n"
        )
        assert "— looked after" in out  # not escaped as \u2014

    def test_writes_a_chosen_version(self, cast):
        first = publish(cast.manager, statement="First.")
        publish(cast.manager)
        out, _ = run("export_plumbline", "--version", str(first.number))
        assert json.loads(out)["statement"] == "First."
        out, _ = run("export_plumbline", version=first.number)
        assert json.loads(out)["version"] == first.number

    def test_writes_to_a_file(self, cast, tmp_path):
        version = publish(cast.manager)
        target = tmp_path / "plumbline.json"
        out, _ = run("export_plumbline", str(target))
        assert out == f"Exported version {version.number} to {target}\n"
        written = target.read_text(encoding="utf-8")
        assert written.endswith("}\n")
        assert json.loads(written) == interchange.export_version(version)

    def test_an_unknown_version_is_an_error(self, cast):
        publish(cast.manager)
        with pytest.raises(CommandError) as error:
            run("export_plumbline", "--version", "9")
        assert str(error.value) == "There is no plumb-line version 9 (versions: 1)."
        assert error.value.returncode == 1

    def test_without_any_version_it_says_so(self, cast):
        with pytest.raises(CommandError) as error:
            run("export_plumbline")
        assert "There is no current plumb-line version yet" in str(error.value)


# --- import_plumbline ----------------------------------------------------------------------


class TestImport:
    def test_imports_a_draft_by_the_first_superuser(self, cast, tmp_path):
        publish(cast.manager)
        out, _ = run("import_plumbline", write_json(tmp_path / "in.json", DOCUMENT))
        assert out == "Imported as draft version 2\n"
        draft = PlumbLineVersion.objects.draft()
        assert draft.number == 2
        assert draft.created_by == cast.admin
        assert [p.key for p in draft.pillars.all()] == [p["key"] for p in DOCUMENT["pillars"]]
        assert PlumbLineVersion.objects.current().number == 1

    def test_publish_makes_it_current(self, cast, tmp_path):
        publish(cast.manager)
        out, _ = run(
            "import_plumbline",
            write_json(tmp_path / "in.json", DOCUMENT),
            "--publish",
            "--by",
            "manager",
        )
        assert out == "Published version 2\n"
        current = PlumbLineVersion.objects.current()
        assert current.number == 2
        assert current.published_by == cast.manager
        assert current.created_by == cast.manager
        assert PlumbLineVersion.objects.draft() is None

    def test_round_trip_through_files(self, cast, tmp_path):
        original = publish(cast.manager)
        target = tmp_path / "export.json"
        run("export_plumbline", str(target))
        run("import_plumbline", str(target))
        imported = PlumbLineVersion.objects.draft()
        assert interchange.export_version(imported)["pillars"] == DOCUMENT["pillars"]
        assert (
            interchange.export_version(imported)["guardrails"]
            == interchange.export_version(original)["guardrails"]
        )

    def test_invalid_input_prints_every_problem_and_changes_nothing(self, cast, tmp_path):
        publish(cast.manager)
        data = copy.deepcopy(DOCUMENT)
        del data["statement"]
        data["pillars"][1]["key"] = "lifetime-value"
        data["guardrails"][0]["severity"] = "fatal"
        before = counts()
        err = io.StringIO()
        with pytest.raises(CommandError) as error:
            call_command(
                "import_plumbline",
                write_json(tmp_path / "bad.json", data),
                "--publish",
                stdout=io.StringIO(),
                stderr=err,
            )
        assert error.value.returncode == 1
        assert "Nothing was imported" in str(error.value)
        assert "3 problems" in str(error.value)
        assert sorted(err.getvalue().splitlines()) == [
            "guardrails[0].severity: must be one of suggestion, warning, error",
            'pillars[1].key: duplicate "lifetime-value"',
            "statement: required",
        ]
        assert counts() == before

    def test_invalid_json_is_reported(self, cast, tmp_path):
        source = tmp_path / "broken.json"
        source.write_text('{"statement": }', encoding="utf-8")
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("import_plumbline", str(source), stdout=io.StringIO(), stderr=err)
        assert err.getvalue() == "(root): not valid JSON: Expecting value (line 1, column 15)\n"
        assert counts() == (0, 0, 0)

    def test_refuses_when_a_draft_exists(self, cast, tmp_path):
        publish(cast.manager)
        draft = services.draft_start(by=cast.manager)
        before = counts()
        with pytest.raises(CommandError) as error:
            run("import_plumbline", write_json(tmp_path / "in.json", DOCUMENT), "--publish")
        assert f"Draft version {draft.number} is in progress" in str(error.value)
        assert counts() == before
        assert PlumbLineVersion.objects.current().number == 1

    def test_a_missing_file_is_an_error(self, cast, tmp_path):
        with pytest.raises(CommandError, match=r"Cannot read .*missing\.json"):
            run("import_plumbline", str(tmp_path / "missing.json"))

    def test_an_unknown_author_is_an_error(self, cast, tmp_path):
        with pytest.raises(CommandError, match='There is no user "nobody"'):
            run("import_plumbline", write_json(tmp_path / "in.json", DOCUMENT), by="nobody")
        assert counts() == (0, 0, 0)

    def test_the_author_must_be_allowed_to_edit_the_plumb_line(self, cast, tmp_path):
        with pytest.raises(CommandError, match='"rep" may not edit the plumb line'):
            run("import_plumbline", write_json(tmp_path / "in.json", DOCUMENT), by="rep")
        assert counts() == (0, 0, 0)

    def test_without_an_active_superuser_it_asks_for_one(self, cast, tmp_path):
        User.objects.filter(is_superuser=True).update(is_active=False)
        with pytest.raises(CommandError, match=r"no active superuser.*--by USERNAME"):
            run("import_plumbline", write_json(tmp_path / "in.json", DOCUMENT))
        assert counts() == (0, 0, 0)


# --- check_text ----------------------------------------------------------------------------


class TestCheckText:
    def test_json_is_exactly_the_report(self, cast, tmp_path):
        version = publish(cast.manager)
        source = tmp_path / "text.txt"
        source.write_text(TEXT, encoding="utf-8")
        out, _ = run("check_text", "--json", "--pillar", "measured-results", str(source))
        report = json.loads(out)
        assert report == check(TEXT, version.spec(), ["measured-results"]).to_dict()
        assert set(report) == {"version", "score", "band", "guardrail_hits", "pillars"}
        assert report["version"] == version.number
        assert isinstance(report["score"], int)
        assert report["band"] in {"on_message", "needs_attention", "off_message"}
        (hit,) = report["guardrail_hits"]
        assert {"phrase", "match", "start", "end", "preferred", "severity"} <= set(hit)
        assert (hit["phrase"], hit["match"], hit["preferred"], hit["severity"]) == (
            "discount",
            "discount",
            "added value",
            "error",
        )
        assert TEXT[hit["start"] : hit["end"]] == "discount"
        assert set(report["pillars"]) == {"evidence", "told_not_tagged", "tagged_not_told"}
        assert list(report["pillars"]["evidence"]) == ["lifetime-value", "local-experts"]
        assert report["pillars"]["told_not_tagged"] == ["lifetime-value", "local-experts"]
        assert report["pillars"]["tagged_not_told"] == ["measured-results"]

    def test_reads_stdin(self, cast, monkeypatch):
        version = publish(cast.manager)
        monkeypatch.setattr(sys, "stdin", io.StringIO(TEXT))
        out, _ = run("check_text", json=True, pillars=["lifetime-value"])
        assert json.loads(out) == check(TEXT, version.spec(), ["lifetime-value"]).to_dict()

    def test_a_dash_means_stdin(self, cast, monkeypatch):
        publish(cast.manager)
        monkeypatch.setattr(sys, "stdin", io.StringIO("Ask for a discount."))
        out, _ = run("check_text", "--json", "-")
        assert json.loads(out)["guardrail_hits"][0]["match"] == "discount"

    def test_human_readable_report(self, cast, monkeypatch):
        version = publish(cast.manager)
        monkeypatch.setattr(sys, "stdin", io.StringIO(TEXT))
        out, _ = run("check_text", "--pillar", "lifetime-value", "--pillar", "measured-results")
        report = check(TEXT, version.spec(), ["lifetime-value", "measured-results"])
        lines = out.splitlines()
        assert lines[0] == (
            f"Checked against version {version.number}: "
            f"score {report.score}, {report.band.replace('_', ' ')}."
        )
        assert (
            '  error: "discount" at line 1, column 4 — say "added value" instead. '
            "We sell value." in lines
        )
        assert "  lifetime-value (Value over the whole life):" in lines
        assert '    "Lifetime savings" at line 2, column 1 (key phrase "lifetime savings")' in lines
        assert "Told but not tagged: local-experts (Local people who stay)" in lines
        assert "Tagged but not told: measured-results (Results you can measure)" in lines

    def test_a_clean_text_says_none(self, cast, monkeypatch):
        publish(cast.manager)
        monkeypatch.setattr(sys, "stdin", io.StringIO("Nothing to see."))
        out, _ = run("check_text")
        assert "Guardrail hits: none." in out
        assert "Evidence by pillar: none." in out
        assert "Told but not tagged: none." in out

    def test_checks_against_a_chosen_version(self, cast, tmp_path):
        publish(cast.manager)
        draft = interchange.import_version(
            {**copy.deepcopy(DOCUMENT), "guardrails": []}, by=cast.manager
        )
        source = tmp_path / "text.txt"
        source.write_text(TEXT, encoding="utf-8")
        out, _ = run("check_text", "--json", "--version", str(draft.number), str(source))
        assert json.loads(out)["version"] == draft.number
        assert json.loads(out)["guardrail_hits"] == []

    def test_an_unknown_pillar_key_exits_2(self, cast, tmp_path):
        publish(cast.manager)
        with pytest.raises(CommandError) as error:
            run("check_text", "--pillar", "lifetime-value", "--pillar", "nope", "-")
        assert error.value.returncode == 2
        assert 'has no pillar "nope"' in str(error.value)
        assert "lifetime-value, local-experts, measured-results" in str(error.value)

    def test_an_unknown_version_exits_2(self, cast):
        publish(cast.manager)
        with pytest.raises(CommandError) as error:
            run("check_text", "--version", "7", "-")
        assert error.value.returncode == 2
        assert "There is no plumb-line version 7" in str(error.value)

    def test_no_current_version_exits_2(self, cast):
        interchange.import_version(copy.deepcopy(DOCUMENT), by=cast.manager)  # only a draft
        with pytest.raises(CommandError) as error:
            run("check_text", "-")
        assert error.value.returncode == 2
        assert "There is no current plumb-line version yet" in str(error.value)

    def test_an_unreadable_file_exits_2(self, cast, tmp_path):
        publish(cast.manager)
        with pytest.raises(CommandError) as error:
            run("check_text", str(tmp_path / "missing.txt"))
        assert error.value.returncode == 2
        binary = tmp_path / "binary.txt"
        binary.write_bytes(b"\xff\xfe\x00")
        with pytest.raises(CommandError) as error:
            run("check_text", str(binary))
        assert error.value.returncode == 2
        assert "not UTF-8 text" in str(error.value)

    def test_from_the_command_line_the_process_exits_2(self, cast, monkeypatch, capsys):
        publish(cast.manager)
        # run_from_argv closes every connection when it ends; the test database must stay.
        monkeypatch.setattr(connections, "close_all", lambda: None)
        command = load_command_class("plumbline", "check_text")
        with pytest.raises(SystemExit) as exit_info:
            command.run_from_argv(["manage.py", "check_text", "--skip-checks", "--pillar", "x"])
        assert exit_info.value.code == 2
        assert 'has no pillar "x"' in capsys.readouterr().err
