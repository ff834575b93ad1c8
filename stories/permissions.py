"""Who may do what with stories and audiences. Built only on teams.permissions."""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from stories.models import Client, Conversation, Story
from teams.models import Membership, Team, User
from teams.permissions import (
    MANAGEMENT,
    MARKETING,
    SALES,
    is_admin,
    is_lead,
    is_manager,
    is_marketing,
    is_sales,
    leads,
    led_member_ids,
)


def may_use_library(user) -> bool:
    """Everyone signed in reads published stories; sales tells them to clients."""
    return bool(user.is_authenticated and user.is_active)


def sees_unpublished(user) -> bool:
    """Marketing and managers also see drafts, stories in review and archived ones."""
    return is_marketing(user) or is_manager(user)


def may_write_stories(user) -> bool:
    return is_marketing(user) or is_manager(user)


def _members_and_admins(*functions: str):
    """The people in a team (of one of these functions, if any are given), and the admins."""
    member = Membership.objects.filter(user=OuterRef("pk"))
    if functions:
        member = member.filter(team__function__in=functions)
    return User.objects.filter(Q(Exists(member)) | Q(is_superuser=True))


def story_writers():
    """Who may have written a story, as may_write_stories has it: marketing, managers and
    admins. The library's author filter offers them."""
    return _members_and_admins(MARKETING, MANAGEMENT)


def may_decide(user) -> bool:
    """Marketing leads and managers publish, send back and archive."""
    return is_lead(user, MARKETING) or is_manager(user)


def may_manage_audiences(user) -> bool:
    return is_lead(user, MARKETING) or is_manager(user)


def may_see_story(user, story: Story) -> bool:
    return story.status == Story.Status.PUBLISHED or sees_unpublished(user)


def may_work_on(user, story: Story) -> bool:
    """Its author, marketing leads and managers: edit, submit, start a new revision.

    Whether the story's status allows the step is the workflow's business (Story.move).
    """
    return story.author_id == user.pk or may_decide(user)


def may_edit_story(user, story: Story) -> bool:
    """Only drafts are edited; a published story gets a new revision instead."""
    return story.status == Story.Status.DRAFT and may_work_on(user, story)


def visible_stories(user):
    stories = Story.objects.all()
    return stories if sees_unpublished(user) else stories.live()


def get_story_for(user, pk, *, edit: bool = False, stories=None) -> Story:
    """The story, or 404 for those who may not know it exists, or 403 for read-only users.
    `stories`: a queryset of Story to read it from (annotated for a page, say)."""
    stories = Story.objects.all() if stories is None else stories
    story = _one(stories.select_related("author", "plumbline_version", "checked_version"), pk)
    if story is None or not may_see_story(user, story):
        raise Http404("No such story.")
    if edit and not may_edit_story(user, story):
        raise PermissionDenied
    return story


def _one(queryset, pk):
    """The row of `queryset` with this primary key, or None, also for what cannot be one
    ("abc", "1.0": the lookup refuses them with ValueError)."""
    try:
        return queryset.filter(pk=pk).first()
    except (ValueError, TypeError):
        return None


# --- Conversations, clients and contacts ---------------------------------------------------
# The article's rule: sales works with individuals, marketing with averages. Marketing
# never learns that a client, contact or conversation exists: every such route is a 404.


def may_see_sales_records(user) -> bool:
    return is_sales(user) or is_manager(user)


def may_log_conversations(user) -> bool:
    return is_sales(user) or is_admin(user)


def _team_of(user) -> set[int]:
    """The people whose records this user oversees as a lead, themselves included."""
    return led_member_ids(user) | {user.pk}


def conversation_reps(user) -> frozenset[int] | None:
    """Whose conversations this user may see: None for everyone's (managers)."""
    if is_manager(user):
        return None
    if not is_sales(user):
        return frozenset()
    return frozenset(_team_of(user))


def visible_conversations(user, conversations=None):
    """The conversations (of `conversations`, a queryset, or all) this user may see."""
    conversations = Conversation.objects.all() if conversations is None else conversations
    reps = conversation_reps(user)
    if reps is None:
        return conversations
    return conversations.filter(rep_id__in=reps) if reps else conversations.none()


def may_edit_conversation(user, conversation: Conversation) -> bool:
    """Only the rep who logged it edits or deletes it; their lead and managers read it."""
    return conversation.rep_id == user.pk


