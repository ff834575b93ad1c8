"""The consistency dashboard: marketing's averages and sales' people, side by side.

Charts are inline SVG drawn here and in templates/stories/_bar_chart.html: no JavaScript, no
CDN, no inline styles (the Content Security Policy forbids them). Every chart is followed by
a table of the same numbers, and every table can be downloaded as CSV with the same filters
and the same access rules as the page.
"""

import math
from urllib.parse import urlencode

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from plumbline.models import PlumbLineVersion
from stories import dashboard as figures
from stories import generations
from stories.csv_export import csv_response
from stories.dashboard import DashboardFilters
from stories.form_fields import BoundedDateField
from stories.permissions import dashboard_scope, may_export_dashboard_table, may_see_dashboard
from teams.models import Team
from teams.permissions import MARKETING, SALES, require

MARKETING_FILL = "#0d6efd"  # Bootstrap's blue: stories, everywhere on the page
SALES_FILL = "#b45309"  # a dark orange, apart from blue for colour-blind readers too
SERIES = {
    "marketing": ("Stories", MARKETING_FILL),
    "sales": ("Conversations", SALES_FILL),
}
MAX_DAYS = 731
FILTER_FIELDS = ("since", "until", "team")
FIGURES_TEMPLATE = "stories/_dashboard_figures.html"


