"""Managers (and leads, as coaches) judge entries against the plumb line, and follow re-checks."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from plumbline.models import PlumbLineVersion
from stories import list_cache, recheck, services
from stories.csv_export import csv_response
from stories.filters import QueueFilter, filters_panel_only, filters_wanted
from stories.forms import ReviewForm
from stories.markdown import render_markdown
from stories.models import Conversation, Notification, RecheckRun, Review, Story
from stories.pagination import CURSOR
from stories.permissions import (
    get_conversation_for,
    get_story_for,
    may_decide,
    may_follow_rechecks,
    may_review,
    may_review_entry,
    reviewable_people,
)
from stories.review_queue import queue_page, review_queue
from teams.permissions import require

# The most entries the queue's CSV holds.
EXPORT_LIMIT = 10_000


def _current_version():
    """The version entries are judged against (404 before the first)."""
    version = PlumbLineVersion.objects.filter(is_current=True).first()
    if version is None:
        raise Http404("There is no published plumb line to review against yet.")
    return version


def _queue_filters(request) -> QueueFilter:
    """The queue's filters: unbound (no filter) until one is applied or asked for."""
    return QueueFilter(
        request.GET if filters_wanted(request) else None,
        queryset=Story.objects.none(),  # the queue's parts: see review_queue.unreviewed
        request=request,
    )


@require_safe
@require(may_review)
def queue(request):
    version = _current_version()
    filters = _queue_filters(request)
    if filters_panel_only(request):
        return render(request, "stories/_queue_filters.html", {"filters": filters})
    shown_filters = filters if filters.is_bound else None

    def rows():
        page = queue_page(request, request.user, version, filters)
        return {"page": page, "filters": shown_filters, "version": version}

    run = None
    if may_follow_rechecks(request.user):
        run = RecheckRun.objects.filter(version=version).first()
    query = request.GET.copy()  # the filters, for the CSV link
    query.pop(CURSOR, None)
    return render(
        request,
        "stories/review_queue.html",
        {
            "version": version,
            "filters": shown_filters,
            "rows": list_cache.rows(
                request, "queue", "stories/_queue_rows.html", rows, cacheable=not filters.is_bound
            ),
            "query": query.urlencode(),
            "run": run,
        },
    )


@require_safe
@require(may_review)
def queue_export(request):
    version = _current_version()
    entries = review_queue(request.user, version, _queue_filters(request), limit=EXPORT_LIMIT)
    return csv_response(
        f"review-queue-v{version.number}.csv",
        ["kind", "id", "score", "band", "date", "title or summary", "author"],
        (
            [
                entry.kind,
                entry.pk,
                entry.score,
                entry.band,
                timezone.localdate(_when(entry)).isoformat(),
                entry.title if entry.kind == "story" else entry.summary,
                str(_author(entry)),
            ]
            for entry in entries
        ),
    )


def _when(entry):
    """The date the queue sorts an entry by: a story's publishing (or last edit), a
    conversation's meeting."""
    if entry.kind == "story":
        return entry.published_at or entry.updated_at
    return entry.occurred_at


@require_safe
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
            for review in reviews[:EXPORT_LIMIT]
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
    # The plumb line beside the report is the one the report was checked against.
    checked_against = PlumbLineVersion.objects.prefetch_related("pillars", "guardrails").get(
        pk=entry.checked_version_id or entry.plumbline_version_id
    )
    return render(
        request,
        "stories/review_entry.html",
        {
            "entry": entry,
            "kind": kind,
            "body": render_markdown(entry.body if kind == "story" else entry.notes),
            "report": entry.report,
            "checked_against": checked_against,
            "version": version,
            "history": entry.reviews.select_related("reviewer", "plumbline_version"),
            "form": form,
            "may_decide": kind == "story" and may_decide(request.user),
        },
    )


def _author(entry):
    return entry.author if isinstance(entry, Story) else entry.rep


@require_safe
@require(may_follow_rechecks)
def recheck_status(request):
    runs = list(RecheckRun.objects.select_related("version")[:5])
    run = runs[0] if runs else None
    if "version" in request.GET:  # a version's own re-check, linked from its page
        run = _run_of(request.GET["version"])
    context = {"run": run, "runs": runs}
    if run:
        elapsed = ((run.last_batch_at or timezone.now()) - run.started_at).total_seconds()
        remaining = run.total - run.done
        context.update(
            stalled=recheck.is_stalled(run),
            seconds_left=round(elapsed / run.done * remaining) if run.done and remaining else 0,
            **_drift(run, request.GET.get("cause")),
            failure_count=run.failures.count(),
            failures=run.failures.select_related("story", "conversation__client")[:50],
        )
    return render(request, "stories/recheck_status.html", context)


# How many of each kind of entry the drift list shows (and a cause filter looks through).
DRIFT_SHOWN = 50


def _drift(run, cause: str | None) -> dict:
    """The entries that got worse under the run's version, each with its `causes`; only
    those with a cause of this kind when `cause` is one (any other value: all)."""
    titles = dict(run.version.pillars.values_list("key", "title"))
    worse = {
        "worse_stories": recheck.drift(Story, run.version).select_related("author"),
        "worse_conversations": recheck.drift(Conversation, run.version).select_related(
            "client", "rep"
        ),
    }
    chosen = cause if cause in recheck.DriftCause.values else None
    context = {"causes": recheck.DriftCause.choices, "cause": chosen}
    for name, entries in worse.items():
        entries = list(entries[:DRIFT_SHOWN])
        for entry in entries:
            entry.causes = recheck.drift_causes(entry, titles)
        context[name] = [
            entry
            for entry in entries
            if chosen is None or any(found.kind == chosen for found in entry.causes)
        ]
    return context


def _run_of(number: str) -> RecheckRun:
    """The re-check of the version with this number, or 404 (also for what is no number)."""
    try:
        number = forms.IntegerField(min_value=1, max_value=2**31 - 1).clean(number)
    except ValidationError:
        raise Http404("No such version.") from None
    return get_object_or_404(RecheckRun.objects.select_related("version"), version__number=number)


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
