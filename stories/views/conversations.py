"""Sales conversations: logged by reps, read by their leads and managers, 404 to marketing."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

from plumbline.models import PlumbLineVersion
from stories import services
from stories.forms import ConversationFilterForm, ConversationForm
from stories.live_check import live_check_response, report_for
from stories.markdown import render_markdown
from stories.models import Conversation
from stories.permissions import (
    get_conversation_for,
    may_log_conversations,
    may_see_sales_records,
    visible_clients,
    visible_conversations,
)
from teams.models import User
from teams.permissions import is_lead, is_manager, led_member_ids, require

PAGE_SIZE = 25
CHECKED_FIELDS = ("summary", "notes", "client_goals", "risks", "outcome", "next_step")
sales_only = require(may_see_sales_records, hide=True)


def _scopes(user) -> list[str]:
    if is_manager(user):
        return ["all", "mine"]
    if is_lead(user, "sales"):
        return ["team", "mine"]
    return ["mine"]


@sales_only
def conversation_list(request):
    user = request.user
    scopes = _scopes(user)
    current = PlumbLineVersion.objects.filter(is_current=True).first()
    visible = visible_conversations(user)
    filters = ConversationFilterForm(
        request.GET or None,
        clients=visible_clients(user),
        # Every rep with a visible conversation; order_by() keeps the default ordering out of
        # the subquery, where it would turn "distinct reps" into "distinct rows".
        reps=User.objects.filter(pk__in=visible.order_by().values("rep_id")),
        scopes=scopes,
        pillar_choices=[(p.key, p.title) for p in current.pillars.all()] if current else [],
    )
    conversations = visible.for_list()
    scope = scopes[0]
    if filters.is_bound:
        filters.is_valid()  # a tampered value drops that one filter, not all of them
        data = filters.cleaned_data
        scope = data.get("scope") or scope
        if data.get("client"):
            conversations = conversations.filter(client=data.get("client"))
        if data.get("rep"):
            conversations = conversations.filter(rep=data.get("rep"))
        if data.get("channel"):
            conversations = conversations.filter(channel=data.get("channel"))
        if data.get("pillar"):
            conversations = conversations.filter(pillars__key=data.get("pillar"))
        if data.get("band"):
            conversations = conversations.filter(band=data.get("band"))
        if data.get("tco"):
            conversations = conversations.filter(tco_topics=data.get("tco"))
        if data.get("since"):
            conversations = conversations.filter(occurred_at__date__gte=data.get("since"))
        if data.get("until"):
            conversations = conversations.filter(occurred_at__date__lte=data.get("until"))
    if scope == "mine":
        conversations = conversations.filter(rep=user)
    elif scope == "team":
        conversations = conversations.filter(rep_id__in=led_member_ids(user) | {user.pk})
    conversations = conversations.distinct().order_by("-occurred_at", "-pk")
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "stories/conversation_list.html",
        {
            "page": page,
            "filters": filters,
            "scope": scope,
            "query": query.urlencode(),
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
    form = ConversationForm(request.POST or None, version=version, clients=clients, initial=initial)
    if request.method == "POST" and form.is_valid():
        conversation, created = services.conversation_log(
            rep=request.user,
            version=version,
            data=form.cleaned_data,
            token=form.cleaned_data["submission_token"],
        )
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


@sales_only
def conversation_detail(request, pk):
    conversation = get_conversation_for(request.user, pk)
    return render(
        request,
        "stories/conversation_detail.html",
        {
            "conversation": conversation,
            "notes": render_markdown(conversation.notes),
            "report": conversation.report,
            "contacts": conversation.contacts.all(),
            "stories_used": conversation.stories_used.all(),
            "tco_topics": conversation.tco_topics.all(),
            "pillars": conversation.pillars.all(),
            "reviews": conversation.reviews.select_related("reviewer", "plumbline_version"),
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
        request.POST or None, instance=conversation, version=version, clients=clients
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
                    data, instance=conflict.saved, version=version, clients=clients
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