def conversation_scopes(user) -> list[str]:
    """Whose conversations a person may list, their default first: a manager everyone's,
    a sales lead their team's, and anyone their own ("mine")."""
    if is_manager(user):
        return ["all", "mine"]
    if is_lead(user, SALES):
        return ["team", "mine"]
    return ["mine"]


def filterable_reps(user):
    """Whose conversations the rep filter offers: None for a rep, who sees only their own."""
    if is_manager(user):
        return _members_and_admins(SALES)
    team = led_member_ids(user)
    return User.objects.filter(pk__in=team) if team else None


def visible_clients(user):
    """Managers see every client; sales the clients they (or their team) own or talked to."""
    reps = conversation_reps(user)
    clients = Client.objects.all()
    if reps is None:
        return clients
    if not reps:
        return clients.none()
    talked_to = Conversation.objects.filter(client=OuterRef("pk"), rep_id__in=reps)
    return clients.filter(Q(owner_id__in=reps) | Exists(talked_to))


def may_edit_client(user, client: Client) -> bool:
    return client.owner_id == user.pk or leads(user, client.owner) or is_manager(user)


def get_conversation_for(user, pk, *, edit: bool = False, conversations=None) -> Conversation:
    """404 unless the user may see it; 403 for a lead or manager asked to edit it.
    `conversations`: a queryset of Conversation to read it from (annotated for a page, say)."""
    visible = visible_conversations(user, conversations)
    conversation = _one(
        visible.select_related("client", "rep", "plumbline_version", "checked_version"), pk
    )
    if conversation is None:
        raise Http404("No such conversation.")
    if edit and not may_edit_conversation(user, conversation):
        raise PermissionDenied
    return conversation


def get_client_for(user, pk, *, edit: bool = False) -> Client:
    """404 unless the user may see the client; 403 when asked to edit what they may not.
    The client comes with its owner."""
    client = _one(visible_clients(user).select_related("owner"), pk)
    if client is None:
        raise Http404("No such client.")
    if edit and not may_edit_client(user, client):
        raise PermissionDenied
    return client


# --- Reviews and the dashboard -------------------------------------------------------------


def may_review(user) -> bool:
    """Managers review everything; marketing and sales leads coach their own teams."""
    return is_manager(user) or is_lead(user, MARKETING) or is_lead(user, SALES)


def reviewable_people(user) -> set[int] | None:
    """Whose entries this reviewer may judge: None means everyone (managers)."""
    if is_manager(user):
        return None
    return led_member_ids(user)


def queue_people(user):
    """Whom a reviewer may filter the queue by: the people of the teams a lead leads; for
    managers, everyone whose entries reach the queue (the members of a team, and admins)."""
    people = reviewable_people(user)
    if people is not None:
        return User.objects.filter(pk__in=people)
    return _members_and_admins()


def queue_teams(user):
    """The teams a reviewer may filter the queue by: those of the people they review."""
    people = reviewable_people(user)
    if people is None:
        return Team.objects.all()
    return Team.objects.filter(memberships__user_id__in=people).distinct()


def may_review_entry(user, entry) -> bool:
    people = reviewable_people(user)
    author_id = entry.author_id if isinstance(entry, Story) else entry.rep_id
    return may_review(user) and (people is None or author_id in people)


def may_follow_rechecks(user) -> bool:
    """The re-check's progress and drift, and resuming it: managers and admins."""
    return is_manager(user)


def may_see_dashboard(user) -> bool:
    return is_manager(user) or is_marketing(user) or is_sales(user)


def sees_people_on_dashboard(user) -> bool:
    """Per-person figures: managers and leads (for their teams); never marketing members."""
    return is_manager(user) or is_lead(user)


def may_export_dashboard_table(user, table: str) -> bool:
    """Every table the dashboard shows this user, as CSV: the per-person one only to those
    who see people on the dashboard."""
    return may_see_dashboard(user) and (table != "people" or sees_people_on_dashboard(user))


def dashboard_scope(user) -> str:
    """Whose conversations this user's sales figures cover, as dashboard_people decides:
    "everyone", "averages" (everyone's, no individual shown), "team" or "own"."""
    if is_manager(user):
        return "everyone"
    if is_marketing(user):
        return "averages"
    if is_lead(user, SALES):
        return "team"
    return "own"


def dashboard_people(user) -> set[int] | None:
    """Whose conversations count in this user's sales figures: None means everyone.

    Marketing and managers see the company's averages; a rep sees their own figures, a
    sales lead their team's.
    """
    if is_manager(user) or is_marketing(user):
        return None
    return _team_of(user)
