import json
from functools import wraps
from pathlib import Path

import markdown
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connections
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from plumbline import interchange, services
from plumbline.consistency import (
    NEEDS_ATTENTION_MIN,
    ON_MESSAGE_MIN,
    SEVERITY_PENALTIES,
    check,
)
from plumbline.diff import version_diff
from plumbline.forms import (
    CheckForm,
    CompareForm,
    ConfirmForm,
    DraftForm,
    GuardrailForm,
    ImportForm,
    MoveForm,
    PillarForm,
)
from plumbline.models import Guardrail, Pillar, PlumbLineVersion
from plumbline.permissions import get_version_for, may_edit_plumbline, may_view_plumbline
from plumbline.worker import Health, worker_health
from teams.permissions import require

PARTS = {
    "pillar": (Pillar, PillarForm, "pillar"),
    "guardrail": (Guardrail, GuardrailForm, "guardrail"),
}
STALE = (
    "Someone else changed the draft while you were editing. Nothing was lost: your changes "
    "are still in the form below. Check the draft, then save again to keep yours."
)


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """200 when the database answers on a fresh connection and a task worker beat lately;
    503 otherwise. A site that never ran a worker says so, failing only when
    PLUMBLINE_REQUIRE_WORKER is set."""
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except DatabaseError:
        database = "error"
    finally:
        connection.close()
    worker = Health.UNKNOWN
    if database == "ok":
        try:
            worker = worker_health()
        except DatabaseError:
            database = "error"
    healthy = database == "ok" and (
        worker == Health.OK
        or (worker == Health.NEVER_SEEN and not settings.PLUMBLINE_REQUIRE_WORKER)
    )
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "worker": worker},
        status=200 if healthy else 503,
    )


def _with_parts(queryset):
    return queryset.prefetch_related("pillars", "guardrails").select_related("published_by")


