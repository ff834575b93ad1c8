"""Versions, drafts and publishing: the model, the database and the services."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from plumbline import services
from plumbline.models import FrozenVersionError, Guardrail, Pillar, PlumbLineVersion
from tests.plumbline.factories import make_draft, make_published

pytestmark = pytest.mark.django_db


class TestPublishing:
    def test_it_works(self, cast):
        draft = make_draft(by=cast.manager)
        published = services.draft_publish(
            draft=draft, by=cast.manager, expected_revision=draft.revision
        )
        assert published.state == "published"
        assert published.is_current
        assert published.published_by == cast.manager
        assert published.published_at is not None

    def test_the_new_version_replaces_the_current_one(self, cast):
        first = make_published(by=cast.manager)
        second = make_published(by=cast.manager, statement="Something new.")
        first.refresh_from_db()
        assert not first.is_current
        assert second.is_current
        assert PlumbLineVersion.objects.current() == second
        assert second.number == first.number + 1

    def test_a_draft_starts_as_a_copy_of_the_current_version(self, cast):
        current = make_published(by=cast.manager)
        draft = services.draft_start(by=cast.manager)
        assert draft.statement == current.statement
        assert [p.key for p in draft.pillars.all()] == [p.key for p in current.pillars.all()]
        assert draft.guardrails.count() == current.guardrails.count()

    def test_starting_twice_gives_the_same_draft(self, cast):
        assert services.draft_start(by=cast.manager) == services.draft_start(by=cast.manager)

    def test_unpublishable_draft_is_refused(self, cast):
        draft = make_draft(by=cast.manager, statement="  ", pillars=[("empty", "Empty", [])])
        with pytest.raises(services.NotPublishableError) as error:
            services.draft_publish(draft=draft, by=cast.manager, expected_revision=draft.revision)
        assert "Write the statement: the business of the business." in error.value.problems
        assert "Give the pillar “Empty” at least one key phrase." in error.value.problems
        draft.refresh_from_db()
        assert draft.is_draft

    def test_stale_revision_is_refused(self, cast):
        draft = make_draft(by=cast.manager)
        services.draft_update(
            draft=draft, statement="Changed", notes="", expected_revision=draft.revision
        )
        with pytest.raises(services.StaleDraftError):
            services.draft_publish(draft=draft, by=cast.manager, expected_revision=1)


class TestConcurrentEdits:
    def test_second_editor_is_told_instead_of_overwriting(self, cast):
        draft = make_draft(by=cast.manager)
        opened_at = draft.revision
        services.draft_update(draft=draft, statement="First", notes="", expected_revision=opened_at)
        with pytest.raises(services.StaleDraftError):
            services.draft_update(
                draft=draft, statement="Second", notes="", expected_revision=opened_at
            )
        draft.refresh_from_db()
        assert draft.statement == "First"


class TestFrozenInTheModel:
    def test_a_published_version_cannot_be_saved(self, cast):
        version = make_published(by=cast.manager)
        version.statement = "Rewritten history"
        with pytest.raises(FrozenVersionError):
            version.save()
        version.refresh_from_db()
        assert version.statement != "Rewritten history"

    def test_its_pillars_and_guardrails_cannot_change(self, cast):
        version = make_published(by=cast.manager)
        pillar = version.pillars.first()
        pillar.title = "Changed"
        with pytest.raises(FrozenVersionError):
            pillar.save()
        with pytest.raises(FrozenVersionError):
            version.guardrails.first().delete()
        with pytest.raises(FrozenVersionError):
            Pillar(version=version, key="new", title="New", message="x", key_phrases=["x"]).save()

    def test_it_cannot_be_deleted(self, cast):
        version = make_published(by=cast.manager)
        with pytest.raises(FrozenVersionError):
            version.delete()


class TestFrozenInTheDatabase:
    """Bulk updates skip the model; the database triggers still refuse."""

    def test_statement_update_is_refused(self, cast):
        version = make_published(by=cast.manager)
        with pytest.raises(DatabaseError), transaction.atomic():
            PlumbLineVersion.objects.filter(pk=version.pk).update(statement="Rewritten")
        version.refresh_from_db()
        assert version.statement != "Rewritten"

    def test_pillar_update_and_insert_are_refused(self, cast):
        version = make_published(by=cast.manager)
        with pytest.raises(DatabaseError), transaction.atomic():
            Pillar.objects.filter(version=version).update(title="Rewritten")
        with pytest.raises(DatabaseError), transaction.atomic():
            Guardrail.objects.bulk_create(
                [Guardrail(version=version, phrase="sneaky", preferred="x")]
            )
        assert not Pillar.objects.filter(title="Rewritten").exists()

    @pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite keeps deletes open: Django's test flush empties tables with DELETE",
    )
    def test_delete_is_refused_on_postgresql(self, cast):
        version = make_published(by=cast.manager)
        with pytest.raises(DatabaseError), transaction.atomic():
            Pillar.objects.filter(version=version).delete()
        with pytest.raises(DatabaseError), transaction.atomic():
            PlumbLineVersion.objects.filter(pk=version.pk).delete()

    def test_becoming_not_current_is_allowed(self, cast):
        version = make_published(by=cast.manager)
        PlumbLineVersion.objects.filter(pk=version.pk).update(is_current=False)
        version.refresh_from_db()
        assert not version.is_current


class TestConstraints:
    def test_at_most_one_draft(self, cast):
        make_draft(by=cast.manager)
        with pytest.raises(IntegrityError), transaction.atomic():
            PlumbLineVersion.objects.bulk_create([PlumbLineVersion(number=99, statement="x")])

    def test_at_most_one_current(self, cast):
        make_published(by=cast.manager)
        draft = make_draft(by=cast.manager)
        with pytest.raises(IntegrityError), transaction.atomic():
            PlumbLineVersion.objects.filter(pk=draft.pk).update(
                state="published",
                is_current=True,
                published_at="2026-01-01T00:00:00Z",
                published_by=cast.manager,
            )

    def test_a_draft_cannot_be_current(self, cast):
        draft = make_draft(by=cast.manager)
        with pytest.raises(IntegrityError), transaction.atomic():
            PlumbLineVersion.objects.filter(pk=draft.pk).update(is_current=True)

    def test_pillar_keys_are_unique_within_a_version(self, cast):
        draft = make_draft(by=cast.manager)
        with pytest.raises(IntegrityError), transaction.atomic():
            Pillar.objects.bulk_create(
                [Pillar(version=draft, key="lifetime-value", title="x", message="x")]
            )

    def test_guardrail_phrases_are_unique_ignoring_case(self, cast):
        draft = make_draft(by=cast.manager)
        with pytest.raises(IntegrityError), transaction.atomic():
            Guardrail.objects.bulk_create([Guardrail(version=draft, phrase="DISCOUNT")])
