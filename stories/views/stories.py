from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from plumbline.diff import text_diff
from plumbline.models import Pillar, PlumbLineVersion
from stories import list_cache, services
from stories.filters import StoryFilter, filters_panel_only, filters_wanted
from stories.forms import STALE_FORM, PublishForm, SendBackForm, StoryForm, stale_form
from stories.live_check import form_report, live_check_response
from stories.markdown import render_markdown
from stories.models import Review, Story, StoryUseTotal, with_current_version
from stories.pagination import Ordering, paginate
from stories.permissions import (
    get_story_for,
    may_decide,
    may_edit_story,
    may_see_sales_records,
    may_use_library,
    may_work_on,
    may_write_stories,
    sees_unpublished,
    visible_conversations,
    visible_stories,
)
from teams.permissions import require

PAGE_SIZE = 20
# Served by the indexes story_newest (both date sorts) and story_score (both score sorts).
SORTS = {
    "-published": Ordering("-published_at", "-updated_at", "-pk", nullable=["published_at"]),
    "published": Ordering("published_at", "updated_at", "pk", nullable=["published_at"]),
    "score": Ordering("score", "pk", nullable=["score"]),
    "-score": Ordering("-score", "-pk", nullable=["score"]),
}
# How many of the conversations that used a story its page lists, newest first.
USES_SHOWN = 20


def _content(form) -> services.StoryContent:
    data = form.cleaned_data
    return services.StoryContent(
        title=data["title"],
        summary=data["summary"],
        body=data["body"],
        offer=data["offer"],
        channel=data["channel"],
        audiences=list(data["audiences"]),
        pillars=list(data["pillars"]),
    )


def _and_submit(request) -> bool:
    """The editor's "Save and submit" button: save, then submit for review in one go."""
    return request.POST.get("then") == "submit"


@require_safe
@require(may_use_library)
def library(request):
    user = request.user
    filters = StoryFilter(
        request.GET if filters_wanted(request) else None,
        queryset=visible_stories(user),
        request=request,
        show_status=sees_unpublished(user),
    )
    if filters_panel_only(request):
        return render(request, "stories/_story_filters.html", {"filters": filters})
    sort = filters.chosen_sort()
    stories = (
        filters.qs.select_related("author")
        .defer(*Story.LIST_DEFERRED)
        .prefetch_related("audiences")
    )
    shown_filters = filters if filters.is_bound else None
    may_write = may_write_stories(user)

    def rows():
        salt = f"stories.library:{sort}"
        page = paginate(request, stories, SORTS[sort], size=PAGE_SIZE, salt=salt)
        return {"page": page, "filters": shown_filters, "may_write": may_write}

    return render(
        request,
        "stories/story_list.html",
        {
            "rows": list_cache.rows(
                request, "library", "stories/_story_rows.html", rows, cacheable=not filters.is_bound
            ),
            "filters": shown_filters,
            "may_write": may_write,
        },
    )


@require(may_write_stories)
def story_create(request):
    version = PlumbLineVersion.objects.filter(is_current=True).first()
    if version is None:
        messages.error(request, "Publish a plumb line first: every story is held against it.")
        return redirect("stories:library")
    form = StoryForm(request.POST or None, version=version)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            story = services.story_create(
                author=request.user, version=version, content=_content(form)
            )
            if _and_submit(request):
                services.story_submit(story=story)
        if _and_submit(request):
            messages.success(request, "Saved and submitted for review.")
        else:
            messages.success(request, "Story saved as a draft.")
        return redirect(story)
    report = form_report(request, version, Story.CHECKED_FIELDS)
    return render(
        request,
        "stories/story_form.html",
        {"form": form, "version": version, "report": report},
    )


@require_safe
def story_detail(request, pk):
    user = request.user
    uses = StoryUseTotal.objects.filter(story=OuterRef("pk")).values("uses")
    stories = with_current_version(Story.objects.all())
    stories = stories.annotate(usage_count=Coalesce(Subquery(uses), 0)).prefetch_related(
        "audiences",
        Prefetch("pillars", queryset=Pillar.objects.order_by("position")),
        Prefetch(
            "reviews", queryset=Review.objects.select_related("reviewer", "plumbline_version")
        ),
    )
    story = get_story_for(user, pk, stories=stories)
    # Which conversations used it (and so which clients): only for those who may see sales
    # records. How many used it is an aggregate, fine for marketing.
    usage = []
    if may_see_sales_records(user):
        usage = (
            visible_conversations(user)
            .filter(stories_used=story)
            .select_related("client")
            .order_by("-occurred_at", "-pk")[:USES_SHOWN]
        )
    pending = None
    if sees_unpublished(user):
        pending = story.replacements.filter(
            status__in=[Story.Status.DRAFT, Story.Status.IN_REVIEW]
        ).first()
    return render(
        request,
        "stories/story_detail.html",
        {
            "story": story,
            "body": render_markdown(story.body),
            "offer": render_markdown(story.offer),
            "report": story.report,
            "pending": pending,
            "usage": usage,
            "may_edit": may_edit_story(user, story),
            "may_work_on": may_work_on(user, story),
            "may_decide": may_decide(user),
        },
    )