def with_draft(view):
    """View decorator: hands the view the draft, with its parts, as `version`; without a
    draft, back to the current version with a word why. Put it below the access check."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        drafts = PlumbLineVersion.objects.filter(state=PlumbLineVersion.State.DRAFT)
        version = _with_parts(drafts).first()
        if version is None:
            messages.info(
                request, "There is no draft at the moment. Start one from the current version."
            )
            return redirect("plumbline:current")
        return view(request, *args, version=version, **kwargs)

    return wrapped


# --- Reading -----------------------------------------------------------------------------


@require_safe
@require(may_view_plumbline)
def current(request):
    version = _with_parts(PlumbLineVersion.objects.filter(is_current=True)).first()
    draft_exists = PlumbLineVersion.objects.filter(state=PlumbLineVersion.State.DRAFT).exists()
    return render(
        request,
        "plumbline/version_detail.html",
        {
            "version": version,
            "draft_exists": draft_exists,
            "may_edit": may_edit_plumbline(request.user),
            "is_current_page": True,
        },
    )


@require_safe
@require(may_view_plumbline)
def version_detail(request, number):
    version = get_version_for(request.user, number)
    if version.is_draft:
        return redirect("plumbline:draft")
    version = _with_parts(PlumbLineVersion.objects.filter(pk=version.pk)).get()
    return render(
        request,
        "plumbline/version_detail.html",
        {"version": version, "may_edit": may_edit_plumbline(request.user)},
    )


@require_safe
@require(may_view_plumbline)
def history(request):
    versions = list(PlumbLineVersion.objects.published().select_related("published_by"))
    numbers = [v.number for v in versions]
    initial = {"new": numbers[0], "old": numbers[1]} if len(numbers) > 1 else {}
    return render(
        request,
        "plumbline/history.html",
        {
            "versions": versions,
            "compare": CompareForm(initial=initial, numbers=numbers),
            "may_edit": may_edit_plumbline(request.user),
        },
    )


@require_safe
@require(may_view_plumbline)
def compare(request):
    visible = PlumbLineVersion.objects.all()
    if not may_edit_plumbline(request.user):
        visible = visible.published()
    numbers = list(visible.values_list("number", flat=True))
    form = CompareForm(request.GET, numbers=numbers)
    if not form.is_valid():
        messages.error(request, "Choose two versions from the lists to compare.")
        return redirect("plumbline:history")
    old, new = (
        _with_parts(PlumbLineVersion.objects.filter(number=form.cleaned_data[side])).get()
        for side in ("old", "new")
    )
    return render(
        request,
        "plumbline/compare.html",
        {"diff": version_diff(old, new), "compare": form},
    )


# --- Drafting ----------------------------------------------------------------------------


@require_safe
@require(may_edit_plumbline)
@with_draft
def draft(request, version):
    return render(
        request,
        "plumbline/version_detail.html",
        {
            "version": version,
            "may_edit": True,
            "problems": services.publish_problems(version),
            "move_form": MoveForm(initial={"revision": version.revision}),
        },
    )


@require_POST
@require(may_edit_plumbline)
def draft_start(request):
    had_draft = PlumbLineVersion.objects.filter(state=PlumbLineVersion.State.DRAFT).exists()
    services.draft_start(by=request.user)
    if had_draft:
        messages.info(request, "A draft was already in progress; here it is.")
    else:
        messages.success(request, "Draft started from the current version.")
    return redirect("plumbline:draft")


@require(may_edit_plumbline)
@with_draft
def draft_edit(request, version):
    form = DraftForm(request.POST or None, instance=version, initial={"revision": version.revision})
    if request.method == "POST" and form.is_valid():
        try:
            services.draft_update(
                draft=version,
                statement=form.cleaned_data["statement"],
                notes=form.cleaned_data["notes"],
                expected_revision=form.cleaned_data["revision"],
            )
        except services.StaleDraftError:
            form = _stale(form, version)
        else:
            messages.success(request, "Statement saved.")
            return redirect("plumbline:draft")
    return render(request, "plumbline/draft_form.html", {"form": form, "version": version})


def _to_draft_list(name):
    """The draft page at its list of pillars or guardrails."""
    return redirect(reverse("plumbline:draft") + f"#{name}s")


def _stale(form, version):
    """Keep the editor's input, tell them, and let a second save knowingly win."""
    latest = PlumbLineVersion.objects.get(pk=version.pk)
    data = form.data.copy()
    data["revision"] = latest.revision
    form = type(form)(data, instance=form.instance)
    form.is_valid()
    form.add_error(None, STALE)
    return form


@require(may_edit_plumbline)
@with_draft
def part_edit(request, kind, version, pk=None):
    model, form_class, name = PARTS[kind]
    part = get_object_or_404(model, pk=pk, version=version) if pk else model(version=version)
    form = form_class(request.POST or None, instance=part, initial={"revision": version.revision})
    if request.method == "POST" and form.is_valid():
        try:
            services.part_save(part=form.instance, expected_revision=form.cleaned_data["revision"])
        except services.StaleDraftError:
            form = _stale(form, version)
        else:
            messages.success(request, f"The {name} “{part}” is saved in the draft.")
            return _to_draft_list(name)
    return render(
        request,
        "plumbline/part_form.html",
        {"form": form, "version": version, "part": part, "name": name},
    )


@require(may_edit_plumbline)
@with_draft
def part_delete(request, kind, pk, version):
    model, _, name = PARTS[kind]
    part = get_object_or_404(model, pk=pk, version=version)
    form = ConfirmForm(request.POST or None, initial={"revision": version.revision})
    if request.method == "POST" and form.is_valid():
        try:
            services.part_delete(part=part, expected_revision=form.cleaned_data["revision"])
        except services.StaleDraftError:
            messages.error(request, STALE.split(" Nothing")[0] + " Look again before removing.")
        else:
            messages.success(request, f"The {name} “{part}” is removed from the draft.")
        return _to_draft_list(name)
    return render(
        request,
        "plumbline/part_confirm_delete.html",
        {"form": form, "part": part, "name": name, "version": version},
    )


@require_POST
@require(may_edit_plumbline)
@with_draft
def part_move(request, kind, pk, version):
    model, _, name = PARTS[kind]
    part = get_object_or_404(model, pk=pk, version=version)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose to move up or down.")
    try:
        services.part_move(
            part=part,
            direction=form.cleaned_data["direction"],
            expected_revision=form.cleaned_data["revision"],
        )
    except services.StaleDraftError:
        messages.error(request, "The draft changed meanwhile; here it is as it is now.")
    return _to_draft_list(name)


