"""The list pages' filters, as django-filter FilterSets: the library, conversations, clients
and the review queue. Each filters a queryset the app's access rules give it
(`visible_stories(user)` …); what a filter offers comes from those rules too.

A tampered value fails its form field and drops that one filter, as django-filter does
with an invalid form: the others still apply. A list's filters panel stays closed until
a filter is applied or the panel is asked for (`?filters=open`): see `filters_wanted`.
"""

from datetime import datetime, time, timedelta

import django_filters as filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from plumbline.models import Pillar
from stories.form_fields import EARLIEST_DAY, LATEST_DAY, BoundedDateField
from stories.models import Audience, Band, Conversation, Story, TcoTopic
from stories.pagination import CURSOR
from stories.permissions import (
    conversation_scopes,
    filterable_reps,
    queue_people,
    queue_teams,
    story_writers,
    visible_clients,
)

# ?filters=open asks for a list's filters panel: htmx when the panel is first opened (it
# gets the panel alone), or a link without JavaScript (the page with the panel open).
SHOW_FILTERS = "filters"


def filters_wanted(request) -> bool:
    """Whether the list page builds its filters: anything asked but a page's cursor."""
    return any(key != CURSOR for key in request.GET)


def filters_panel_only(request) -> bool:
    """Whether htmx asks for the filters panel alone."""
    return bool(request.htmx) and request.GET.get(SHOW_FILTERS) == "open"


def linked(relation, **lookups) -> Exists:
    """The row is linked through the many-to-many `relation` (Conversation.pillars) to what
    `lookups` name on the link table (pillar__key="value"). EXISTS rather than a join,
    which could repeat a row and need DISTINCT."""
    owner = relation.field.m2m_field_name()
    return Exists(relation.through.objects.filter(**{owner: OuterRef("pk")}, **lookups))


def start_of_day(day) -> datetime:
    """The first moment of a date in the site's time zone, the date the pages show.

    Date filters compare the stored moment with this (`occurred_at >= start_of_day(since)`,
    `< start_of_next_day(until)`), a range an index serves, where `occurred_at__date`
    would convert every row's time first. A date outside BoundedDateField's bounds counts
    as the bound: at the ends of the calendar a day cannot be added, nor the moment moved
    to UTC.
    """
    day = min(max(day, EARLIEST_DAY), LATEST_DAY + timedelta(days=1))
    return timezone.make_aware(datetime.combine(day, time.min))


def start_of_next_day(day) -> datetime:
    """The first moment after a date: where a date filter's last day ends."""
    return start_of_day(min(day, LATEST_DAY) + timedelta(days=1))


def in_period(field: str, since, until) -> Q:
    """`field` (a moment) falls on the days from `since` to `until`, either may be None."""
    period = Q()
    if since:
        period &= Q(**{f"{field}__gte": start_of_day(since)})
    if until:
        period &= Q(**{f"{field}__lt": start_of_next_day(until)})
    return period


class DateFilter(filters.DateFilter):
    field_class = BoundedDateField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(*args, **kwargs)


def by_name(people):
    """People as the filters offer them: by name, as User.__str__ shows it."""
    return people.order_by("first_name", "last_name", "username")


class PillarKeyField(forms.SlugField):
    """A pillar by its key: offered from the current plumb line, accepted from any version,
    so that a filter also finds the entries told under earlier versions."""

    widget = forms.Select

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = Pillar.objects.filter(version__is_current=True).values_list("key", "title")
        self.widget.choices = [("", "Any pillar"), *current]


class PillarFilter(filters.CharFilter):
    field_class = PillarKeyField


class ListFilterSet(filters.FilterSet):
    """A list's filters, laid out as a row of form controls. `widths` gives a field's grid
    column classes where it is not the default; `clear_url` names the list's own page."""

    widths: dict[str, str] = {}
    default_width = "col-6 col-md-2"
    clear_url = ""
    label = ""
    submit_label = "Filter"

    # Fields that order the list rather than narrow it.
    not_filters: tuple[str, ...] = ()

    @property
    def is_filtering(self) -> bool:
        """Whether a valid filter or search narrows the list: its empty state then says
        that nothing matches, not that there is nothing."""
        if not self.is_bound:
            return False
        self.form.is_valid()
        return any(
            name in self.form.cleaned_data and any(v.strip() for v in self.data.getlist(name))
            for name in self.form.fields
            if name not in self.not_filters
        )

    def chosen(self, name: str):
        """A filter's value, or None when it is not given or not valid."""
        if not self.is_bound:
            return None
        self.form.is_valid()
        return self.form.cleaned_data.get(name) or None

    def layout_of(self, name: str) -> list:
        """The layout of one field: a grid column; a subclass puts more around some."""
        return [Div(Field(name), css_class=self.widths.get(name, self.default_width))]

    @property
    def helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_method = "get"
        helper.form_class = "row g-2 align-items-end filters"
        helper.attrs = {"role": "search", "aria-label": self.label}
        helper.disable_csrf = True
        buttons = (
            '<div class="col-12 col-md-2 d-flex gap-2 mb-3"><button class="btn '
            f'btn-outline-primary flex-fill" type="submit">{self.submit_label}</button>'
            f'<a class="btn btn-link" href="{reverse(self.clear_url)}">Clear</a></div>'
        )
        fields = [part for name in self.form.fields for part in self.layout_of(name)]
        helper.layout = Layout(*fields, HTML(buttons))
        return helper