class DashboardFilterForm(forms.Form):
    since = BoundedDateField(
        label="From",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    until = BoundedDateField(
        label="To",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.filter(function__in=[MARKETING, SALES]).order_by("name"),
        required=False,
        empty_label="All teams",
    )

    def __init__(self, *args, default_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row g-2 align-items-end mb-2"
        self.helper.attrs = {"role": "search", "aria-label": "Filter the dashboard"}
        self.helper.disable_csrf = True
        buttons = (
            '<div class="col-12 col-md-3 d-flex gap-2 mb-3"><button class="btn '
            'btn-outline-primary flex-fill" type="submit">Show</button><a class="btn btn-link" '
            f'href="{reverse("stories:dashboard")}">Last {default_days} days</a></div>'
        )
        self.helper.layout = Layout(
            Div(Field("since"), css_class="col-6 col-md-3"),
            Div(Field("until"), css_class="col-6 col-md-3"),
            Div(Field("team"), css_class="col-12 col-md-3"),
            HTML(buttons),
        )

    def clean(self):
        data = super().clean()
        default = DashboardFilters.default()
        since = data.get("since") or default.since
        until = data.get("until") or default.until
        if since > until:
            raise ValidationError(
                "The start date must come before the end date. The default range is shown."
            )
        if (until - since).days > MAX_DAYS:
            raise ValidationError(
                "Choose a range of at most two years. The default range is shown."
            )
        data["since"], data["until"] = since, until
        return data

    def filters(self) -> DashboardFilters:
        """The filters to apply: the valid values given, the defaults for the rest."""
        default = DashboardFilters.default()
        if not self.is_bound:
            return default
        if not self.is_valid() and NON_FIELD_ERRORS in self.errors:
            return DashboardFilters(default.since, default.until, self.cleaned_data.get("team"))
        data = self.cleaned_data
        return DashboardFilters(
            since=data.get("since", default.since),
            until=data.get("until", default.until),
            team=data.get("team"),
        )


def _filters(request) -> tuple[DashboardFilterForm, DashboardFilters]:
    default = DashboardFilters.default()
    form = DashboardFilterForm(
        request.GET or None,
        initial={"since": default.since, "until": default.until},
        default_days=figures.DEFAULT_DAYS,
    )
    return form, form.filters()


# --- Charts --------------------------------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate as SVG wants it, whatever the locale: "12.5", "0"."""
    return f"{value:.1f}".removesuffix(".0")


def _short(text: str, limit: int = 26) -> str:  # fits the 200px label column at 13px
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value, unit: str) -> str:
    return "no data" if value is None else f"{value}{unit}"


def bar_chart(label: str, rows, *, maximum=100, unit="", label_width=200) -> dict:
    """Horizontal bars, grouped: rows are (label, [(series, value), ...])."""
    bar_h, gap, area = 16, 12, 360
    maximum = maximum or 1
    bars, texts, y = [], [], 6
    for row_label, values in rows:
        middle = y + len(values) * bar_h / 2 + 4
        texts.append({"x": _n(label_width - 8), "y": _n(middle), "text": _short(row_label)})
        for series, value in values:
            name, fill = SERIES[series]
            width = 0 if value is None else area * min(value, maximum) / maximum
            title = f"{row_label}, {name.lower()}: {_shown(value, unit)}"
            bars.append(
                {
                    "x": _n(label_width),
                    "y": _n(y + 1),
                    "width": _n(width),
                    "height": _n(bar_h - 2),
                    "fill": fill,
                    "title": title,
                }
            )
            texts.append(
                {
                    "x": _n(label_width + width + 4),
                    "y": _n(y + bar_h - 4),
                    "text": _shown(value, unit),
                    "anchor": "start",
                    "small": True,
                }
            )
            y += bar_h
        y += gap
    height = max(y, 30)
    axis = [{"x1": _n(label_width), "y1": "0", "x2": _n(label_width), "y2": _n(height)}]
    return {
        "label": label,
        "width": label_width + area + 70,
        "height": _n(height),
        "bars": bars,
        "texts": texts,
        "lines": axis,
        "empty": not rows,
    }


def column_chart(label: str, columns, *, maximum=100, unit="") -> dict:
    """Vertical columns, grouped: columns are (label, [(series, value), ...]), e.g. weeks."""
    left, top, plot, col_w, gap = 44, 10, 160, 12, 10
    maximum = maximum or 1
    group = (len(columns[0][1]) if columns else 2) * col_w + gap
    # A label every `every` columns, so that neither too many labels show nor two touch:
    # at 11px a character is at most ~7px wide ("14 Sep" is 6 characters), plus a gap.
    longest = max((len(column_label) for column_label, _values in columns), default=0)
    every = max(1, math.ceil(len(columns) / 13), math.ceil((longest * 7 + 8) / group))
    bars, texts, lines = [], [], []
    for mark in (0, maximum / 2, maximum):
        y = top + plot * (1 - mark / maximum)
        lines.append(
            {"x1": _n(left), "y1": _n(y), "x2": _n(left + len(columns) * group), "y2": _n(y)}
        )
        texts.append({"x": _n(left - 6), "y": _n(y + 4), "text": f"{mark:g}{unit}", "small": True})
    for i, (column_label, values) in enumerate(columns):
        x = left + gap / 2 + i * group
        for j, (series, value) in enumerate(values):
            if value is None:
                continue  # no entries that week: no column (the table says "no data")
            name, fill = SERIES[series]
            height = plot * min(value, maximum) / maximum
            bars.append(
                {
                    "x": _n(x + j * col_w),
                    "y": _n(top + plot - height),
                    "width": _n(col_w - 1),
                    "height": _n(height),
                    "fill": fill,
                    "title": f"{column_label}, {name.lower()}: {_shown(value, unit)}",
                }
            )
        if i % every == 0:
            texts.append(
                {
                    "x": _n(x + len(values) * col_w / 2),
                    "y": _n(top + plot + 16),
                    "text": column_label,
                    "anchor": "middle",
                    "small": True,
                }
            )
    return {
        "label": label,
        "width": left + len(columns) * group + 16,
        "height": _n(top + plot + 26),
        "bars": bars,
        "texts": texts,
        "lines": lines,
        "empty": not columns,
    }


def _pair(stories, conversations) -> list[tuple[str, object]]:
    """A story-side and a conversation-side value, as one group of bars."""
    return [("marketing", stories), ("sales", conversations)]


def _week_label(week) -> str:
    return f"{week.day} {week:%b}"


# --- The page ------------------------------------------------------------------------------


SCOPE_NOTES = {  # by permissions.dashboard_scope
    "everyone": "Conversation figures cover every conversation.",
    "averages": "Conversation figures are the company's averages; no individual is shown.",
    "team": "Conversation figures cover the people of the teams you lead.",
    "own": "Conversation figures are your own conversations.",
}


def _compute(user, filters, version) -> dict:
    guardrails = figures.guardrail_hits(user, filters, version)
    return {
        "coverage": figures.pillar_coverage(user, filters, version),
        "trend": figures.score_trend(user, filters),
        "guardrails": guardrails,
        "trended": figures.guardrail_trend(
            user, filters, [row["phrase"] for row in guardrails[: figures.TRENDED_TERMS]]
        ),
        "usage": figures.story_usage(user, filters),
        "teams": figures.team_figures(user, filters),
        "people": figures.person_figures(user, filters),
    }


def _figures(user, filters, version, export_query, generation: int) -> dict:
    """The figures' context and their HTML, cached per person and filters until anything
    they count changes: {"context", "html"}.

    The key holds the FIGURES `generation`, which every write the figures depend on moves on
    (entries, re-checks, stories, teams and people), so cached figures are never stale.
    The HTML is kept too: with hundreds of people in the tables, rendering them costs more
    than reading the summaries.
    """

    def build():
        context = _figures_context(user, filters, version, export_query)
        return {"context": context, "html": render_to_string(FIGURES_TEMPLATE, context)}

    seconds = settings.PLUMBLINE_DASHBOARD_CACHE_SECONDS
    if not seconds:
        return build()
    key = ":".join(
        str(part)
        for part in (
            "dashboard",
            generation,
            version.pk if version else "-",
            user.pk,
            filters.since,
            filters.until,
            filters.team.pk if filters.team else "-",
            export_query,
        )
    )
    page = cache.get(key)
    if page is None:
        page = build()
        cache.set(key, page, seconds)
    return page


def _figures_context(user, filters, version, export_query) -> dict:
    """Everything below the filter form: the figures, their charts and tables."""
    computed = _compute(user, filters, version)
    coverage, trend, guardrails = computed["coverage"], computed["trend"], computed["guardrails"]
    trended, usage = computed["trended"], computed["usage"]
    teams, people = computed["teams"], computed["people"]

    for term in trended:
        top = max((max(w["stories"], w["conversations"]) for w in term["weeks"]), default=0)
        term["chart"] = column_chart(
            f"Weekly hits of “{term['phrase']}” in stories and conversations; "
            "the table that follows has the numbers.",
            [
                (_week_label(w["week"]), _pair(w["stories"], w["conversations"]))
                for w in term["weeks"]
            ],
            maximum=max(2, top + top % 2),  # even, so the middle gridline is a whole number
        )
    top_uses = max((story["uses"] for story in usage["top"]), default=1)
    top_hits = max((max(row["stories"], row["conversations"]) for row in guardrails), default=1)
    return {
        "filters": filters,
        "version": version,
        "scope_note": SCOPE_NOTES[dashboard_scope(user)],
        "default_days": figures.DEFAULT_DAYS,
        "export_query": export_query,
        "marketing_fill": MARKETING_FILL,
        "sales_fill": SALES_FILL,
        "glance": figures.glance(coverage, trend, guardrails, usage),
        "coverage": coverage,
        "coverage_chart": bar_chart(
            "Share of stories and of conversations that tell each pillar; "
            "the table that follows has the numbers.",
            [
                (row["title"], _pair(row["story_share"], row["conversation_share"]))
                for row in coverage["rows"]
            ],
            unit="%",
        ),
        "trend": trend,
        "trend_chart": column_chart(
            "Average score per week of stories and of conversations; "
            "the table that follows has the numbers.",
            [
                (
                    _week_label(row["week"]),
                    _pair(row["story_avg"], row["conversation_avg"]),
                )
                for row in trend
            ],
        ),
        "guardrails": guardrails,
        "guardrail_chart": bar_chart(
            "Guardrail terms hit most, in stories and in conversations; "
            "the table that follows has the numbers.",
            [(row["phrase"], _pair(row["stories"], row["conversations"])) for row in guardrails],
            maximum=top_hits,
        ),
        "guardrail_trends": trended,
        "usage": usage,
        "usage_chart": bar_chart(
            "Stories used most in conversations; the table that follows has the numbers.",
            [(story["title"], [("sales", story["uses"])]) for story in usage["top"]],
            maximum=top_uses,
        ),
        "teams": teams,
        "team_chart": bar_chart(
            "Average score per team; the table that follows has the numbers.",
            [(row["team"], [(row["side"], row["avg"])]) for row in teams],
        ),
        "people": people,
    }


@require_safe
@require(may_see_dashboard)
def dashboard(request):
    numbers = generations.numbers()
    form, filters = _filters(request)
    version = PlumbLineVersion.objects.current()
    export_query = urlencode({k: request.GET[k] for k in FILTER_FIELDS if request.GET.get(k)})
    figures_page = _figures(
        request.user, filters, version, export_query, numbers[generations.FIGURES]
    )
    context = {**figures_page["context"], "form": form, "figures": figures_page["html"]}
    return render(request, "stories/dashboard.html", context)


# --- CSV exports ---------------------------------------------------------------------------


def _coverage_rows(user, filters, version):
    coverage = figures.pillar_coverage(user, filters, version)
    header = [
        "Pillar",
        "Key",
        "Stories telling it",
        "Stories",
        "Story share (%)",
        "Conversations telling it",
        "Conversations",
        "Conversation share (%)",
        "Gap (points)",
    ]
    rows = [
        [
            row["title"],
            row["key"],
            row["stories"],
            coverage["stories"],
            row["story_share"],
            row["conversations"],
            coverage["conversations"],
            row["conversation_share"],
            row["gap"],
        ]
        for row in coverage["rows"]
    ]
    return header, rows


def _trend_rows(user, filters, version):
    header = [
        "Week starting",
        "Stories",
        "Story average score",
        "Conversations",
        "Conversation average score",
    ]
    rows = [
        [
            r["week"].isoformat(),
            r["stories"],
            r["story_avg"],
            r["conversations"],
            r["conversation_avg"],
        ]
        for r in figures.score_trend(user, filters)
    ]
    return header, rows


def _guardrail_rows(user, filters, version):
    header = ["Term", "Say instead", "Stories", "Conversations", "Total"]
    rows = [
        [r["phrase"], r["preferred"], r["stories"], r["conversations"], r["total"]]
        for r in figures.guardrail_hits(user, filters, version, limit=None)
    ]
    return header, rows


def _usage_rows(user, filters, version):
    header = ["Story", "Published on", "Conversations that used it"]
    rows = [
        [s["title"], timezone.localdate(s["published_at"]).isoformat(), s["uses"]]
        for s in figures.all_story_usage(user, filters)
    ]
    return header, rows


def _team_rows(user, filters, version):
    header = ["Team", "Side", "Entries", "Average score"]
    rows = [
        [
            r["team"],
            "Marketing (stories)" if r["side"] == "marketing" else "Sales (conversations)",
            r["entries"],
            r["avg"],
        ]
        for r in figures.team_figures(user, filters)
    ]
    return header, rows


def _people_rows(user, filters, version):
    people = figures.person_figures(user, filters)
    header = ["Person", "Stories", "Story average score"]
    if people["conversations_shown"]:
        header += ["Conversations", "Conversation average score"]
    rows = []
    for r in people["rows"]:
        row = [r["name"], r["stories"], r["story_avg"]]
        if people["conversations_shown"]:
            row += [r["conversations"], r["conversation_avg"]]
        rows.append(row)
    return header, rows


EXPORTS = {
    "coverage": _coverage_rows,
    "trend": _trend_rows,
    "guardrails": _guardrail_rows,
    "usage": _usage_rows,
    "teams": _team_rows,
    "people": _people_rows,
}


@require_safe
@require(may_see_dashboard)
def dashboard_export(request, table):
    if table not in EXPORTS:
        raise Http404("No such dashboard table.")
    if not may_export_dashboard_table(request.user, table):
        raise PermissionDenied
    _form, filters = _filters(request)
    version = PlumbLineVersion.objects.current()
    header, rows = EXPORTS[table](request.user, filters, version)
    filename = f"plumbline-{table}-{filters.since:%Y%m%d}-{filters.until:%Y%m%d}.csv"
    return csv_response(filename, header, rows)
