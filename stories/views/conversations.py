"""Sales conversations: logged by reps, read by their leads and managers, 404 to marketing."""

import uuid
from datetime import timedelta
from functools import lru_cache, partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from plumbline.models import PlumbLineVersion
from stories import services
from stories.choices import Choices
from stories.compiled import Compiled, Shape
from stories.forms import (
    CLIENT_JUST_ADDED,
    ConversationFilterForm,
    ConversationForm,
    as_id,
    filters_panel_only,
    filters_wanted,
    start_of_day,
)
from stories.list_rows import (
    CONVERSATION_COLUMNS,
    PILLAR_NAMES,
    Names,
    conversation_row,
    day_and_time,
    fill_instance_names,
    link_rows,
    linked,
    with_dots,
    with_names,
)
from stories.live_check import live_check_response, report_for
from stories.markdown import render_markdown
from stories.models import Client, Contact, Conversation, Review, Story
from stories.pagination import Ordering, first_page_query, paginate_queryset
from stories.permissions import (
    conversation_reps,
    conversation_scopes,
    conversations_of,
    filterable_reps,
    get_conversation_for,
    may_log_conversations,
    may_see_sales_records,
    people_key,
    visible_clients,
    visible_conversations,
)
from teams.models import User
from teams.permissions import require

PAGE_SIZE = 25
# Served by the index conversation_when (and conversation_rep_when for one rep's list).
NEWEST_FIRST = Ordering("-occurred_at", "-pk")
# What a list row shows; the notes and stored check reports stay in the database.
LIST_COLUMNS = [*CONVERSATION_COLUMNS, "client_id", "client__name"]
ROW_NAMES = {
    "pillar_names": PILLAR_NAMES,
    "topic_names": Names(Conversation.tco_topics, "tcotopic__label", "tcotopic__position"),
}
# The conversation's page: its tags, and whom and what it names with their details.
PAGE_NAMES = {
    **ROW_NAMES,
    "contact_names": Names(
        Conversation.contacts, "contact__name", "contact__name", also=("contact__role",)
    ),
    "story_links": Names(
        Conversation.stories_used, "story__title", "story__title", also=("story__id",)
    ),
}
CHECKED_FIELDS = ("summary", "notes", "client_goals", "risks", "outcome", "next_step")
sales_only = require(may_see_sales_records, hide=True)


@sales_only
def conversation_list(request):
    user = request.user
    scopes = conversation_scopes(user)
    filters = None
    if filters_wanted(request):
        filters = ConversationFilterForm(
            request.GET,
            choices=Choices(),
            # Built only to check a submitted client (see forms._offer).
            clients=partial(visible_clients, user),
            reps=filterable_reps(user),
            reps_key=f"reps:{people_key(user)}",
            scopes=scopes,
        )
    reps = conversation_reps(user)
    if filters is not None and filters_panel_only(request):
        # The clients of the list's first page, as the page with the panel open offers.
        mine = user.pk if scopes[0] == "mine" else None
        rows = _first_page(reps, mine).rows() if reps != frozenset() else []
        filters.offer_clients((row["client_id"], row["client__name"]) for row in rows)
        return render(request, "stories/_conversation_filters.html", {"filters": filters})
    scope, data = scopes[0], {}
    if filters is not None:
        filters.is_valid()  # a tampered value drops that one filter, not all of them
        data = filters.cleaned_data
        scope = data.get("scope") or scope
    mine = user.pk if scope == "mine" else None
    unfiltered = filters is None and reps != frozenset()
    page = paginate_queryset(
        request,
        partial(_listed, user, data, mine),  # built only when the compiled page won't do
        NEWEST_FIRST,
        columns=LIST_COLUMNS,
        size=PAGE_SIZE,
        salt="stories.conversation_list",
        names=ROW_NAMES,
        first_rows=_first_page(reps, mine).rows if unfiltered else None,
    )
    rows = page.object_list
    if filters is not None:
        filters.offer_clients((row["client_id"], row["client__name"]) for row in rows)
    link_rows(rows, "stories:conversation_detail")
    return render(
        request,
        "stories/conversation_list.html",
        {
            "page": page,
            "rows": [_row(row) for row in rows],
            "filters": filters,
            "scope": scope,
            "may_log": may_log_conversations(user),
        },
    )


