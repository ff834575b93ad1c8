"""Clients and their contacts: personal data, for sales and managers only (404 to others)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from stories import services
from stories.forms import ClientForm, ContactForm
from stories.models import Client, Contact, Story
from stories.permissions import (
    get_client_for,
    may_edit_client,
    may_log_conversations,
    may_see_sales_records,
    visible_clients,
    visible_conversations,
)
from teams.permissions import require

sales_only = require(may_see_sales_records, hide=True)


@sales_only
def client_list(request):
    clients = visible_clients(request.user).select_related("owner")
    q = request.GET.get("q", "").strip()[:100]
    if q:
        clients = clients.filter(Q(name__icontains=q) | Q(industry__icontains=q))
    clients = clients.annotate(
        conversation_count=Count(
            "conversations",
            filter=Q(conversations__in=visible_conversations(request.user)),
        )
    ).order_by("name")
    page = Paginator(clients, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "stories/client_list.html",
        {
            "page": page,
            "q": q,
            "query": urlencode({"q": q}) if q else "",
            "may_create": may_log_conversations(request.user),
        },
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
            client = services.client_create(
                owner=request.user,
                name=data["name"],
                industry=data["industry"],
                size=data["size"],
                notes=data["notes"],
            )
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


@sales_only
def client_detail(request, pk):
    client = get_client_for(request.user, pk)
    timeline = (
        visible_conversations(request.user)
        .filter(client=client)
        .select_related("rep")
        .prefetch_related("pillars", "stories_used", "contacts")
        .order_by("-occurred_at", "-pk")
    )
    page = Paginator(timeline, 20).get_page(request.GET.get("page"))
    reached_pillars = sorted(
        {p.title for conversation in page.object_list for p in conversation.pillars.all()}
    )
    reached_stories = (
        Story.objects.filter(conversations__in=timeline).distinct().order_by("title")[:20]
    )
    return render(
        request,
        "stories/client_detail.html",
        {
            "client": client,
            "contacts": client.contacts.all(),
            "page": page,
            "reached_pillars": reached_pillars,
            "reached_stories": reached_stories,
            "may_edit": may_edit_client(request.user, client),
            "may_log": may_log_conversations(request.user),
        },
    )


@sales_only
def client_edit(request, pk):
    client = get_client_for(request.user, pk, edit=True)
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        form.save()
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
