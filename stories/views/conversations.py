"""Sales conversations: logged by reps, read by their leads and managers, 404 to marketing."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from plumbline.models import Pillar, PlumbLineVersion
from stories import list_cache, services
from stories.filters import ConversationFilter, filters_panel_only, filters_wanted
from stories.forms import CLIENT_JUST_ADDED, STALE_FORM, ConversationForm, as_id, stale_form
from stories.live_check import form_report, live_check_response
from stories.markdown import render_markdown
from stories.models import Conversation, Review, Story, TcoTopic, with_current_version
from stories.pagination import Ordering, paginate
from stories.permissions import (
    get_conversation_for,
    may_edit_conversation,
    may_log_conversations,
    may_see_sales_records,
    visible_clients,
    visible_conversations,
)
from teams.permissions import require

PAGE_SIZE = 25
# Served by the index conversation_when (and conversation_rep_when for one rep's list).
NEWEST_FIRST = Ordering("-occurred_at", "-pk")
sales_only = require(may_see_sales_records, hide=True)


def with_tags(conversations):
    """What a list of conversations shows of each: its client, rep, pillars and topics."""
    return conversations.select_related("client", "rep").prefetch_related(
        Prefetch("pillars", queryset=Pillar.objects.only(*Pillar.LABEL_FIELDS)),
        Prefetch("tco_topics", queryset=TcoTopic.objects.order_by("position")),
    )


@require_safe
@sales_only
def conversation_list(request):
    user = request.user
    filters = ConversationFilter(
        request.GET if filters_wanted(request) else None,
        queryset=visible_conversations(user),
        request=request,
    )
    conversations = with_tags(filters.qs).defer(*Conversation.LIST_DEFERRED)
    if filters_panel_only(request):
        # The clients of the list's first page, as the page with the panel open offers.
        first = conversations.order_by(*NEWEST_FIRST.order_by())[:PAGE_SIZE]
        filters.offer_clients(conversation.client for conversation in first)
        return render(request, "stories/_conversation_filters.html", {"filters": filters})
    shown_filters = filters if filters.is_bound else None

    def rows():
        page = paginate(request, conversations, NEWEST_FIRST, size=PAGE_SIZE, salt="conversations")
        if filters.is_bound:
            filters.offer_clients(conversation.client for conversation in page.object_list)
        return {"page": page, "filters": shown_filters}

    return render(
        request,
        "stories/conversation_list.html",
        {
            "rows": list_cache.rows(
                request,
                "conversations",
                "stories/_conversation_rows.html",
                rows,
                cacheable=not filters.is_bound,
            ),
            "filters": shown_filters,
            "may_log": may_log_conversations(user),
        },
    )


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
    report = form_report(request, version, Conversation.CHECKED_FIELDS)
    return render(
        request,
        "stories/conversation_form.html",
        {"form": form, "version": version, "report": report},
    )


@require(may_log_conversations, hide=True)
def conversation_check(request):
    return live_check_response(request, Conversation.CHECKED_FIELDS)


@require_safe
@sales_only
def conversation_detail(request, pk):
    conversations = with_tags(with_current_version(Conversation.objects.all())).prefetch_related(
        "contacts",
        Prefetch("stories_used", queryset=Story.objects.order_by("title")),
        Prefetch(
            "reviews", queryset=Review.objects.select_related("reviewer", "plumbline_version")
        ),
    )
    conversation = get_conversation_for(request.user, pk, conversations=conversations)
    return render(
        request,
        "stories/conversation_detail.html",
        {
            "conversation": conversation,
            "notes": render_markdown(conversation.notes),
            "report": conversation.report,
            "may_edit": may_edit_conversation(request.user, conversation),
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
    if request.method == "POST" and stale_form(form):
        return HttpResponseBadRequest(STALE_FORM)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data.get("new_client"):
            form.add_error("new_client", "Add the new client first, then choose it here.")
        else:
            try:
                services.conversation_save(
                    conversation=conversation,
                    data=form.cleaned_data,
                    lock_version=form.cleaned_data["lock_version"],
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
    report = form_report(request, version, Conversation.CHECKED_FIELDS, conversation)
    return render(
        request,
        "stories/conversation_form.html",
        {"form": form, "version": version, "report": report, "conversation": conversation},
    )


@sales_only
def conversation_delete(request, pk):
    """Only the rep who logged it (may_edit_conversation), after confirming; a lead or
    manager gets 403."""
    conversation = get_conversation_for(request.user, pk, edit=True)
    if request.method == "POST":
        services.conversation_delete(conversation=conversation)
        messages.success(request, f"The conversation with {conversation.client.name} is deleted.")
        return redirect("stories:conversation_list")
    return render(
        request, "stories/conversation_confirm_delete.html", {"conversation": conversation}
    )


@require_safe
@require(may_log_conversations, hide=True)
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
