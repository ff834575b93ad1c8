"""The plumb line's pages: reading, drafting, publishing, comparing, checking."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plumbline.diff import list_diff
from plumbline.models import Guardrail, Pillar, PlumbLineVersion
from tests.plumbline.factories import make_draft, make_published

pytestmark = pytest.mark.django_db


class TestCurrent:
    def test_it_works(self, client_for, cast, version):
        content = client_for(cast.rep).get("/plumb-line/").content.decode()
        assert version.statement in content
        assert "Value over the whole life" in content
        assert "total cost of ownership" in content
        assert "affordable over its life" in content

    def test_empty_state(self, client_for, cast):
        content = client_for(cast.manager).get("/plumb-line/").content.decode()
        assert "No plumb line has been published yet." in content
        assert "Start the first draft" in content

    def test_only_editors_see_the_draft_button(self, client_for, cast, version):
        assert "Start a new draft" in client_for(cast.manager).get("/plumb-line/").content.decode()
        assert "Start a new draft" not in client_for(cast.rep).get("/plumb-line/").content.decode()

    def test_query_count(self, client_for, cast, version, django_assert_max_num_queries):
        client = client_for(cast.rep)
        with django_assert_max_num_queries(8):
            client.get("/plumb-line/")


class TestVersionDetail:
    def test_bad_id_gets_404(self, client_for, cast, version):
        response = client_for(cast.rep).get("/plumb-line/versions/999/")
        assert response.status_code == 404
        assert version.statement not in response.content.decode()

    def test_draft_is_hidden_from_readers(self, client_for, cast, version):
        draft = make_draft(by=cast.manager, statement="A drafted statement.")
        response = client_for(cast.rep).get(f"/plumb-line/versions/{draft.number}/")
        assert response.status_code == 404
        assert "A drafted statement." not in response.content.decode()
        response = client_for(cast.manager).get(f"/plumb-line/versions/{draft.number}/")
        assert response.status_code == 302
        assert response["Location"] == "/plumb-line/draft/"

    def test_read_only_gets_403_on_the_draft(self, client_for, cast, version):
        make_draft(by=cast.manager, statement="A drafted statement.")
        response = client_for(cast.sales_lead).get("/plumb-line/draft/")
        assert response.status_code == 403
        assert "A drafted statement." not in response.content.decode()


class TestDrafting:
    def test_start_edit_and_publish(self, client_for, cast, version):
        client = client_for(cast.manager)
        assert client.post("/plumb-line/draft/start/").status_code == 302
        draft = PlumbLineVersion.objects.draft()

        response = client.post(
            "/plumb-line/draft/statement/",
            {"statement": "Clean power, looked after.", "notes": "Shorter.", "revision": 1},
        )
        assert response.status_code == 302
        response = client.post(
            "/plumb-line/draft/pillars/new/",
            {
                "key": "measured-results",
                "title": "Results you can measure",
                "message": "Savings are shown, not promised.",
                "key_phrases": "live monitoring\nmonthly report\nlive monitoring",
                "proof_points": "",
                "revision": 2,
            },
        )
        assert response.status_code == 302
        pillar = Pillar.objects.get(version=draft, key="measured-results")
        assert pillar.key_phrases == ["live monitoring", "monthly report"]

        response = client.get("/plumb-line/draft/publish/")
        content = response.content.decode()
        assert "Publish version 2?" in content
        assert "Results you can measure" in content  # shown as added
        assert "<ins>" in content

        response = client.post("/plumb-line/draft/publish/", {"revision": 3})
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.is_current and draft.published_by == cast.manager

    def test_concurrent_edit_keeps_both_and_warns(self, client_for, cast, version):
        client = client_for(cast.manager)
        draft = make_draft(by=cast.manager)
        opened = draft.revision
        client.post(
            "/plumb-line/draft/statement/",
            {"statement": "Mine first", "notes": "", "revision": opened},
        )
        response = client.post(
            "/plumb-line/draft/statement/",
            {"statement": "Theirs second", "notes": "", "revision": opened},
        )
        content = response.content.decode()
        assert response.status_code == 200
        assert "Someone else changed the draft" in content
        assert "Theirs second" in content  # their input is still in the form
        draft.refresh_from_db()
        assert draft.statement == "Mine first"

    @pytest.mark.parametrize(
        ("kind", "data", "error"),
        [
            pytest.param(
                "pillars",
                {"key": "lifetime-value", "title": "Again", "message": "x", "key_phrases": "x"},
                "Another pillar of this draft already has this key.",
                id="a duplicate pillar key",
            ),
            pytest.param(
                "guardrails",
                {"phrase": "steal", "preferred": "x", "severity": "apocalyptic"},
                "Select a valid choice",
                id="a tampered severity",
            ),
        ],
    )
    def test_a_bad_part_is_a_form_error(self, client_for, cast, version, kind, data, error):
        draft = make_draft(by=cast.manager)
        before = (draft.pillars.count(), draft.guardrails.count())
        response = client_for(cast.manager).post(
            f"/plumb-line/draft/{kind}/new/", {**data, "revision": draft.revision}
        )
        assert response.status_code == 200
        assert error in response.content.decode()
        assert (draft.pillars.count(), draft.guardrails.count()) == before

    def test_a_phrase_is_measured_as_the_dashboard_stores_it_case_folded(
        self, client_for, cast, version
    ):
        # "ß" folds to "ss": 61 of them are 122 characters in the dashboard's summaries.
        draft = make_draft(by=cast.manager)
        client = client_for(cast.manager)
        post = {"preferred": "x", "severity": "warning", "revision": draft.revision}
        response = client.post("/plumb-line/draft/guardrails/new/", {**post, "phrase": "ß" * 61})
        assert response.status_code == 200
        assert "at most 120 characters" in response.content.decode()
        assert "(it has 122)" in response.content.decode()
        assert not Guardrail.objects.filter(version=draft, phrase__startswith="ß").exists()

        response = client.post("/plumb-line/draft/guardrails/new/", {**post, "phrase": "ß" * 60})
        assert response.status_code == 302
        assert Guardrail.objects.get(version=draft, phrase__startswith="ß").phrase == "ß" * 60

    def test_tampered_revision_is_a_form_error(self, client_for, cast, version):
        make_draft(by=cast.manager)
        response = client_for(cast.manager).post(
            "/plumb-line/draft/statement/", {"statement": "x", "revision": "abc"}
        )
        assert response.status_code == 200
        assert PlumbLineVersion.objects.draft().statement != "x"

    def test_move_and_delete(self, client_for, cast, version):
        client = client_for(cast.manager)
        draft = make_draft(by=cast.manager)
        first, second = draft.pillars.all()
        client.post(
            f"/plumb-line/draft/pillars/{first.pk}/move/",
            {"direction": "down", "revision": draft.revision},
        )
        assert [p.key for p in draft.pillars.all()] == [second.key, first.key]
        assert (
            "Remove the pillar"
            in client.get(f"/plumb-line/draft/pillars/{first.pk}/delete/").content.decode()
        )
        client.post(
            f"/plumb-line/draft/pillars/{first.pk}/delete/", {"revision": draft.revision + 1}
        )
        assert list(draft.pillars.all()) == [second]

    def test_move_with_a_tampered_direction_gets_400(self, client_for, cast, version):
        draft = make_draft(by=cast.manager)
        pillar = draft.pillars.first()
        response = client_for(cast.manager).post(
            f"/plumb-line/draft/pillars/{pillar.pk}/move/",
            {"direction": "sideways", "revision": draft.revision},
        )
        assert response.status_code == 400
        assert response.content.decode() == "Choose to move up or down."
        assert draft.pillars.first() == pillar
        draft.refresh_from_db()
        assert draft.revision == 1

    def test_parts_of_a_published_version_get_404(self, client_for, cast, version):
        make_draft(by=cast.manager)
        pillar = version.pillars.first()
        client = client_for(cast.manager)
        response = client.get(f"/plumb-line/draft/pillars/{pillar.pk}/")
        assert response.status_code == 404
        assert pillar.title not in response.content.decode()
        assert client.post(f"/plumb-line/draft/pillars/{pillar.pk}/delete/").status_code == 404
        assert version.pillars.filter(pk=pillar.pk).exists()

    def test_unpublishable_draft_shows_what_to_fix(self, client_for, cast, version):
        draft = make_draft(by=cast.manager, pillars=[])
        response = client_for(cast.manager).post(
            "/plumb-line/draft/publish/", {"revision": draft.revision}
        )
        assert "Add at least one pillar." in response.content.decode()
        draft.refresh_from_db()
        assert draft.is_draft

    def test_a_draft_phrase_too_long_once_case_folded_is_not_published(
        self, client_for, cast, version
    ):
        # A draft written before phrases were measured folded can still hold one.
        draft = make_draft(by=cast.manager, guardrails=[("ß" * 61, "x", "warning")])
        response = client_for(cast.manager).post(
            "/plumb-line/draft/publish/", {"revision": draft.revision}
        )
        assert response.status_code == 200
        assert f"Shorten the guardrail “{'ß' * 61}”" in response.content.decode()
        draft.refresh_from_db()
        assert draft.is_draft
        assert PlumbLineVersion.objects.current() == version

    def test_discard(self, client_for, cast, version):
        make_draft(by=cast.manager)
        client = client_for(cast.manager)
        assert "Discard draft version" in client.get("/plumb-line/draft/discard/").content.decode()
        client.post("/plumb-line/draft/discard/")
        assert PlumbLineVersion.objects.draft() is None
        assert PlumbLineVersion.objects.current() == version

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "/plumb-line/draft/"),
            ("get", "/plumb-line/draft/statement/"),
            ("get", "/plumb-line/draft/pillars/new/"),
            ("get", "/plumb-line/draft/pillars/{pillar}/"),
            ("get", "/plumb-line/draft/guardrails/{guardrail}/delete/"),
            ("post", "/plumb-line/draft/pillars/{pillar}/move/"),
            ("get", "/plumb-line/draft/publish/"),
            ("post", "/plumb-line/draft/discard/"),
        ],
    )
    def test_no_draft_redirects_with_a_message(self, client_for, cast, version, method, path):
        path = path.format(
            pillar=version.pillars.first().pk, guardrail=version.guardrails.first().pk
        )
        response = getattr(client_for(cast.manager), method)(path, follow=True)
        assert response.redirect_chain == [("/plumb-line/", 302)]
        assert "There is no draft at the moment." in response.content.decode()
        assert PlumbLineVersion.objects.current() == version
        assert not PlumbLineVersion.objects.filter(state="draft").exists()

    def test_readers_get_403_before_any_word_about_the_draft(self, client_for, cast, version):
        response = client_for(cast.rep).get("/plumb-line/draft/statement/")
        assert response.status_code == 403
        assert "There is no draft" not in response.content.decode()

    def test_it_requires_post(self, client_for, cast, version):
        assert client_for(cast.manager).get("/plumb-line/draft/start/").status_code == 405
        assert PlumbLineVersion.objects.draft() is None


class TestHistoryAndCompare:
    def test_history_lists_published_versions_newest_first(self, client_for, cast, version):
        newer = make_published(by=cast.manager, statement="Newer statement.")
        content = client_for(cast.rep).get("/plumb-line/history/").content.decode()
        assert content.index(f"Version {newer.number}<") < content.index(
            f"Version {version.number}<"
        )

    def test_compare_shows_the_changes(self, client_for, cast, version):
        newer = make_published(
            by=cast.manager,
            statement="We keep businesses running on clean, local power.",
            pillars=[("lifetime-value", "Value for life", ["total cost of ownership"])],
            guardrails=[
                ("discount", "added value", "warning"),
                ("bargain", "good value", "suggestion"),
            ],
        )
        content = (
            client_for(cast.rep)
            .get(f"/plumb-line/compare/?old={version.number}&new={newer.number}")
            .content.decode()
        )
        assert "<ins>" in content and "local" in content
        assert "Removed</span> Local people who stay" in content
        assert "Value over the whole life</del> → <ins>Value for life</ins>" in content
        assert "Added</span> avoid “bargain”" in content

    def test_a_phrase_list_is_compared_phrase_by_phrase(self, client_for, cast, version):
        newer = make_published(
            by=cast.manager,
            pillars=[
                ("lifetime-value", "Value over the whole life", ["total cost of ownership"]),
                ("local-experts", "Local people who stay", ["service visit", "local team"]),
            ],
        )
        content = (
            client_for(cast.rep)
            .get(f"/plumb-line/compare/?old={version.number}&new={newer.number}")
            .content.decode()
        )
        lifetime = content[content.index("<code>lifetime-value</code>") :]
        lifetime = lifetime[: lifetime.index("</li></ul>")]
        assert "<li>total cost of ownership</li>" in lifetime  # unchanged, shown plainly
        assert '<li><del><span class="visually-hidden">Removed: </span>lifetime savings' in (
            lifetime
        )
        assert "<del>total cost of ownership" not in lifetime
        local = content[content.index("<code>local-experts</code>") :]
        local = local[: local.index("</li></ul>")]
        assert '<li><del><span class="visually-hidden">Removed: </span>local engineer' in local
        assert "<li>service visit</li>" in local
        assert '<li><ins><span class="visually-hidden">Added: </span>local team' in local

    def test_a_moved_phrase_is_unchanged(self):
        assert list_diff(["a", "b", "c"], ["c", "a", "d"]) == [
            ("equal", "c"),
            ("equal", "a"),
            ("delete", "b"),
            ("insert", "d"),
        ]

    def test_readers_cannot_compare_with_the_draft(self, client_for, cast, version):
        draft = make_draft(by=cast.manager)
        response = client_for(cast.rep).get(
            f"/plumb-line/compare/?old={version.number}&new={draft.number}", follow=True
        )
        assert response.redirect_chain[-1][1] == 302
        assert "Choose two versions from the lists to compare." in response.content.decode()

    def test_tampered_compare_redirects_with_a_message(self, client_for, cast, version):
        response = client_for(cast.rep).get("/plumb-line/compare/?old=x&new=1", follow=True)
        assert "Choose two versions from the lists to compare." in response.content.decode()


class TestExportImport:
    def test_export_downloads_json(self, client_for, cast, version):
        response = client_for(cast.manager).get(
            f"/plumb-line/versions/{version.number}/export.json"
        )
        assert response["Content-Disposition"].startswith("attachment;")
        data = json.loads(response.content)
        assert data["statement"] == version.statement
        assert [p["key"] for p in data["pillars"]] == ["lifetime-value", "local-experts"]

    def test_read_only_gets_403(self, client_for, cast, version):
        response = client_for(cast.rep).get(f"/plumb-line/versions/{version.number}/export.json")
        assert response.status_code == 403
        assert not response.has_header("Content-Disposition")
        assert version.statement not in response.content.decode()

    def test_import_creates_a_draft(self, client_for, cast, version):
        exported = (
            client_for(cast.manager)
            .get(f"/plumb-line/versions/{version.number}/export.json")
            .content
        )
        response = client_for(cast.manager).post(
            "/plumb-line/import/", {"file": SimpleUploadedFile("v.json", exported)}
        )
        assert response.status_code == 302
        assert PlumbLineVersion.objects.draft().pillars.count() == 2

    def test_invalid_import_lists_every_problem_and_changes_nothing(
        self, client_for, cast, version
    ):
        bad = json.dumps({"statement": "", "pillars": [{"key": "Not A Slug"}], "extra": 1})
        before = PlumbLineVersion.objects.count()
        response = client_for(cast.manager).post(
            "/plumb-line/import/", {"file": SimpleUploadedFile("bad.json", bad.encode())}
        )
        content = response.content.decode()
        assert "Nothing was imported." in content
        assert "statement:" in content and "pillars[0].key:" in content
        assert PlumbLineVersion.objects.count() == before


class TestCheck:
    def test_live_check_returns_the_report(self, client_for, cast, version):
        response = client_for(cast.rep).post(
            "/plumb-line/check/",
            {"text": "A big discount today.", "pillars": ["lifetime-value"]},
            headers={"HX-Request": "true"},
        )
        content = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in content
        assert "added value" in content
        assert "lifetime-value" in content  # tagged but not told
        assert '<mark class="mark-guardrail"' in content

    def test_the_page_checks_without_javascript(self, client_for, cast, version):
        response = client_for(cast.rep).post(
            "/plumb-line/check/", {"text": "Our local engineer visits."}
        )
        content = response.content.decode()
        assert "<html" in content and "local-experts" in content

    def test_text_is_escaped_in_the_report(self, client_for, cast, version):
        response = client_for(cast.rep).post(
            "/plumb-line/check/",
            {"text": "<script>alert(1)</script> discount"},
            headers={"HX-Request": "true"},
        )
        content = response.content.decode()
        assert "<script>alert(1)" not in content
        assert "&lt;script&gt;" in content

    def test_tampered_pillar_gets_400(self, client_for, cast, version):
        response = client_for(cast.rep).post(
            "/plumb-line/check/", {"text": "x", "pillars": ["no-such-pillar"]}
        )
        assert response.status_code == 400
        assert "Score </span>" not in response.content.decode()  # no check report

    def test_no_plumb_line_yet_gets_404(self, client_for, cast):
        response = client_for(cast.rep).get("/plumb-line/check/")
        assert response.status_code == 404
        assert "<textarea" not in response.content.decode()

    def test_it_needs_the_csrf_token(self, cast, version):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(cast.rep)
        response = client.post("/plumb-line/check/", {"text": "x"})
        assert response.status_code == 403
        assert "sent without the security check" in response.content.decode()

    def test_score_help_page(self, client_for, cast, version):
        content = client_for(cast.marketer).get("/plumb-line/how-the-score-works/").content.decode()
        assert "How the score works" in content
