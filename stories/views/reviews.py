"""Managers (and leads, as coaches) judge entries against the plumb line, and follow re-checks."""

from functools import lru_cache, partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from plumbline.models import PlumbLineVersion
from stories import recheck, services
from stories.choices import Choices
from stories.compiled import Compiled, fields, instance
from stories.csv_export import csv_response
from stories.forms import QueueFilterForm, ReviewForm, filters_panel_only, filters_wanted
from stories.list_rows import day, link_rows, score_badge
from stories.markdown import render_markdown
from stories.models import Conversation, Notification, RecheckRun, Review, Story
from stories.permissions import (
    get_conversation_for,
    get_story_for,
    may_follow_rechecks,
    may_review,
    may_review_entry,
    people_key,
    queue_people,
    queue_teams,
    reviewable_people,
)
from stories.review_queue import QueueFilters, queue_page, review_queue, with_people
from teams.permissions import require


def _current_version():
    """The version entries are judged against (404 before the first)."""
    return _current_version_and_run(with_run=False)[0]


def _current_version_and_run(*, with_run: bool = True):
    """The current version (404 before the first) and its re-check (None when it has
    none, or when not `with_run`), in one query compiled once."""
    query = _current(with_run)
    rows = query.rows()
    if not rows:
        raise Http404("There is no published plumb line to review against yet.")
    [row] = rows
    version = instance(PlumbLineVersion, row, using=query.using)
    has_run = with_run and row["recheck_run__id"] is not None
    return version, instance(RecheckRun, row, "recheck_run__", query.using) if has_run else None


@lru_cache(maxsize=2)
def _current(with_run: bool) -> Compiled:
    columns = fields(PlumbLineVersion) + (fields(RecheckRun, "recheck_run__") if with_run else [])
    return Compiled(PlumbLineVersion.objects.filter(is_current=True).values(*columns)[:1])


def _queue_filters(request, version) -> tuple[QueueFilterForm | None, QueueFilters]:
    """The queue's filter form (None until a filter is applied or asked for: see
    forms.filters_wanted) and the filters it holds."""
    if not filters_wanted(request):
        return None, QueueFilters()
    form = QueueFilterForm(
        request.GET,
        choices=Choices(),
        # Built only to check a submitted value or on a cache miss (see forms._offer).
        people=partial(queue_people, request.user),
        teams=partial(queue_teams, request.user),
        key=people_key(request.user),
        version=version,
    )
    filters = QueueFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = QueueFilters(
            kind=data["kind"],
            team=data["team"].pk if data["team"] else None,
            person=data["person"].pk if data["person"] else None,
            pillar=data["pillar"],
            band=data["band"],
            since=data["since"],
            until=data["until"],
        )
    return form, filters


@require(may_review)
def queue(request):
    version, run = _current_version_and_run(with_run=may_follow_rechecks(request.user))
    form, filters = _queue_filters(request, version)
    if form is not None and filters_panel_only(request):
        return render(request, "stories/_queue_filters.html", {"filters": form})
    page = queue_page(request, request.user, version, filters)
    rows = with_people(page.object_list)
    for kind in ("story", "conversation"):
        of_kind = [row for row in rows if row["kind"] == kind]
        link_rows(of_kind, "stories:review_entry", kind)
    for row in rows:  # shown as they are (a template's filters cost more than this)
        label = row["label"]
        row["label"] = label if len(label) <= 90 else f"{label[:89]}…"  # |truncatechars:90
        row["badge"] = score_badge(row["score"], row["band"])
        row["kind_label"] = "Story" if row["kind"] == "story" else "Conversation"
        row["day"] = day(row["when"])
    return render(
        request,
        "stories/review_queue.html",
        {
            "version": version,
            "filters": form,
            "page": page,
            "rows": rows,
            "query": page.first_url.partition("?")[2],  # the filters, for the CSV link
            "run": run,
        },
    )


