"""Clients and their contacts: personal data, for sales and managers only (404 to others)."""

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from plumbline.models import Pillar
from stories import services
from stories.filters import ClientFilter
from stories.forms import CLIENT_JUST_ADDED, ClientForm, ContactForm
from stories.models import Client, Contact, Conversation, Story
from stories.pagination import Ordering, paginate
from stories.permissions import (
    get_client_for,
    may_edit_client,
    may_log_conversations,
    may_see_sales_records,
    visible_clients,
    visible_conversations,
)
from stories.views.conversations import NEWEST_FIRST, with_tags
from teams.permissions import require

sales_only = require(may_see_sales_records, hide=True)
# The client list: index client_name (client_owner_name for a rep's own clients).
BY_NAME = Ordering("name", "pk")
PAGE_SIZE = 25
TIMELINE_SIZE = 20
STORIES_HEARD = 20


@require_safe
@sales_only
def client_list(request):
    user = request.user
    filters = ClientFilter(request.GET, queryset=visible_clients(user), request=request)
    page = paginate(
        request,
        filters.qs.select_related("owner"),
        BY_NAME,
        size=PAGE_SIZE,
        salt="clients",
        count_cap=None,
    )
    # Counted for the page's clients only, in one query, rather than for every client.
    counts = dict(
        visible_conversations(user)
        .filter(client__in=page.object_list)
        .order_by()
        .values_list("client")
        .annotate(count=Count("pk"))
    )
    for client in page.object_list:
        client.conversation_count = counts.get(client.pk, 0)
    return render(
        request,
        "stories/client_list.html",
        {"page": page, "filters": filters, "may_create": may_log_conversations(user)},
    )


@require_safe
@sales_only
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


@require_safe
@sales_only
def client_detail(request, pk):
    user = request.user
    client = get_client_for(user, pk)
    timeline = visible_conversations(user, client.conversations.all())
    page = paginate(
        request,
        with_tags(timeline).prefetch_related(  # served by conversation_client_when
            "contacts", Prefetch("stories_used", queryset=Story.objects.order_by("title"))
        ),
        NEWEST_FIRST,
        size=TIMELINE_SIZE,
        salt=f"clients.timeline:{client.pk}",
        count_cap=None,
    )
    # Across the whole timeline, from the client's conversations (an index range), not a
    # join of every story use.
    uses = Conversation.stories_used.through.objects.filter(conversation__in=timeline.values("pk"))
    heard = Story.objects.filter(pk__in=uses.values("story_id"))
    return render(
        request,
        "stories/client_detail.html",
        {
            "client": client,
            "contacts": client.contacts.all(),
            "page": page,
            "reached_pillars": _told(page.object_list),
            "reached_stories": heard.order_by("title", "pk")[:STORIES_HEARD],
            "may_edit": may_edit_client(user, client),
            "may_log": may_log_conversations(user),
        },
    )


def _told(conversations) -> list[str]:
    """The titles of the pillars the check found told in these conversations (not merely
    tagged), as the latest version that checked them names them: one query."""
    keys = {key for conversation in conversations for key in conversation.told_keys}
    if not keys:
        return []
    checked = {conversation.checked_version_id for conversation in conversations}
    pillars = Pillar.objects.filter(key__in=keys, version__in=checked).order_by("-version__number")
    titles = {}
    for key, title in pillars.values_list("key", "title"):
        titles.setdefault(key, title)
    return sorted(titles.values())


@sales_only
def client_edit(request, pk):
    client = get_client_for(request.user, pk, edit=True)
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(client=client, **form.cleaned_data)
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
        services.contact_save(contact=contact, **form.cleaned_data)
        messages.success(request, f"Contact “{contact.name}” saved.")
        return redirect(client)
    return render(
        request, "stories/contact_form.html", {"form": form, "client": client, "contact": contact}
    )


@require_safe
@sales_only
def contact_options(request):
    """The contact checkboxes for the client chosen in the conversation form (?client=ID)."""
    client_id = request.GET.get("client", "")
    contacts = Contact.objects.none()
    if client_id.isdecimal():
        contacts = get_client_for(request.user, client_id).contacts.all()
    return render(request, "stories/_contact_options.html", {"contacts": contacts})
