"""The rows of the list pages, cached per viewer while nothing they show has changed.

A list's rows (the library's, the conversations', the review queue's) are rendered once
for a viewer and a query string, and kept in Django's cache under the LISTS generation
number (stories/generations.py). Any saved or deleted row of a model the rows show, and
any change to their many-to-many tags, moves that number on once it commits (the signal
receivers below, connected in StoriesConfig.ready); the re-check, which writes scores
without saving instances, moves it on itself. So a row is never shown stale, in any server
process: the next request reads the new number and renders afresh.

Only lists without a filter are cached: those are the pages people open again and again;
a filtered list renders its rows each time (and its open filters panel needs them).
"""

from hashlib import sha256

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string

from stories import generations


def rows(request, name: str, template_name: str, context, *, cacheable: bool = True) -> str:
    """`template_name` rendered with `context()` (a function, so that a cached list reads
    nothing), from the cache when it holds this viewer's rows for this query string.
    The template gets `request` as a variable, but no context processors run."""
    seconds = settings.PLUMBLINE_LIST_CACHE_SECONDS
    if not (cacheable and seconds):
        return render_to_string(template_name, {**context(), "request": request})
    number = generations.numbers()[generations.LISTS]
    query = sha256(request.get_full_path().encode()).hexdigest()
    key = f"plumbline:list:{name}:{request.user.pk}:{number}:{query}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(template_name, {**context(), "request": request})
        cache.set(key, html, seconds)
    return html


def shown_models():
    """The models whose rows the cached lists show, and the links between them."""
    from plumbline.models import Pillar, PlumbLineVersion
    from stories.models import Audience, Client, Conversation, Review, Story, TcoTopic
    from teams.models import Membership, Team, User

    models = [Story, Audience, Conversation, Client, TcoTopic, Review, PlumbLineVersion]
    models += [Pillar, User, Team, Membership]
    links = [Story.audiences, Story.pillars, Conversation.pillars, Conversation.tco_topics]
    return models, [link.through for link in links]


def rows_changed(sender, update_fields=None, **kwargs) -> None:
    """A signal receiver (post_save, post_delete, m2m_changed): the lists are stale once
    this commits."""
    if generations.only_a_sign_in(update_fields):
        return
    if kwargs.get("action", "post_").startswith("post_"):  # m2m_changed: after the change
        generations.changed(generations.LISTS)