def story_edit(request, pk):
    story = get_story_for(request.user, pk, edit=True)
    # Edited under the current plumb line (tags follow their keys), as services.story_save does.
    version = PlumbLineVersion.objects.filter(is_current=True).first() or story.plumbline_version
    form = StoryForm(request.POST or None, instance=story, version=version)
    if request.method == "POST" and stale_form(form):
        return HttpResponseBadRequest(STALE_FORM)
    if request.method == "POST" and form.is_valid():
        lock_version = form.cleaned_data["lock_version"]
        try:
            with transaction.atomic():
                services.story_save(
                    story=story, content=_content(form), lock_version=lock_version, by=request.user
                )
                if _and_submit(request):
                    services.story_submit(story=story)
        except services.StoryConflict as conflict:
            saved = conflict.saved
            data = request.POST.copy()
            data["lock_version"] = saved.lock_version
            # The form gets its own copy: validating writes the posted text into its instance,
            # and `saved` must keep showing what is in the database.
            form = StoryForm(data, instance=Story.objects.get(pk=saved.pk), version=version)
            form.is_valid()
            return render(
                request,
                "stories/story_conflict.html",
                {"form": form, "saved": saved, "story": saved, "version": version},
                status=409,
            )
        messages.success(
            request, "Saved and submitted for review." if _and_submit(request) else "Saved."
        )
        return redirect(story)
    report = form_report(request, version, Story.CHECKED_FIELDS, story)
    return render(
        request,
        "stories/story_form.html",
        {"form": form, "story": story, "version": version, "report": report},
    )


@require(may_write_stories)
def story_check(request):
    """The editor's live check: the report for what is in the form right now."""
    return live_check_response(request, Story.CHECKED_FIELDS)


def _act(request, story, step, success):
    """Take a workflow step (a function of no arguments calling one service) and say how
    it went."""
    try:
        step()
    except services.IllegalTransition as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, success)
    return redirect(story)


@require_POST
def story_submit(request, pk):
    story = get_story_for(request.user, pk)
    if not may_work_on(request.user, story):
        raise PermissionDenied
    return _act(request, story, lambda: services.story_submit(story=story), "Submitted for review.")


def story_publish(request, pk):
    story = get_story_for(request.user, pk)
    if not may_decide(request.user):
        raise PermissionDenied
    # An empty POST is still a decision to publish: bind the form on any POST.
    form = PublishForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            return _act(
                request,
                story,
                lambda: services.story_publish(
                    story=story, by=request.user, reason=form.cleaned_data["reason"]
                ),
                "Published. Everyone can find it in the library now.",
            )
        except services.LowScoreNeedsReason:
            form.add_error("reason", "This story scores off message: say why it should go out.")
    return render(request, "stories/story_confirm_publish.html", {"story": story, "form": form})


def story_send_back(request, pk):
    story = get_story_for(request.user, pk)
    if not may_decide(request.user):
        raise PermissionDenied
    form = SendBackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _act(
            request,
            story,
            lambda: services.story_send_back(story=story, comment=form.cleaned_data["comment"]),
            "Sent back to the author.",
        )
    return render(request, "stories/story_send_back.html", {"story": story, "form": form})


def story_archive(request, pk):
    story = get_story_for(request.user, pk)
    if not may_decide(request.user):
        raise PermissionDenied
    if request.method == "POST":
        return _act(
            request,
            story,
            lambda: services.story_archive(story=story),
            "Archived. It no longer appears to sales.",
        )
    return render(request, "stories/story_confirm_archive.html", {"story": story})


@require_POST
def story_revise(request, pk):
    story = get_story_for(request.user, pk)
    if not may_work_on(request.user, story):
        raise PermissionDenied
    try:
        draft = services.story_revise(story=story, by=request.user)
    except services.IllegalTransition as refusal:
        messages.error(request, str(refusal))
        return redirect(story)
    messages.success(
        request,
        "This is a new draft of the story. The published one stays live until this "
        "one is published.",
    )
    return redirect("stories:story_edit", pk=draft.pk)


@require_safe
def story_revisions(request, pk):
    story = get_story_for(request.user, pk)
    revisions = list(story.revisions.select_related("saved_by"))
    numbers = [r.number for r in revisions]
    by_number = {r.number: r for r in revisions}
    old_n, new_n = request.GET.get("old"), request.GET.get("new")
    comparison = None
    if old_n and new_n:
        try:
            old, new = by_number[int(old_n)], by_number[int(new_n)]
        except (KeyError, ValueError):
            messages.error(request, "Choose two revisions from the lists.")
        else:
            comparison = _compare(old, new, f"Revision {old.number}", f"Revision {new.number}")
    since_live = None
    if story.replaces and story.status in (Story.Status.DRAFT, Story.Status.IN_REVIEW):
        since_live = _compare(story.replaces, story, "Live version", "This draft")
    return render(
        request,
        "stories/story_revisions.html",
        {
            "story": story,
            "revisions": revisions,
            "numbers": numbers,
            "comparison": comparison,
            "since_live": since_live,
            "old": old_n,
            "new": new_n,
        },
    )


def _compare(old, new, old_label, new_label):
    fields = [("title", "Title"), ("summary", "Summary"), ("body", "Body"), ("offer", "Offer")]
    return {
        "old_label": old_label,
        "new_label": new_label,
        "fields": [
            (label, text_diff(getattr(old, name), getattr(new, name)))
            for name, label in fields
            if getattr(old, name) != getattr(new, name)
        ],
    }
