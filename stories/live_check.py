"""The check editors show as the author types, shared by the story and conversation forms."""

from django.http import HttpResponseBadRequest
from django.shortcuts import render

from plumbline.consistency import Report, check
from plumbline.models import PlumbLineVersion
from plumbline.permissions import get_version_for

MAX_FIELD_LENGTH = 200_000


def report_for(data, version: PlumbLineVersion, fields) -> Report | None:
    """Check the text of `fields` in posted form data; None if a pillar is not the version's."""
    pillar_keys = {str(p.pk): p.key for p in version.pillars.all()}
    chosen = data.getlist("pillars")
    if any(pk not in pillar_keys for pk in chosen):
        return None
    parts = [data.get(name, "")[:MAX_FIELD_LENGTH] for name in fields]
    text = "\n\n".join(part for part in parts if part)
    return check(text, version.cached_spec(), [pillar_keys[pk] for pk in chosen])


def form_report(request, version: PlumbLineVersion, fields, entry=None) -> Report | None:
    """The check beside an editor: of the posted text when the form comes back (invalid or
    in conflict), else the entry's stored one; none for a new entry."""
    if request.method == "POST":
        return report_for(request.POST, version, fields)
    return entry.report if entry else None


def live_check_response(request, fields):
    """The report partial for an htmx POST of the editor's form: 404 for a version the
    user may not see (a draft, for most), 400 for anything else malformed."""
    if request.method != "POST":
        return HttpResponseBadRequest("Send the text to check it.")
    version = get_version_for(request.user, request.POST.get("version", ""))
    report = report_for(request.POST, version, fields)
    if report is None:
        return HttpResponseBadRequest("Choose pillars from the list.")
    return render(request, "plumbline/_check_report.html", {"report": report})
