"""stories.compiled: SQL compiled once gives the rows the ORM gives, on every run."""

from datetime import UTC, datetime

import pytest
from django.db.models import CharField, F, Value

from stories.compiled import Compiled, Shape, fields, instance
from stories.models import Conversation, Story
from teams.models import User
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(cast):
    return make_published(by=cast.manager)


def _union():
    """Two kinds of entry in one UNION, with a date, a NULL-able score and a constant."""
    stories = (
        Story.objects.annotate(
            kind=Value("story", output_field=CharField()), when=F("updated_at"), label=F("title")
        )
        .order_by()
        .values("kind", "pk", "score", "when", "label")
    )
    conversations = (
        Conversation.objects.annotate(
            kind=Value("conversation", output_field=CharField()),
            when=F("occurred_at"),
            label=F("summary"),
        )
        .order_by()
        .values("kind", "pk", "score", "when", "label")
    )
    return stories.union(conversations, all=True).order_by("kind", "pk")


def test_the_rows_are_the_orms(cast, version):
    make_story(author=cast.marketer, version=version, title="Roof tale")
    make_conversation(
        rep=cast.rep,
        client=make_client(cast.rep, "Northgate Cold Store"),
        version=version,
        summary="At the cold store.",
        when=datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    )
    compiled = Compiled(_union())
    rows = compiled.rows()
    assert rows == list(_union())
    assert {row["kind"] for row in rows} == {"story", "conversation"}
    # Dates come back as aware datetimes on both databases (SQLite's need converting).
    assert all(isinstance(row["when"], datetime) and row["when"].tzinfo for row in rows)


def test_each_run_reads_the_data_as_it_is_then(cast, version):
    compiled = Compiled(_union())
    assert compiled.rows() == []
    story = make_story(author=cast.marketer, version=version, title="Roof tale")
    assert [(row["kind"], row["pk"]) for row in compiled.rows()] == [("story", story.pk)]


def test_a_queryset_of_models_is_refused():
    with pytest.raises(ValueError, match="values"):
        Compiled(Story.objects.all())


def test_a_slot_takes_a_value_on_each_run(cast, version):
    north = make_client(cast.rep, "Northgate Cold Store")
    south = make_client(cast.other_rep, "Southmoor Dairy")
    talks = {
        client: make_conversation(rep=client.owner, client=client, version=version)
        for client in (north, south)
    }
    compiled = Compiled(Conversation.objects.filter(client_id=-1).values("pk"), client=-1)
    assert compiled.rows(client=north.pk) == [{"pk": talks[north].pk}]
    assert compiled.rows(client=south.pk) == [{"pk": talks[south].pk}]
    with pytest.raises(KeyError):
        compiled.rows()


def test_a_placeholder_missing_from_the_query_is_refused():
    with pytest.raises(ValueError, match="client"):
        Compiled(Conversation.objects.values("pk"), client=-1)


def test_an_instance_is_the_one_the_orm_makes(cast, version):
    story = make_story(author=cast.marketer, version=version, title="Roof tale")
    columns = [*fields(Story), *fields(User, "author__")]
    compiled = Compiled(Story.objects.filter(pk=-1).values(*columns), story=-1)
    [row] = compiled.rows(story=story.pk)
    made = instance(Story, row)
    author = instance(User, row, "author__")
    fresh = Story.objects.get(pk=story.pk)
    for field in Story._meta.concrete_fields:
        assert getattr(made, field.attname) == getattr(fresh, field.attname), field.name
    assert not made._state.adding
    assert made._state.db == "default"
    assert (author.pk, author.username, author.is_active) == (
        cast.marketer.pk,
        cast.marketer.username,
        True,
    )


def test_a_shape_makes_the_entry_with_its_related_objects(cast, version):
    story = make_story(author=cast.marketer, version=version, title="Roof tale")
    shape = Shape(Story, {"author": User}, extra=["shout"])
    stories = Story.objects.filter(pk=-1).annotate(shout=F("title")).values(*shape.columns)
    compiled = Compiled(stories, story=-1)
    made = shape.read(compiled, story=story.pk)
    assert (made.pk, made.title, made.shout) == (story.pk, "Roof tale", "Roof tale")
    assert shape.read(compiled, story=story.pk + 1) is None
    assert Story.author.is_cached(made)  # no query to come for it
    assert made.author.username == cast.marketer.username
