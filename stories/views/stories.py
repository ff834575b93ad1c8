from functools import lru_cache, partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from plumbline.diff import text_diff
from plumbline.models import PlumbLineVersion
from stories import services
from stories.choices import Choices
from stories.compiled import Compiled, Shape
from stories.forms import (
    PublishForm,
    SendBackForm,
    StoryFilterForm,
    StoryForm,
    filters_panel_only,
    filters_wanted,
)
from stories.list_rows import (
    Names,
    day,
    fill_instance_names,
    link_rows,
    linked,
    person,
    score_badge,
    with_dots,
    with_names,
)
from stories.live_check import live_check_response, report_for
from stories.markdown import render_markdown
from stories.models import Review, Story, StoryUseTotal
from stories.pagination import Ordering, first_page_query, paginate_queryset
from stories.permissions import (
    conversation_reps,
    conversations_of,
    get_story_for,
    may_decide,
    may_edit_story,
    may_see_sales_records,
    may_use_library,
    may_work_on,
    may_write_stories,
    sees_unpublished,
    stories_seen,
    story_writers,
    visible_stories,
)
from teams.models import User
from teams.permissions import require

PAGE_SIZE = 20
CHECKED_FIELDS = ("title", "summary", "body", "offer")
# What a library row shows; bodies and stored check reports stay in the database.
LIBRARY_COLUMNS = [
    "pk",
    "title",
    "summary",
    "channel",
    "status",
    "score",
    "band",
    "published_at",
    "updated_at",
    "review_by",
    "author__first_name",
    "author__last_name",
    "author__username",
]
LIBRARY_NAMES = {"audience_names": Names(Story.audiences, "audience__name", "audience__name")}
STORY_NAMES = {
    **LIBRARY_NAMES,
    "pillar_names": Names(Story.pillars, "pillar__title", "pillar__position"),
}
# Served by the indexes story_newest (both date sorts) and story_score (both score sorts).
SORTS = {
    "-published": Ordering("-published_at", "-updated_at", "-pk", nullable=["published_at"]),
    "published": Ordering("published_at", "updated_at", "pk", nullable=["published_at"]),
    "score": Ordering("score", "pk", nullable=["score"]),
    "-score": Ordering("-score", "-pk", nullable=["score"]),
}


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


@require(may_use_library)
def library(request):
    user = request.user
    filters = None
    if filters_wanted(request):
        filters = StoryFilterForm(
            request.GET,
            choices=Choices(),
            show_status=sees_unpublished(user),
            authors=story_writers,
        )
        if filters_panel_only(request):
            return render(request, "stories/_story_filters.html", {"filters": filters})
    sort, data = "-published", {}
    if filters is not None:
        filters.is_valid()  # a tampered value drops that one filter, not all of them
        data = filters.cleaned_data
        sort = data.get("sort") or sort
    page = paginate_queryset(
        request,
        partial(_listed, user, data),  # built only when the compiled page won't do
        SORTS[sort],
        columns=LIBRARY_COLUMNS,
        size=PAGE_SIZE,
        salt=f"stories.library:{sort}",
        names=LIBRARY_NAMES,
        first_rows=_first_page(sees_unpublished(user)).rows if filters is None else None,
    )
    rows = page.object_list
    link_rows(rows, "stories:story_detail")
    return render(
        request,
        "stories/story_list.html",
        {
            "page": page,
            "rows": [_library_row(row, timezone.localdate()) for row in rows],
            "filters": filters,
            "may_write": may_write_stories(user),
            "sees_unpublished": sees_unpublished(user),
        },
    )


def _listed(user, data: dict):
    """The stories the library shows: what `user` may see, of `data`'s filters (a
    StoryFilterForm's cleaned data)."""
    stories = visible_stories(user)
    if data.get("q"):
        stories = stories.filter(Q(title__icontains=data["q"]) | Q(summary__icontains=data["q"]))
    if data.get("audience"):
        stories = stories.filter(linked(Story.audiences, audience=data["audience"]))
    if data.get("channel"):
        stories = stories.filter(channel=data["channel"])
    if data.get("pillar"):
        stories = stories.filter(linked(Story.pillars, pillar__key=data["pillar"]))
    if data.get("status"):
        stories = stories.filter(status=data["status"])
    if data.get("band"):
        stories = stories.filter(band=data["band"])
    if data.get("author"):
        stories = stories.filter(author=data["author"])
    return stories


@lru_cache(maxsize=2)
def _first_page(every_status: bool) -> Compiled:
    """The unfiltered library's first page (of every status, for those who see drafts),
    built and compiled once: the page every visit starts on."""
    stories = stories_seen(every_status=every_status)
    return Compiled(
        first_page_query(
            stories,
            SORTS["-published"],
            columns=LIBRARY_COLUMNS,
            size=PAGE_SIZE,
            names=LIBRARY_NAMES,
        )
    )


CHANNELS = dict(Story.Channel.choices)
STATUSES = dict(Story.Status.choices)
STATUS_STYLES = {  # as in stories/_status.html
    Story.Status.PUBLISHED: "success",
    Story.Status.IN_REVIEW: "info",
    Story.Status.ARCHIVED: "secondary",
    Story.Status.DRAFT: "light border",
}


def _library_row(row: dict, today) -> dict:
    """What a library row shows, as text."""
    stale = (
        row["status"] == Story.Status.PUBLISHED and row["review_by"] and row["review_by"] < today
    )
    author = person(row["author__first_name"], row["author__last_name"], row["author__username"])
    return {
        "url": row["url"],
        "title": row["title"],
        "badge": score_badge(row["score"], row["band"]),
        "status_style": STATUS_STYLES.get(row["status"], "light border"),
        "status": STATUSES.get(row["status"], ""),
        "stale_since": day(row["review_by"]) if stale else "",  # as Story.is_stale
        "summary": row["summary"],
        "details": with_dots(
            CHANNELS.get(row["channel"], ""),
            ", ".join(row["audience_names"]),
            f"by {author}",
            f"published {day(row['published_at'])}" if row["published_at"] else "",
        ),
    }


