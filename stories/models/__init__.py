"""The stories app's models, one module per topic."""

from stories.models.entries import AlignedEntry, Band, with_current_version
from stories.models.reviews import Notification, RecheckFailure, RecheckRun, Review
from stories.models.rollups import (
    CompanyRollup,
    ConversationRollup,
    Generation,
    StoryUseRollup,
    StoryUseTotal,
)
from stories.models.sales import (
    Client,
    Contact,
    Conversation,
    TcoTopic,
    normalized_name,
)
from stories.models.stories import (
    TRANSITION_VERBS,
    Audience,
    IllegalTransition,
    Story,
    StoryQuerySet,
    StoryRevision,
)

__all__ = [
    "TRANSITION_VERBS",
    "AlignedEntry",
    "Audience",
    "Band",
    "Client",
    "CompanyRollup",
    "Contact",
    "Conversation",
    "ConversationRollup",
    "Generation",
    "IllegalTransition",
    "Notification",
    "RecheckFailure",
    "RecheckRun",
    "Review",
    "Story",
    "StoryQuerySet",
    "StoryRevision",
    "StoryUseRollup",
    "StoryUseTotal",
    "TcoTopic",
    "normalized_name",
    "with_current_version",
]