def _listed(user, data: dict, mine: int | None):
    """The conversations the list shows: what `user` may see, of `data`'s filters (a
    ConversationFilterForm's cleaned data), only `mine` (a rep's id) if given."""
    conversations = visible_conversations(user)
    if data.get("client"):
        conversations = conversations.filter(client=data["client"])
    if data.get("rep"):
        conversations = conversations.filter(rep=data["rep"])
    if data.get("channel"):
        conversations = conversations.filter(channel=data["channel"])
    if data.get("pillar"):
        conversations = conversations.filter(
            linked(Conversation.pillars, pillar__key=data["pillar"])
        )
    if data.get("band"):
        conversations = conversations.filter(band=data["band"])
    if data.get("tco"):
        conversations = conversations.filter(linked(Conversation.tco_topics, tcotopic=data["tco"]))
    if data.get("since"):
        conversations = conversations.filter(occurred_at__gte=start_of_day(data["since"]))
    if data.get("until"):
        next_day = data["until"] + timedelta(days=1)
        conversations = conversations.filter(occurred_at__lt=start_of_day(next_day))
    if mine:
        conversations = conversations.filter(rep_id=mine)
    # "team" (a lead's) and "all" (a manager's) are everything visible_conversations allows.
    return conversations


@lru_cache(maxsize=256)
def _first_page(reps: frozenset[int] | None, mine: int | None) -> Compiled:
    """The unfiltered list's first page, of `reps`' conversations (None: everyone's) or
    only `mine`: built and compiled once per viewer's scope, as the page most often seen."""
    conversations = conversations_of(reps)
    if mine:
        conversations = conversations.filter(rep_id=mine)
    return Compiled(
        first_page_query(
            conversations, NEWEST_FIRST, columns=LIST_COLUMNS, size=PAGE_SIZE, names=ROW_NAMES
        )
    )


def _row(row: dict) -> dict:
    shown = conversation_row(row, row["client__name"])
    topics = ", ".join(row["topic_names"]).lower()
    shown["details"] = with_dots(
        day_and_time(row["occurred_at"]),
        shown["rep"],
        shown["pillars"],
        f"TCO: {topics}" if topics else "",
    )
    return shown