@require(may_edit_plumbline)
@with_draft
def draft_publish(request, version):
    form = ConfirmForm(request.POST or None, initial={"revision": version.revision})
    problems = services.publish_problems(version)
    if request.method == "POST" and form.is_valid() and not problems:
        try:
            published = services.draft_publish(
                draft=version, by=request.user, expected_revision=form.cleaned_data["revision"]
            )
        except services.StaleDraftError:
            messages.error(
                request, "The draft changed after you opened this page. Review the changes again."
            )
            return redirect("plumbline:draft_publish")
        except services.NotPublishableError as error:
            problems = error.problems
        else:
            messages.success(request, f"Version {published.number} is published and current.")
            return redirect(published)
    current_version = _with_parts(PlumbLineVersion.objects.filter(is_current=True)).first()
    return render(
        request,
        "plumbline/draft_confirm_publish.html",
        {
            "version": version,
            "form": form,
            "problems": problems,
            "diff": version_diff(current_version, version) if current_version else None,
        },
    )


@require(may_edit_plumbline)
@with_draft
def draft_discard(request, version):
    if request.method == "POST":
        services.draft_discard(draft=version)
        messages.success(request, "The draft is discarded. The current version is unchanged.")
        return redirect("plumbline:current")
    return render(request, "plumbline/draft_confirm_discard.html", {"version": version})


# --- Import and export --------------------------------------------------------------------


@require_safe
@require(may_edit_plumbline)
def version_export(request, number):
    version = get_version_for(request.user, number)
    body = json.dumps(interchange.export_version(version), indent=2, ensure_ascii=False)
    response = HttpResponse(body + "\n", content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plumbline-v{version.number}.json"'
    return response


@require(may_edit_plumbline)
def version_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        data, problems = interchange.load(form.cleaned_data["file"])
        if not problems:
            try:
                version = interchange.import_version(data, by=request.user)
            except interchange.DraftExistsError:
                problems = [
                    "A draft is already in progress. Publish or discard it before importing."
                ]
            else:
                messages.success(request, f"Imported as draft version {version.number}.")
                return redirect("plumbline:draft")
    return render(request, "plumbline/import.html", {"form": form, "problems": problems})


# --- Checking text -------------------------------------------------------------------------


@require(may_view_plumbline)
def check_text(request):
    """A page to check any text, and the endpoint editors call as the author types."""
    version = None
    if request.GET.get("version") or request.POST.get("version"):
        version = get_version_for(
            request.user, request.POST.get("version") or request.GET["version"]
        )
        version = _with_parts(PlumbLineVersion.objects.filter(pk=version.pk)).get()
    else:
        version = _with_parts(PlumbLineVersion.objects.filter(is_current=True)).first()
    if version is None:
        raise Http404("There is no published plumb line to check against yet.")
    form = CheckForm(request.POST or None, version=version)
    report = None
    if request.method == "POST":
        if not form.is_valid():
            return HttpResponseBadRequest("Choose pillars from the list.")
        report = check(form.cleaned_data["text"], version.spec(), form.cleaned_data["pillars"])
        context = {"report": report, "text": form.cleaned_data["text"], "version": version}
        if request.htmx:
            return render(request, "plumbline/_check_report.html", context)
    return render(
        request,
        "plumbline/check.html",
        {"form": form, "version": version, "report": report, "text": form["text"].value() or ""},
    )


@require_safe
@require(may_view_plumbline)
def score_help(request):
    source = Path(settings.BASE_DIR, "docs", "how-the-score-works.md").read_text(encoding="utf-8")
    return render(
        request,
        "plumbline/score_help.html",
        {
            "body": markdown.markdown(source, extensions=["tables"]),
            "on_message_min": ON_MESSAGE_MIN,
            "needs_attention_min": NEEDS_ATTENTION_MIN,
            "penalties": SEVERITY_PENALTIES,
        },
    )
