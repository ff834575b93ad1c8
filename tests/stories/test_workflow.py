"""Stories' services and model: the workflow, revisions, edit locking and the stored check."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from stories import services
from stories.models import Band, IllegalTransition, Story, StoryRevision
from tests.plumbline.factories import make_published
from tests.stories.factories import OFF_MESSAGE_BODY, content_for, make_story

pytestmark = pytest.mark.django_db


def _story(cast, version, status="draft", **kwargs):
    return make_story(author=cast.marketer, version=version, status=status, **kwargs)


class TestAllowedTransitions:
    def test_submit_puts_a_draft_in_review(self, cast, version):
        story = _story(cast, version)
        services.story_submit(story=story)
        story.refresh_from_db()
        assert story.status == Story.Status.IN_REVIEW

    def test_submit_clears_the_last_send_back_comment(self, cast, version):
        story = _story(cast, version, "in_review")
        services.story_send_back(story=story, comment="Say it with value.")
        services.story_submit(story=story)
        story.refresh_from_db()
        assert story.status == Story.Status.IN_REVIEW
        assert story.reviewer_comment == ""

    def test_publish(self, cast, version):
        story = _story(cast, version, "in_review")
        services.story_publish(story=story, by=cast.marketing_lead)
        story.refresh_from_db()
        assert story.status == Story.Status.PUBLISHED
        assert story.published_by == cast.marketing_lead
        assert timezone.now() - story.published_at < timedelta(minutes=1)
        assert story.review_by == timezone.localdate() + timedelta(days=90)
        assert settings.PLUMBLINE_STORY_REVIEW_DAYS == 90
        assert story.low_score_reason == ""

    def test_send_back_keeps_the_comment(self, cast, version):
        story = _story(cast, version, "in_review")
        services.story_send_back(story=story, comment="Lead with the lifetime savings.")
        story.refresh_from_db()
        assert story.status == Story.Status.DRAFT
        assert story.reviewer_comment == "Lead with the lifetime savings."

    @pytest.mark.parametrize("status", ["draft", "in_review", "published"])
    def test_archive(self, cast, version, status):
        story = _story(cast, version, status)
        services.story_archive(story=story)
        story.refresh_from_db()
        assert story.status == Story.Status.ARCHIVED


REFUSALS = [
    (
        "publish",
        "draft",
        "Only a story that is in review can be published; this one is draft.",
    ),
    (
        "publish",
        "published",
        "Only a story that is in review can be published; this one is published.",
    ),
    (
        "submit",
        "published",
        "Only a story that is draft can be submitted for review; this one is published.",
    ),
    (
        "submit",
        "in_review",
        "Only a story that is draft can be submitted for review; this one is in review.",
    ),
    (
        "submit",
        "archived",
        "Only a story that is draft can be submitted for review; this one is archived.",
    ),
    (
        "send_back",
        "draft",
        "Only a story that is in review can be sent back; this one is draft.",
    ),
    (
        "send_back",
        "published",
        "Only a story that is in review can be sent back; this one is published.",
    ),
    (
        "archive",
        "archived",
        "Only a story that is draft or in review or published can be archived; "
        "this one is archived.",
    ),
]


class TestRefusedTransitions:
    @pytest.mark.parametrize(("action", "status", "message"), REFUSALS)
    def test_it_is_refused_with_a_clear_message(self, cast, version, action, status, message):
        story = _story(cast, version, status)
        kwargs = {
            "publish": {"by": cast.marketing_lead},
            "send_back": {"comment": "No."},
        }.get(action, {})
        with pytest.raises(IllegalTransition) as refusal:
            getattr(services, f"story_{action}")(story=story, **kwargs)
        assert str(refusal.value) == message
        story.refresh_from_db()
        assert story.status == status

    @pytest.mark.parametrize("status", ["draft", "published", "archived"])
    def test_the_status_is_checked_before_the_score(self, cast, version, status):
        # An off-message story that is not in review cannot be published with or without
        # a reason; asking for one would send the reviewer down the wrong path.
        story = _story(cast, version, status, body=OFF_MESSAGE_BODY, reason="For contrast.")
        with pytest.raises(IllegalTransition, match="can be published"):
            services.story_publish(story=story, by=cast.marketing_lead)
        story.refresh_from_db()
        assert story.status == status

    def test_illegal_transition_is_the_models_exception(self):
        assert services.IllegalTransition is IllegalTransition


class TestLowScore:
    def test_publishing_below_60_needs_a_reason(self, cast, version):
        story = _story(cast, version, "in_review", body=OFF_MESSAGE_BODY)
        assert story.score < 60
        with pytest.raises(services.LowScoreNeedsReason):
            services.story_publish(story=story, by=cast.marketing_lead)
        with pytest.raises(services.LowScoreNeedsReason):
            services.story_publish(story=story, by=cast.marketing_lead, reason="   ")
        story.refresh_from_db()
        assert story.status == Story.Status.IN_REVIEW
        assert story.published_at is None

    def test_with_a_reason_it_is_published_and_the_reason_kept(self, cast, version):
        story = _story(cast, version, "in_review", body=OFF_MESSAGE_BODY)
        services.story_publish(
            story=story, by=cast.marketing_lead, reason="  A contrast piece for training.  "
        )
        story.refresh_from_db()
        assert story.status == Story.Status.PUBLISHED
        assert story.low_score_reason == "A contrast piece for training."

    def test_the_publish_page_asks_for_a_reason_only_below_60(self, cast, version, client_for):
        low = _story(cast, version, "in_review", body=OFF_MESSAGE_BODY)
        fine = _story(cast, version, "in_review", body="Our lifetime savings, with a discount.")
        assert fine.score == 60
        client = client_for(cast.marketing_lead)
        assert "Why publish it anyway?" in client.get(f"/stories/{low.pk}/publish/").text
        assert "Why publish it anyway?" not in client.get(f"/stories/{fine.pk}/publish/").text

    def test_exactly_60_needs_no_reason(self, cast, version):
        # "lifetime-value" told once (85 points) minus an error guardrail (25) is 60.
        story = _story(cast, version, "in_review", body="Our lifetime savings, with a discount.")
        assert story.score == 60
        services.story_publish(story=story, by=cast.marketing_lead)
        story.refresh_from_db()
        assert story.status == Story.Status.PUBLISHED


class TestRevise:
    def test_it_starts_one_pending_draft(self, cast, version):
        live = _story(cast, version, "published", title="Live title")
        draft = services.story_revise(story=live, by=cast.marketer)
        assert draft.pk != live.pk
        assert draft.status == Story.Status.DRAFT
        assert draft.replaces == live
        assert draft.title == "Live title"
        assert draft.author == cast.marketer
        assert draft.plumbline_version == version
        assert [p.key for p in draft.pillars.all()] == ["lifetime-value"]
        assert list(draft.audiences.all()) == list(live.audiences.all())
        assert draft.score == live.score
        assert draft.revisions.count() == 1

        again = services.story_revise(story=live, by=cast.marketing_lead)
        assert again.pk == draft.pk
        assert Story.objects.filter(replaces=live).count() == 1

    def test_a_draft_in_review_is_still_the_pending_one(self, cast, version):
        live = _story(cast, version, "published")
        draft = services.story_revise(story=live, by=cast.marketer)
        services.story_submit(story=draft)
        assert services.story_revise(story=live, by=cast.marketer).pk == draft.pk

    def test_the_live_story_stays_live_until_the_draft_is_published(self, cast, version):
        live = _story(cast, version, "published")
        draft = services.story_revise(story=live, by=cast.marketer)
        content = content_for(version, title="Better title", audiences=live.audiences.all())
        services.story_save(story=draft, content=content, lock_version=1, by=cast.marketer)
        services.story_submit(story=draft)
        live.refresh_from_db()
        assert live.status == Story.Status.PUBLISHED
        assert list(Story.objects.live()) == [live]

        services.story_publish(story=draft, by=cast.marketing_lead)
        live.refresh_from_db()
        draft.refresh_from_db()
        assert live.status == Story.Status.ARCHIVED
        assert draft.status == Story.Status.PUBLISHED
        assert list(Story.objects.live()) == [draft]

    def test_a_new_revision_follows_the_current_plumb_line(self, cast, version):
        live = _story(cast, version, "published")
        newer = make_published(by=cast.manager)
        draft = services.story_revise(story=live, by=cast.marketer)
        assert draft.plumbline_version == newer
        assert [p.version_id for p in draft.pillars.all()] == [newer.pk]

    @pytest.mark.parametrize("status", ["draft", "in_review", "archived"])
    def test_only_a_published_story_is_revised(self, cast, version, status):
        story = _story(cast, version, status)
        with pytest.raises(IllegalTransition, match="Only a published story"):
            services.story_revise(story=story, by=cast.marketer)
        assert not Story.objects.filter(replaces=story).exists()


class TestStale:
    def test_a_published_story_past_its_review_by_is_stale(self, cast, version):
        story = _story(cast, version, "published")
        Story.objects.filter(pk=story.pk).update(review_by=timezone.localdate() - timedelta(days=1))
        story.refresh_from_db()
        assert story.is_stale
        assert list(Story.objects.stale()) == [story]

    def test_a_fresh_one_is_not(self, cast, version):
        story = _story(cast, version, "published")
        assert not story.is_stale
        assert not Story.objects.stale().exists()
        # Due today is not past due yet.
        Story.objects.filter(pk=story.pk).update(review_by=timezone.localdate())
        story.refresh_from_db()
        assert not story.is_stale
        assert not Story.objects.stale().exists()

    def test_it_is_measured_against_the_given_day(self, cast, version):
        story = _story(cast, version, "published")
        later = story.review_by + timedelta(days=1)
        assert list(Story.objects.stale(today=later)) == [story]
        assert not Story.objects.stale(today=story.review_by).exists()

    def test_an_archived_story_is_never_stale(self, cast, version):
        story = _story(cast, version, "archived")
        Story.objects.filter(pk=story.pk).update(review_by=timezone.localdate() - timedelta(days=1))
        story.refresh_from_db()
        assert not story.is_stale
        assert not Story.objects.stale().exists()


class TestRevisions:
    def test_every_save_adds_a_revision(self, cast, version):
        story = _story(cast, version, title="First")
        audiences = list(story.audiences.all())
        for lock, title in ((1, "Second"), (2, "Third")):
            content = content_for(version, title=title, audiences=audiences)
            services.story_save(
                story=story, content=content, lock_version=lock, by=cast.marketing_lead
            )
        revisions = list(StoryRevision.objects.filter(story=story).order_by("number"))
        assert [(r.number, r.title) for r in revisions] == [
            (1, "First"),
            (2, "Second"),
            (3, "Third"),
        ]
        assert [r.saved_by for r in revisions] == [
            cast.marketer,
            cast.marketing_lead,
            cast.marketing_lead,
        ]
        assert revisions[0].pillar_keys == ["lifetime-value"]
        assert revisions[0].audience_names == [a.name for a in audiences]
        assert revisions[-1].score == story.score
        story.refresh_from_db()
        assert story.lock_version == 3

    def test_workflow_steps_add_no_revision(self, cast, version):
        story = _story(cast, version, "published")
        assert story.revisions.count() == 1


class TestConflict:
    def test_an_old_lock_version_raises_and_changes_nothing(self, cast, version):
        story = _story(cast, version, title="Original")
        audiences = list(story.audiences.all())
        first = content_for(version, title="First save", audiences=audiences)
        services.story_save(story=story, content=first, lock_version=1, by=cast.marketer)

        stale_copy = Story.objects.get(pk=story.pk)
        late = content_for(
            version, title="Late save", body=OFF_MESSAGE_BODY, pillars=("local-experts",)
        )
        with pytest.raises(services.StoryConflict) as conflict:
            services.story_save(
                story=stale_copy, content=late, lock_version=1, by=cast.marketing_lead
            )
        assert conflict.value.saved.title == "First save"
        assert conflict.value.saved.lock_version == 2

        story.refresh_from_db()
        assert story.title == "First save"
        assert story.body != OFF_MESSAGE_BODY
        assert story.lock_version == 2
        assert list(story.audiences.all()) == audiences
        assert [p.key for p in story.pillars.all()] == ["lifetime-value"]
        assert story.revisions.count() == 2

    def test_the_current_lock_version_saves(self, cast, version):
        story = _story(cast, version)
        content = content_for(version, title="Once", audiences=story.audiences.all())
        services.story_save(story=story, content=content, lock_version=1, by=cast.marketer)
        content = content_for(version, title="Twice", audiences=story.audiences.all())
        services.story_save(story=story, content=content, lock_version=2, by=cast.marketer)
        story.refresh_from_db()
        assert story.title == "Twice"
        assert story.lock_version == 3

    def test_a_story_no_longer_in_draft_is_not_saved(self, cast, version):
        story = _story(cast, version, "in_review", title="Submitted")
        content = content_for(version, title="Sneaky", audiences=story.audiences.all())
        with pytest.raises(services.StoryConflict):
            services.story_save(story=story, content=content, lock_version=1, by=cast.marketer)
        story.refresh_from_db()
        assert story.title == "Submitted"


class TestStoredCheck:
    def test_report_score_and_band_are_stored(self, cast, version):
        story = _story(cast, version)
        story.refresh_from_db()
        assert story.score == 100
        assert story.band == Band.ON_MESSAGE
        assert story.checked_at is not None
        assert story.check_report["score"] == 100
        assert story.check_report["version"] == version.number
        assert set(story.check_report["pillars"]["evidence"]) == {"lifetime-value"}
        assert story.report.score == 100

    def test_a_guardrail_term_lowers_the_score(self, cast, version):
        clean = _story(cast, version)
        flagged = _story(cast, version, offer="A discount for early birds.")
        flagged.refresh_from_db()
        assert flagged.score == clean.score - 25
        assert flagged.band == Band.NEEDS_ATTENTION
        [hit] = flagged.check_report["guardrail_hits"]
        assert hit["phrase"] == "discount"
        assert hit["preferred"] == "added value"
        assert hit["severity"] == "error"

    def test_the_stored_check_follows_an_edit(self, cast, version):
        story = _story(cast, version)
        content = content_for(version, body=OFF_MESSAGE_BODY, audiences=story.audiences.all())
        services.story_save(story=story, content=content, lock_version=1, by=cast.marketer)
        story.refresh_from_db()
        assert story.score == 0
        assert story.band == Band.OFF_MESSAGE
        assert story.revisions.get(number=2).score == 0

    def test_the_check_covers_title_summary_body_and_offer(self, cast, version):
        story = _story(cast, version, body="Plain words.", pillars=("local-experts",))
        assert story.score == 0
        for field in ("title", "summary", "body", "offer"):
            kwargs = {"body": "Plain words.", field: "Ask your local engineer."}
            story = _story(cast, version, pillars=("local-experts",), **kwargs)
            assert story.score == 85, field