# --- The story library ----------------------------------------------------------------------

STORY_SORTS = [
    ("-published", "Newest first"),
    ("published", "Oldest first"),
    ("score", "Lowest score first"),
    ("-score", "Highest score first"),
]


class StoryFilter(ListFilterSet):
    q = filters.CharFilter(label="Search", method="search", max_length=100)
    audience = filters.ModelChoiceFilter(
        queryset=Audience.objects.all(),
        label="Audience",
        method="told_to",
        empty_label="Any audience",
    )
    channel = filters.ChoiceFilter(choices=Story.Channel.choices, empty_label="Any channel")
    pillar = PillarFilter(label="Pillar", method="telling")
    status = filters.ChoiceFilter(choices=Story.Status.choices, empty_label="Any status")
    band = filters.ChoiceFilter(choices=Band.choices, empty_label="Any band")
    author = filters.ModelChoiceFilter(
        queryset=lambda request: by_name(story_writers()), empty_label="Anyone"
    )
    sort = filters.ChoiceFilter(
        choices=STORY_SORTS, method="sorted_by", empty_label=None, label="Sort"
    )

    widths = {"q": "col-12 col-md-4"}
    not_filters = ("sort",)
    clear_url = "stories:library"
    label = "Filter stories"

    def __init__(self, *args, show_status: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_status:
            del self.filters["status"]

    def search(self, stories, name, value):
        return stories.filter(Q(title__icontains=value) | Q(summary__icontains=value))

    def told_to(self, stories, name, value):
        return stories.filter(linked(Story.audiences, audience=value))

    def telling(self, stories, name, value):
        return stories.filter(linked(Story.pillars, pillar__key=value))

    def sorted_by(self, stories, name, value):
        return stories  # the page's keyset ordering: see chosen_sort()

    def chosen_sort(self) -> str:
        """The chosen sort (its key in STORY_SORTS), newest first unless asked otherwise."""
        return self.chosen("sort") or STORY_SORTS[0][0]


# --- Conversations --------------------------------------------------------------------------

SCOPES = {"mine": "Mine", "team": "My team", "all": "Everyone"}


class ConversationFilter(ListFilterSet):
    scope = filters.ChoiceFilter(
        label="Whose", choices=list(SCOPES.items()), method="of_scope", empty_label=None
    )
    client = filters.ModelChoiceFilter(
        queryset=lambda request: visible_clients(request.user), empty_label="Any client"
    )
    rep = filters.ModelChoiceFilter(
        queryset=lambda request: by_name(filterable_reps(request.user)), empty_label="Anyone"
    )
    channel = filters.ChoiceFilter(choices=Conversation.Channel.choices, empty_label="Any channel")
    pillar = PillarFilter(label="Pillar", method="telling")
    band = filters.ChoiceFilter(choices=Band.choices, empty_label="Any band")
    tco = filters.ModelChoiceFilter(
        queryset=TcoTopic.objects.all(),
        to_field_name="key",
        label="TCO topic",
        empty_label="Any topic",
        method="about",
    )
    since = DateFilter(label="From", method="from_day")
    until = DateFilter(label="Until", method="to_day")

    widths = {"pillar": "col-6 col-md-3"}
    not_filters = ("scope",)  # whose conversations: the page's default is one of them
    clear_url = "stories:conversation_list"
    label = "Filter conversations"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user
        scopes = conversation_scopes(user)
        if len(scopes) < 2:
            del self.filters["scope"]
        else:
            # The viewer's default scope first: it is what the page shows before a choice.
            self.filters["scope"].extra["choices"] = [(scope, SCOPES[scope]) for scope in scopes]
        if filterable_reps(user) is None:
            del self.filters["rep"]

    def of_scope(self, conversations, name, value):
        # "team" (a lead's) and "all" (a manager's) are everything the viewer may see.
        return conversations.filter(rep=self.request.user) if value == "mine" else conversations

    def telling(self, conversations, name, value):
        return conversations.filter(linked(Conversation.pillars, pillar__key=value))

    def about(self, conversations, name, value):
        return conversations.filter(linked(Conversation.tco_topics, tcotopic=value))

    def from_day(self, conversations, name, value):
        return conversations.filter(in_period("occurred_at", value, None))

    def to_day(self, conversations, name, value):
        return conversations.filter(in_period("occurred_at", None, value))

    def offer_clients(self, clients) -> None:
        """Offer these clients (and the chosen one) in the client select, by name, not
        every client the viewer may see: a manager sees thousands. The search box beside
        it finds any other."""
        chosen = self.chosen("client")
        offered = {client.pk: client.name for client in clients}
        if chosen:
            offered[chosen.pk] = chosen.name
        field = self.form.fields["client"]
        ordered = sorted(offered.items(), key=lambda choice: choice[1].casefold())
        field.widget.choices = [("", field.empty_label), *ordered]

    def layout_of(self, name: str) -> list:
        if name != "client":
            return super().layout_of(name)
        # Typing in the search box swaps the client options in (htmx); it is not a filter
        # of its own: it belongs to the empty form "client-finder" (the list's template).
        search = HTML(
            '<label class="form-label" for="client-search">Find a client</label>'
            '<input class="form-control" type="search" id="client-search" name="q" '
            'form="client-finder" autocomplete="off" placeholder="Type a few letters…" '
            f'data-hx-get="{reverse("stories:client_search")}" data-hx-trigger="input changed '
            'delay:250ms" data-hx-target="#id_client" aria-controls="id_client">'
        )
        return [
            Div(search, css_class="col-6 col-md-3 mb-3"),
            Div(Field("client"), css_class="col-6 col-md-3"),
        ]


# --- Clients --------------------------------------------------------------------------------


class ClientFilter(ListFilterSet):
    q = filters.CharFilter(label="Name or industry", method="search", max_length=100)

    widths = {"q": "col-12 col-md-6"}
    clear_url = "stories:client_list"
    label = "Search clients"
    submit_label = "Search"

    def search(self, clients, name, value):
        return clients.filter(Q(name__icontains=value) | Q(industry__icontains=value))


# --- The review queue -----------------------------------------------------------------------

KINDS = [("story", "Stories"), ("conversation", "Conversations")]


class QueueFilter(ListFilterSet):
    """Filters each part of the queue, stories and conversations alike: a filter reads
    the entry's person and date from the fields of its kind (PERSON, WHEN)."""

    PERSON = {Story: "author", Conversation: "rep"}
    WHEN = {Story: "updated_at", Conversation: "occurred_at"}

    kind = filters.ChoiceFilter(
        label="Kind", choices=KINDS, method="of_kind", empty_label="Stories and conversations"
    )
    team = filters.ModelChoiceFilter(
        queryset=lambda request: queue_teams(request.user),
        label="Team",
        method="in_team",
        empty_label="Any team",
    )
    person = filters.ModelChoiceFilter(
        queryset=lambda request: by_name(queue_people(request.user)),
        label="Person",
        method="by",
        empty_label="Anyone",
    )
    pillar = PillarFilter(label="Pillar", method="telling")
    band = filters.ChoiceFilter(choices=Band.choices, empty_label="Any band")
    since = DateFilter(label="From", method="from_day")
    until = DateFilter(label="Until", method="to_day")

    default_width = "col-6 col-md-3"
    widths = {"band": "col-6 col-md-2", "since": "col-6 col-md-2", "until": "col-6 col-md-2"}
    clear_url = "stories:review_queue"
    label = "Filter the queue"

    def kinds(self) -> list[str]:
        """The kinds of entry the queue shows."""
        chosen = self.chosen("kind")
        return [chosen] if chosen else [kind for kind, _ in KINDS]

    def of_kind(self, entries, name, value):
        return entries  # the queue reads only the parts of the chosen kind: see kinds()

    def in_team(self, entries, name, value):
        # The members' ids as values, not a subquery: the planner then knows how few
        # entries they have, and reads them by person instead of walking the whole queue.
        members = list(value.memberships.values_list("user_id", flat=True))
        return entries.filter(**{f"{self.PERSON[entries.model]}__in": members})

    def by(self, entries, name, value):
        return entries.filter(**{self.PERSON[entries.model]: value})

    def telling(self, entries, name, value):
        return entries.filter(linked(entries.model.pillars, pillar__key=value))

    def from_day(self, entries, name, value):
        return entries.filter(in_period(self.WHEN[entries.model], value, None))

    def to_day(self, entries, name, value):
        return entries.filter(in_period(self.WHEN[entries.model], None, value))
