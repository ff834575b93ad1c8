"""Template helpers for showing check reports: highlighted text, bands, severities."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from plumbline.consistency import BAND_NEEDS_ATTENTION, BAND_ON_MESSAGE

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