@require(may_write_stories)
def story_create(request):
    version = PlumbLineVersion.objects.filter(is_current=True).first()
    if version is None:
        messages.error(request, "Publish a plumb line first: every story is held against it.")
        return redirect("stories:library")
    form = StoryForm(request.POST or None, version=version)
    if request.method == "POST" and form.is_valid():
        story = services.story_create(author=request.user, version=version, content=_content(form))
        messages.success(request, "Story saved as a draft.")
        return redirect(story)
    report = report_for(request.POST, version, CHECKED_FIELDS) if request.method == "POST" else None
    return render(
        request,
        "stories/story_form.html",
        {"form": form, "version": version, "report": report},
    )


@lru_cache(maxsize=1)
def _with_page_figures():
    """The stories with what their page shows of other tables, read in the story's query:
    audiences, pillars, how many conversations used it (kept in StoryUseTotal: one row,
    however popular the story) and whether it has verdicts. Built once: resolving these
    expressions cost more than a copy of the built queryset, which each request filters."""
    total = StoryUseTotal.objects.filter(story=OuterRef("pk")).values("uses")
    stories = Story.objects.annotate(
        usage_count=Coalesce(Subquery(total), 0),
        has_reviews=Exists(Review.objects.filter(story=OuterRef("pk"))),
    )
    return with_names(stories, **STORY_NAMES)


# Stands for the story's id in _usage's query.
THIS_STORY = -1


@lru_cache(maxsize=256)
def _usage(reps: frozenset[int] | None) -> Compiled:
    """The latest 20 conversations of `reps` (None: everyone's) that used a story (the
    slot), built and compiled once per viewer's team."""
    used = conversations_of(reps).filter(stories_used=THIS_STORY)
    latest = used.order_by("-occurred_at", "-pk").values("pk", "occurred_at", "client__name")
    return Compiled(latest[:20], story=THIS_STORY)


@lru_cache(maxsize=1)
def _story_page() -> tuple[Compiled, Shape]:
    """The story page's query of one story (the slot) with its author, version and page
    figures, compiled once, and the shape that makes the story of its row."""
    stories = _with_page_figures().filter(pk=THIS_STORY).order_by()
    related = {"author": User, "plumbline_version": PlumbLineVersion}
    shape = Shape(Story, related, extra=stories.query.annotations)
    return Compiled(stories.values(*shape.columns), story=THIS_STORY), shape


def _read_story(pk: int) -> Story | None:
    """The story with this id as get_story_for(stories=_with_page_figures()) reads it."""
    query, shape = _story_page()
    return shape.read(query, story=pk)


def story_detail(request, pk):
    story = get_story_for(request.user, pk, stories=_read_story)
    fill_instance_names(story, **STORY_NAMES)
    user = request.user
    usage = []
    if may_see_sales_records(user):
        # Which conversations used it (and so which clients): only for those who may see
        # sales records. Rows as text (list_rows): a link and a date per row cost more
        # through {% url %} and |date than the query.
        usage = _usage(conversation_reps(user)).rows(story=story.pk)
        link_rows(usage, "stories:conversation_detail")
        for row in usage:
            row["day"] = day(row["occurred_at"])
    return render(
        request,
        "stories/story_detail.html",
        {
            "story": story,
            "body": render_markdown(story.body),
            "offer": render_markdown(story.offer),
            "report": story.report,
            "audiences": ", ".join(story.audience_names),
            "pillars": story.pillar_names,
            "pending": story.replacements.filter(
                status__in=[Story.Status.DRAFT, Story.Status.IN_REVIEW]
            ).first()
            if sees_unpublished(user)
            else None,
            # How many conversations used it is an aggregate, fine for marketing.
            "usage_count": story.usage_count,
            "usage": usage,
            "reviews": story.reviews.select_related("reviewer", "plumbline_version")
            if story.has_reviews
            else [],
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
    if request.method == "POST" and form.is_valid():
        lock_version = form.cleaned_data["lock_version"] or story.lock_version
        try:
            services.story_save(
                story=story, content=_content(form), lock_version=lock_version, by=request.user
            )
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
        messages.success(request, "Saved.")
        return redirect(story)
    report = (
        story.report
        if request.method == "GET"
        else report_for(request.POST, version, CHECKED_FIELDS)
    )
    return render(
        request,
        "stories/story_form.html",
        {"form": form, "story": story, "version": version, "report": report},
    )


@require(may_write_stories)
def story_check(request):
    """The editor's live check: the report for what is in the form right now."""
    return live_check_response(request, CHECKED_FIELDS)


def _act(request, story, action, success, **kwargs):
    try:
        getattr(services, f"story_{action}")(story=story, **kwargs)
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
    return _act(request, story, "submit", "Submitted for review.")


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
                "publish",
                "Published. Everyone can find it in the library now.",
                by=request.user,
                reason=form.cleaned_data["reason"],
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
            "send_back",
            "Sent back to the author.",
            comment=form.cleaned_data["comment"],
        )
    return render(request, "stories/story_send_back.html", {"story": story, "form": form})


def story_archive(request, pk):
    story = get_story_for(request.user, pk)
    if not may_decide(request.user):
        raise PermissionDenied
    if request.method == "POST":
        return _act(request, story, "archive", "Archived. It no longer appears to sales.")
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
