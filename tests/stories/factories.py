"""Small creators for audiences and stories in tests, through the real services."""

import itertools

from stories import services
from stories.models import Audience, Story

# Tells "lifetime-value" deeply (two key phrases) and trips no guardrail: scores 100.
ON_MESSAGE_BODY = (
    "We look at the total cost of ownership with every client, and the lifetime savings "
    "keep coming for decades."
)
# Tells no pillar: scores 0.
OFF_MESSAGE_BODY = "A short note about the weather."

_numbers = itertools.count(1)


def make_audience(*, name=None, kind=Audience.Kind.TARGET_MARKET, description="") -> Audience:
    return Audience.objects.create(
        name=name or f"Audience {next(_numbers)}", kind=kind, description=description
    )


def content_for(
    version,
    *,
    title="A story",
    summary="What it is about.",
    body=ON_MESSAGE_BODY,
    offer="",
    channel=Story.Channel.WEB,
    audiences=None,
    pillars=("lifetime-value",),
) -> services.StoryContent:
    return services.StoryContent(
        title=title,
        summary=summary,
        body=body,
        offer=offer,
        channel=channel,
        audiences=list(audiences) if audiences is not None else [make_audience()],
        pillars=list(version.pillars.filter(key__in=pillars)),
    )


def make_story(
    *,
    author,
    version,
    status=Story.Status.DRAFT,
    published_by=None,
    reason="",
    **content,
) -> Story:
    """A story in the given status, moved there through the workflow so its check is real.

    `content`: what content_for takes (title, summary, body, offer, channel, audiences,
    pillars). Publishing a story that scores below 60 needs `reason`.
    """
    content = content_for(version, **content)
    story = services.story_create(author=author, version=version, content=content)
    if status == Story.Status.DRAFT:
        return story
    if status == Story.Status.ARCHIVED:
        return services.story_archive(story=story)
    story = services.story_submit(story=story)
    if status == Story.Status.PUBLISHED:
        story = services.story_publish(story=story, by=published_by or author, reason=reason)
    return story
