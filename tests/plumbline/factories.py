"""Small creators for plumb-line versions in tests."""

from plumbline import services
from plumbline.interchange import import_version
from plumbline.models import PlumbLineVersion

PILLARS = [
    (
        "lifetime-value",
        "Value over the whole life",
        ["total cost of ownership", "lifetime savings"],
    ),
    ("local-experts", "Local people who stay", ["local engineer", "service visit"]),
]
GUARDRAILS = [
    ("discount", "added value", "error"),
    ("cheap", "affordable over its life", "warning"),
]


def make_draft(
    *,
    by,
    statement="We keep businesses running on clean power.",
    pillars=PILLARS,
    guardrails=GUARDRAILS,
) -> PlumbLineVersion:
    """A draft with these pillars and guardrails (the current one is discarded first)."""
    existing = PlumbLineVersion.objects.draft()
    if existing:
        services.draft_discard(draft=existing)
    document = {
        "statement": statement,
        "pillars": [
            {"key": key, "title": title, "message": title, "key_phrases": phrases}
            for key, title, phrases in pillars
        ],
        "guardrails": [
            {"phrase": phrase, "preferred": preferred, "severity": severity}
            for phrase, preferred, severity in guardrails
        ],
    }
    # Bypasses validate() on purpose: tests build drafts that could not be published.
    return import_version(document, by=by)


def make_published(*, by, **kwargs) -> PlumbLineVersion:
    draft = make_draft(by=by, **kwargs)
    return services.draft_publish(draft=draft, by=by, expected_revision=draft.revision)
