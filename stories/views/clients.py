"""Clients and their contacts: personal data, for sales and managers only (404 to others)."""

from dataclasses import dataclass
from functools import lru_cache, partial

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from stories import services
from stories.compiled import Compiled
from stories.forms import CLIENT_JUST_ADDED, ClientForm, ContactForm
from stories.list_rows import (
    CONVERSATION_COLUMNS,
    PILLAR_NAMES,
    Names,
    conversation_row,
    day,
    link_rows,
    person,
    with_dots,
)
from stories.models import Client, Contact, Conversation, Story
from stories.pagination import Ordering, first_page_query, paginate_queryset
from stories.permissions import (
    CLIENT_SHAPE,
    clients_of,
    conversation_reps,
    conversations_of,
    get_client_for,
    may_edit_client,
    may_log_conversations,
    may_see_sales_records,
    visible_clients,
    visible_conversations,
)
from stories.views.conversations import NEWEST_FIRST
from teams.permissions import require

sales_only = require(may_see_sales_records, hide=True)
# The client list: index client_name (client_owner_name for a rep's own clients).
BY_NAME = Ordering("name", "pk")
LIST_COLUMNS = [
    "pk",
    "name",
    "industry",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
]
TIMELINE_SIZE = 20
TIMELINE_NAMES = {
    "pillar_names": PILLAR_NAMES,
    # (title, id): the stories they heard are read from these when the timeline is one page.
    "story_names": Names(
        Conversation.stories_used, "story__title", "story__title", also=("story__id",)
    ),
    "contact_names": Names(Conversation.contacts, "contact__name", "contact__name"),
}


@sales_only
def client_list(request):
    user = request.user
    clients = visible_clients(user)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        clients = clients.filter(Q(name__icontains=q) | Q(industry__icontains=q))
    page = paginate_queryset(
        request,
        clients,
        BY_NAME,
        columns=LIST_COLUMNS,
        size=25,
        salt="stories.client_list",
        counted=False,
    )
    rows = page.object_list
    # Counted for the page's clients only, in one query, rather than for every client.
    counts = dict(
        visible_conversations(user)
        .filter(client__in=[row["pk"] for row in rows])
        .order_by()
        .values("client")
        .annotate(count=Count("pk"))
        .values_list("client", "count")
    )
    link_rows(rows, "stories:client_detail")
    for row in rows:
        row["conversations"] = counts.get(row["pk"], 0)
        row["owner"] = person(
            row["owner__first_name"], row["owner__last_name"], row["owner__username"]
        )
    return render(
        request,
        "stories/client_list.html",
        {"page": page, "q": q, "may_create": may_log_conversations(user)},
    )


@sales_only
@require_GET
def client_search(request):
    """Type-ahead for the conversation form: the first matching clients as <option>s."""
    q = request.GET.get("q", "").strip()[:100]
    clients = visible_clients(request.user)
    if q:
        clients = clients.filter(name__icontains=q)
    return render(
        request,
        "stories/_client_options.html",
        {"clients": clients.order_by("name")[:20], "q": q},
    )


@require(may_log_conversations, hide=True)
def client_create(request):
    form = ClientForm(request.POST or None)
    similar = []
    if request.method == "POST":
        name = request.POST.get("name", "")
        # "Did you mean …": shown once; "Add it anyway" confirms it is a different client.
        similar = [] if request.POST.get("confirmed") else _similar_clients(request.user, name)
        if form.is_valid() and not similar:
            data = form.cleaned_data
            try:
                client = services.client_create(
                    owner=request.user,
                    name=data["name"],
                    industry=data["industry"],
                    size=data["size"],
                    notes=data["notes"],
                )
            except services.ClientNameTaken:
                form.add_error("name", CLIENT_JUST_ADDED)
            else:
                messages.success(request, f"Client “{client}” added.")
                return redirect(client)
    return render(request, "stories/client_form.html", {"form": form, "similar": similar})


def _similar_clients(user, name: str) -> list[Client]:
    """“Did you mean …”: visible clients sharing a word of the name."""
    words = [w for w in name.casefold().split() if len(w) >= 3][:4]
    if not words:
        return []
    match = Q()
    for word in words:
        match |= Q(name_key__contains=word)
    return list(visible_clients(user).filter(match).order_by("name")[:5])


# Stands for the client's id in the client page's compiled queries (see _client_page).
THIS_CLIENT = -1
CONTACT_COLUMNS = ["pk", "name", "role", "email", "phone"]
STORIES_HEARD = 20


@dataclass(frozen=True)
class _ClientPage:
    client: Compiled  # the client, its owner and its contacts, a row per contact
    timeline: Compiled  # the first page of the timeline
    stories: Compiled  # the stories used across the timeline, by title


