"""Template helpers for showing check reports: highlighted text, bands, severities."""

import json
from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from plumbline.consistency import BAND_NEEDS_ATTENTION, BAND_ON_MESSAGE, Report

register = template.Library()

BAND_LABELS = {
    BAND_ON_MESSAGE: "On message",
    BAND_NEEDS_ATTENTION: "Needs attention",
}
BAND_STYLES = {BAND_ON_MESSAGE: "success", BAND_NEEDS_ATTENTION: "warning"}
SEVERITY_STYLES = {"suggestion": "info", "warning": "warning", "error": "danger"}


@register.filter
def band_label(band: str) -> str:
    return BAND_LABELS.get(band, "Off message")


@register.filter
def band_style(band: str) -> str:
    return BAND_STYLES.get(band, "danger")


@register.filter
def severity_style(severity: str) -> str:
    return SEVERITY_STYLES.get(severity, "secondary")


@register.simple_tag
def highlighted(text: str, report) -> str:
    """The text with guardrail hits and pillar evidence marked, everything else escaped.

    Where marks would overlap, the guardrail hit wins: it is what the author must fix.
    """
    marks = [
        (hit.start, hit.end, "guardrail", f"Avoid “{hit.phrase}”: {hit.preferred}")
        for hit in report.guardrail_hits
    ]
    for key, found in report.evidence.items():
        marks += [(e.start, e.end, "evidence", f"Tells the pillar “{key}”") for e in found]
    marks.sort(key=lambda mark: (mark[0], mark[2] != "guardrail", -mark[1]))
    pieces, position = [], 0
    for start, end, kind, title in marks:
        if start < position:
            continue
        pieces.append(escape(text[position:start]))
        pieces.append(
            format_html('<mark class="mark-{}" title="{}">{}</mark>', kind, title, text[start:end])
        )
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(str(piece) for piece in pieces))  # noqa: S308 — every piece is escaped above


@register.simple_tag
def stored_report(report: Report) -> SafeString:
    """A stored check's report, as plumbline/_check_report.html shows it without the text.

    The HTML is a function of the report alone, and the entry pages show the same stored
    reports again and again, so it is remembered per process (1,024 reports of a few
    kilobytes): rendering it cost more than the rest of a conversation's page.
    """
    return _report_html(json.dumps(report.to_dict(), sort_keys=True))


@lru_cache(maxsize=1024)
def _report_html(report: str) -> SafeString:
    context = {"report": Report.from_dict(json.loads(report)), "text": None}
    return render_to_string("plumbline/_check_report.html", context)
