"""Who may do what with stories and audiences. Built only on teams.permissions."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from stories.models import Story
from teams.permissions import MARKETING, is_lead, is_manager, is_marketing


def may_use_library(user) -> bool:
    """Everyone signed in reads published stories; sales tells them to clients."""
    return bool(user.is_authenticated and user.is_active)


def sees_unpublished(user) -> bool:
    """Marketing and managers also see drafts, stories in review and archived ones."""
    return is_marketing(user) or is_manager(user)


def may_write_stories(user) -> bool:
    return is_marketing(user) or is_manager(user)


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


def get_story_for(user, pk, *, edit: bool = False) -> Story:
    """The story, or 404 for those who may not know it exists, or 403 for read-only users."""
    story = (
        Story.objects.select_related("author", "plumbline_version", "replaces", "published_by")
        .filter(pk=pk)
        .first()
    )
    if story is None or not may_see_story(user, story):
        raise Http404("No such story.")
    if edit and not may_edit_story(user, story):
        raise PermissionDenied
    return story