@require(may_log_conversations, hide=True)
def conversation_create(request):
    version = PlumbLineVersion.objects.filter(is_current=True).first()
    if version is None:
        messages.error(
            request, "Publish a plumb line first: every conversation is held against it."
        )
        return redirect("stories:conversation_list")
    clients = visible_clients(request.user)
    initial = {
        "submission_token": uuid.uuid4(),
        "client": request.GET.get("client"),
        # Most conversations are logged right after they happen.
        "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
    }
    if request.method == "POST":
        # A resubmitted form (double tap, retry) finds its conversation before validation,
        # which would otherwise complain that the new client it created now exists.
        token = request.POST.get("submission_token", "")
        try:
            already = Conversation.objects.filter(rep=request.user, submission_token=token).first()
        except ValidationError:
            already = None
        if already:
            messages.info(request, "This conversation was already saved; here it is.")
            return redirect(already)
    form = ConversationForm(
        request.POST or None, version=version, clients=clients, rep=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            conversation, created = services.conversation_log(
                rep=request.user,
                version=version,
                data=form.cleaned_data,
                token=form.cleaned_data["submission_token"],
            )
        except services.ClientNameTaken:
            form.add_error("new_client", CLIENT_JUST_ADDED)
        else:
            if created:
                messages.success(request, "Conversation logged.")
            else:
                messages.info(request, "This conversation was already saved; here it is.")
            return redirect(conversation)
    report = report_for(request.POST, version, CHECKED_FIELDS) if request.method == "POST" else None
    return render(
        request,
        "stories/conversation_form.html",
        {"form": form, "version": version, "report": report},
    )


@require(may_log_conversations, hide=True)
def conversation_check(request):
    return live_check_response(request, CHECKED_FIELDS)


@lru_cache(maxsize=1)
def _with_page_figures():
    """The conversations with their pillars, topics and whether they have verdicts, read
    in the conversation's own query. Built once, as the story page's (views/stories.py)."""
    with_reviews = Conversation.objects.annotate(
        has_reviews=Exists(Review.objects.filter(conversation=OuterRef("pk")))
    )
    return with_names(with_reviews, **PAGE_NAMES)


# Stands for the conversation's id in _conversation_page's query.
THIS_CONVERSATION = -1


@lru_cache(maxsize=256)
def _conversation_page(reps: frozenset[int] | None) -> tuple[Compiled, Shape]:
    """The conversation page's query of one conversation of `reps` (the id a slot) with its
    client, rep, version and page figures, compiled once per viewer's team, and the shape
    that makes the conversation of its row."""
    conversations = conversations_of(reps, _with_page_figures())
    conversations = conversations.filter(pk=THIS_CONVERSATION).order_by()
    related = {"client": Client, "rep": User, "plumbline_version": PlumbLineVersion}
    shape = Shape(Conversation, related, extra=conversations.query.annotations)
    return Compiled(conversations.values(*shape.columns), conversation=THIS_CONVERSATION), shape


def _read_conversation(reps: frozenset[int] | None, pk: int) -> Conversation | None:
    """The conversation as get_conversation_for(conversations=_with_page_figures()) reads it."""
    query, shape = _conversation_page(reps)
    return shape.read(query, conversation=pk)


@sales_only
def conversation_detail(request, pk):
    conversation = get_conversation_for(request.user, pk, conversations=_read_conversation)
    fill_instance_names(conversation, **PAGE_NAMES)
    stories_used = [{"pk": int(pk), "title": title} for title, pk in conversation.story_links]
    return render(
        request,
        "stories/conversation_detail.html",
        {
            "conversation": conversation,
            "notes": render_markdown(conversation.notes),
            "report": conversation.report,
            "contacts": ", ".join(
                Contact.label(name, role) for name, role in conversation.contact_names
            ),
            "stories_used": link_rows(stories_used, "stories:story_detail"),
            "tco_topics": conversation.topic_names,
            "pillars": conversation.pillar_names,
            "reviews": conversation.reviews.select_related("reviewer", "plumbline_version")
            if conversation.has_reviews
            else [],
            "may_edit": conversation.rep_id == request.user.pk,
        },
    )


@sales_only
def conversation_edit(request, pk):
    conversation = get_conversation_for(request.user, pk, edit=True)
    # Edited under the current plumb line (tags follow their keys), as conversation_save does.
    version = (
        PlumbLineVersion.objects.filter(is_current=True).first() or conversation.plumbline_version
    )
    clients = visible_clients(request.user)
    form = ConversationForm(
        request.POST or None,
        instance=conversation,
        version=version,
        clients=clients,
        rep=request.user,
    )
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data.get("new_client"):
            form.add_error("new_client", "Add the new client first, then choose it here.")
        else:
            try:
                services.conversation_save(
                    conversation=conversation,
                    data=form.cleaned_data,
                    lock_version=form.cleaned_data["lock_version"] or conversation.lock_version,
                )
            except services.ConversationConflict as conflict:
                messages.error(
                    request,
                    "This conversation was saved elsewhere (another tab or device) while you "
                    "edited it. Your changes are below; save again to keep them.",
                )
                data = request.POST.copy()
                data["lock_version"] = conflict.saved.lock_version
                form = ConversationForm(
                    data,
                    instance=conflict.saved,
                    version=version,
                    clients=clients,
                    rep=request.user,
                )
                form.is_valid()
            else:
                messages.success(request, "Saved.")
                return redirect(conversation)
    report = (
        conversation.report
        if request.method == "GET"
        else report_for(request.POST, version, CHECKED_FIELDS)
    )
    return render(
        request,
        "stories/conversation_form.html",
        {"form": form, "version": version, "report": report, "conversation": conversation},
    )


@sales_only
def conversation_delete(request, pk):
    """Only the rep who logged it, after confirming; a lead or manager gets 403."""
    conversation = get_conversation_for(request.user, pk, edit=True)
    if request.method == "POST":
        services.conversation_delete(conversation=conversation)
        messages.success(request, f"The conversation with {conversation.client.name} is deleted.")
        return redirect("stories:conversation_list")
    return render(
        request, "stories/conversation_confirm_delete.html", {"conversation": conversation}
    )


@require(may_log_conversations, hide=True)
@require_GET
def story_options(request):
    """Type-ahead for the conversation form's stories: the ticked ones (?stories_used=ID,
    kept ticked), then the first published stories whose title holds ?q=."""
    ticked = [pk for pk in map(as_id, request.GET.getlist("stories_used")) if pk is not None]
    ticked = ticked[:50]
    q = request.GET.get("q", "").strip()[:100]
    live = Story.objects.live().order_by("title")
    options = [
        (pk, title, True) for pk, title in live.filter(pk__in=ticked).values_list("pk", "title")
    ]
    if q:
        found = live.filter(title__icontains=q).exclude(pk__in=ticked)
        options += [(pk, title, False) for pk, title in found.values_list("pk", "title")[:20]]
    return render(request, "stories/_story_options.html", {"options": options, "q": q})