@lru_cache(maxsize=256)
def _client_page(reps: frozenset[int] | None) -> _ClientPage:
    """The client page's queries for a viewer who sees `reps`' conversations (None: all),
    built and compiled once, the client's id a slot: the ORM's work on these queries cost
    the page more than the database's."""
    # The contacts joined to the client (LEFT JOIN: a client may have none): one query.
    client = (
        clients_of(reps)
        .filter(pk=THIS_CLIENT)
        .values(*CLIENT_SHAPE.columns, *(f"contacts__{name}" for name in CONTACT_COLUMNS))
        .order_by("contacts__name", "contacts__pk")
    )
    timeline = conversations_of(reps, Conversation.objects.filter(client_id=THIS_CLIENT))
    first_page = first_page_query(
        timeline,
        NEWEST_FIRST,
        columns=CONVERSATION_COLUMNS,
        size=TIMELINE_SIZE,
        counted=False,
        names=TIMELINE_NAMES,
    )
    # From the client's conversations (an index range), not a join of every story use.
    uses = Conversation.stories_used.through.objects.filter(conversation__in=timeline.values("pk"))
    stories = (
        Story.objects.filter(pk__in=uses.values("story_id"))
        .values("pk", "title")
        .order_by("title", "pk")[:STORIES_HEARD]
    )
    return _ClientPage(
        *(Compiled(query, client=THIS_CLIENT) for query in (client, first_page, stories))
    )


def _read_client(reps: frozenset[int] | None, pk: int) -> Client | None:
    """The client as get_client_for reads it, with its contacts (`page_contacts`, dicts of
    CONTACT_COLUMNS by name) from the same query."""
    query = _client_page(reps).client
    rows = query.rows(client=pk)
    if not rows:
        return None
    client = CLIENT_SHAPE.make(rows[0], query.using)
    client.page_contacts = [
        {name: row[f"contacts__{name}"] for name in CONTACT_COLUMNS}
        for row in rows
        if row["contacts__pk"] is not None
    ]
    return client


def _stories_heard(page, queries: _ClientPage, client: Client) -> list[dict]:
    """The stories used across the timeline, by title: read from its rows when they are
    the whole timeline (most clients'), else with a query of their own."""
    if page.has_other_pages:
        return queries.stories.rows(client=client.pk)
    heard = {(title, int(pk)) for row in page.object_list for title, pk in row["story_names"]}
    return [{"pk": pk, "title": title} for title, pk in sorted(heard)[:STORIES_HEARD]]


@sales_only
def client_detail(request, pk):
    reps = conversation_reps(request.user)
    client = get_client_for(request.user, pk, clients=_read_client)
    queries = _client_page(reps)
    page = paginate_queryset(
        request,
        lambda: conversations_of(reps, client.conversations.all()),
        NEWEST_FIRST,  # served by conversation_client_when
        columns=CONVERSATION_COLUMNS,
        size=TIMELINE_SIZE,
        salt="stories.client_detail",
        counted=False,
        names=TIMELINE_NAMES,
        first_rows=partial(queries.timeline.rows, client=client.pk),
    )
    rows = page.object_list
    reached_pillars = sorted({title for row in rows for title in row["pillar_names"]})
    reached_stories = _stories_heard(page, queries, client)
    link_rows(reached_stories, "stories:story_detail")
    link_rows(rows, "stories:conversation_detail")
    return render(
        request,
        "stories/client_detail.html",
        {
            "client": client,
            "contacts": client.page_contacts,
            "page": page,
            "rows": [_timeline_row(row) for row in rows],
            "reached_pillars": reached_pillars,
            "reached_stories": reached_stories,
            "may_edit": may_edit_client(request.user, client),
            "may_log": may_log_conversations(request.user),
        },
    )


def _timeline_row(row: dict) -> dict:
    shown = conversation_row(row, day(row["occurred_at"]))
    contacts = ", ".join(row["contact_names"])
    stories = "; ".join(title for title, _ in row["story_names"])
    shown["details"] = with_dots(
        f"{shown['rep']} with {contacts}" if contacts else shown["rep"],
        f"stories: {stories}" if stories else "",
        shown["pillars"],
    )
    return shown


@sales_only
def client_edit(request, pk):
    client = get_client_for(request.user, pk, edit=True)
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_save(client=form.save(commit=False))
        except services.ClientNameTaken:
            form.add_error("name", CLIENT_JUST_ADDED)
        else:
            messages.success(request, "Saved.")
            return redirect(client)
    return render(request, "stories/client_form.html", {"form": form, "client": client})


@sales_only
def contact_edit(request, pk, contact_pk=None):
    client = get_client_for(request.user, pk, edit=True)
    contact = (
        get_object_or_404(Contact, pk=contact_pk, client=client)
        if contact_pk
        else Contact(client=client)
    )
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Contact “{contact.name}” saved.")
        return redirect(client)
    return render(
        request, "stories/contact_form.html", {"form": form, "client": client, "contact": contact}
    )


@sales_only
@require_GET
def contact_options(request):
    """The contact checkboxes for the client chosen in the conversation form (?client=ID)."""
    client_id = request.GET.get("client", "")
    contacts = Contact.objects.none()
    if client_id.isdecimal():
        contacts = get_client_for(request.user, client_id).contacts.all()
    return render(request, "stories/_contact_options.html", {"contacts": contacts})