@require(may_review)
def queue_export(request):
    version = _current_version()
    _, filters = _queue_filters(request, version)
    rows = review_queue(request.user, version, filters, limit=10_000)
    return csv_response(
        f"review-queue-v{version.number}.csv",
        ["kind", "id", "score", "band", "date", "title or summary", "author"],
        (
            [
                r["kind"],
                r["pk"],
                r["score"],
                r["band"],
                timezone.localdate(r["when"]).isoformat(),
                r["label"],
                r["person"],
            ]
            for r in with_people(rows)
        ),
    )


@require(may_review)
def verdicts_export(request):
    reviews = Review.objects.select_related(
        "reviewer", "story", "conversation", "plumbline_version"
    ).order_by("-created_at")
    people = reviewable_people(request.user)
    if people is not None:
        reviews = reviews.filter(story__author_id__in=people) | reviews.filter(
            conversation__rep_id__in=people
        )
    return csv_response(
        "verdicts.csv",
        ["date", "kind", "entry id", "entry", "verdict", "comment", "reviewer", "version"],
        (
            [
                timezone.localdate(review.created_at).isoformat(),
                "story" if review.story_id else "conversation",
                review.story_id or review.conversation_id,
                str(review.entry),
                review.get_verdict_display(),
                review.comment,
                str(review.reviewer),
                review.plumbline_version.number,
            ]
            for review in reviews[:10_000]
        ),
    )


def _entry_for(user, kind, pk):
    if kind == "story":
        return get_story_for(user, pk)
    if kind == "conversation":
        return get_conversation_for(user, pk)
    raise Http404


def review_entry(request, kind, pk):
    """The entry beside its check and the version it was written under, and the verdict form."""
    entry = _entry_for(request.user, kind, pk)  # 404 first: never confirm what is hidden
    if not may_review_entry(request.user, entry):
        raise PermissionDenied
    version = _current_version()
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.review_create(
            entry=entry,
            reviewer=request.user,
            verdict=form.cleaned_data["verdict"],
            comment=form.cleaned_data["comment"],
            version=version,
        )
        messages.success(request, f"Verdict saved; {_author(entry)} will see it.")
        return redirect("stories:review_queue")
    written_under = PlumbLineVersion.objects.prefetch_related("pillars", "guardrails").get(
        pk=entry.plumbline_version_id
    )
    return render(
        request,
        "stories/review_entry.html",
        {
            "entry": entry,
            "kind": kind,
            "body": render_markdown(entry.body if kind == "story" else entry.notes),
            "report": entry.report,
            "written_under": written_under,
            "history": entry.reviews.select_related("reviewer", "plumbline_version"),
            "form": form,
        },
    )


def _author(entry):
    return entry.author if isinstance(entry, Story) else entry.rep


@require(may_follow_rechecks)
def recheck_status(request):
    runs = list(RecheckRun.objects.select_related("version")[:5])
    run = runs[0] if runs else None
    context = {"run": run, "runs": runs}
    if run:
        elapsed = ((run.last_batch_at or timezone.now()) - run.started_at).total_seconds()
        remaining = run.total - run.done
        context.update(
            stalled=recheck.is_stalled(run),
            seconds_left=round(elapsed / run.done * remaining) if run.done and remaining else 0,
            worse_stories=recheck.drift(Story, run.version).select_related("author")[:50],
            worse_conversations=recheck.drift(Conversation, run.version).select_related(
                "client", "rep"
            )[:50],
            failure_count=run.failures.count(),
            failures=run.failures.select_related("story", "conversation__client")[:50],
        )
    return render(request, "stories/recheck_status.html", context)


@require_POST
@require(may_follow_rechecks)
def recheck_resume(request, pk):
    run = get_object_or_404(RecheckRun, pk=pk)
    if run.finished_at:
        messages.info(request, "This re-check is already complete.")
    else:
        recheck.recheck_resume(run)
        messages.success(request, "The re-check is queued again; the worker picks it up next.")
    return redirect("stories:recheck_status")


@require_POST
def notifications_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("home")
