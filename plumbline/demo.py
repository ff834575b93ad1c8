"""The demo company's plumb line: an earlier version and the current one.

Tidewell Energy designs, installs and looks after solar and battery systems for
businesses. Loading it twice changes nothing.
"""

from django.db import transaction

from plumbline.interchange import import_version, validate
from plumbline.models import PlumbLineVersion

EARLIER = {
    "statement": "Tidewell puts solar power on business roofs and keeps it running.",
    "notes": "Our first written plumb line, from the 2025 planning day.",
    "pillars": [
        (
            "lifetime-value",
            "Value over the whole life",
            "We talk about what a system saves over its life, not what it costs on day one.",
            ["lifetime savings", "running cost", "payback"],
            ["Typical payback in six years"],
        ),
        (
            "local-experts",
            "Local people who stay",
            "The engineers who install a system are the ones who look after it.",
            ["local engineer", "our own team", "service visit"],
            [],
        ),
        (
            "measured-results",
            "Results you can measure",
            "Every system reports what it produces, so savings are shown, not promised.",
            ["live monitoring", "monthly report"],
            [],
        ),
        (
            "cleaner-operations",
            "Cleaner operations",
            "Clean power lowers a business's footprint in a way its customers can see.",
            ["carbon footprint", "renewable"],
            [],
        ),
    ],
    "guardrails": [
        ("discount", "added value", "We sell value, not reductions.", "error"),
        ("cheapest", "best value over its life", "Cheap is not our story.", "error"),
        ("special price", "special offer with more included", "", "warning"),
        ("bargain", "good value", "", "suggestion"),
        (
            "free installation",
            "installation included",
            "Nothing is free; it is part of the package.",
            "warning",
        ),
        ("no-brainer", "a clear case", "", "suggestion"),
    ],
}

CURRENT = {
    "statement": (
        "Tidewell gives businesses clean power they can count on for twenty-five years: "
        "designed, installed and looked after by the same local team."
    ),
    "notes": "Adds the risk-free switch and sharpens the wording on price after the spring reviews.",
    "pillars": [
        (
            "lifetime-value",
            "Value over the whole life",
            "We talk about the total cost of ownership — delivery, installation, warranty, support and training included — and what the system saves year after year.",
            [
                "total cost of ownership",
                "lifetime savings",
                "running cost",
                "payback",
                "value over time",
            ],
            ["Typical payback in five to seven years", "25-year performance warranty"],
        ),
        (
            "risk-free-switch",
            "A switch without risk",
            "Clients worry about disruption and whether the system will deliver. We take those risks on ourselves.",
            [
                "performance guarantee",
                "guaranteed output",
                "no disruption",
                "we handle the permits",
                "risk-free",
            ],
            ["Output guarantee backed by an insurer", "Installs scheduled around opening hours"],
        ),
        (
            "local-experts",
            "Local people who stay",
            "The engineers who design and install a system are the ones who service it, for as long as it runs.",
            ["local engineer", "our own team", "service visit", "same team", "on-site support"],
            ["Engineers based within an hour of every client"],
        ),
        (
            "measured-results",
            "Results you can measure",
            "Every system reports what it produces, so savings are shown, not promised.",
            ["live monitoring", "monthly report", "measured savings", "verified output"],
            ["Monitoring portal included for every client"],
        ),
        (
            "cleaner-operations",
            "Cleaner operations",
            "Clean power lowers a business's footprint in a way its own customers can see.",
            ["carbon footprint", "emissions", "renewable", "clean energy", "sustainability report"],
            ["Annual carbon statement for each site"],
        ),
    ],
    "guardrails": EARLIER["guardrails"]
    + [
        (
            "cost plus",
            "a fair price for the value delivered",
            "We price on value, not on our costs.",
            "warning",
        ),
        (
            "lowest price",
            "lowest cost over its life",
            "Price alone is the wrong comparison.",
            "error",
        ),
        ("cheap", "affordable over its life", "", "warning"),
        (
            "limited time only",
            "available this season",
            "Pressure tactics undercut trust.",
            "suggestion",
        ),
    ],
}


def _as_document(content: dict) -> dict:
    """The demo's compact tuples in the import/export JSON shape."""
    return {
        "statement": content["statement"],
        "notes": content["notes"],
        "pillars": [
            {"key": k, "title": t, "message": m, "key_phrases": p, "proof_points": pp}
            for k, t, m, p, pp in content["pillars"]
        ],
        "guardrails": [
            {"phrase": p, "preferred": pr, "reason": r, "severity": s}
            for p, pr, r, s in content["guardrails"]
        ],
    }


def _create_version(content: dict, *, by) -> PlumbLineVersion:
    document, problems = validate(_as_document(content))
    if problems:
        raise ValueError("The demo plumb line is invalid: " + "; ".join(problems))
    return import_version(document, by=by, publish=True)


@transaction.atomic
def seed_plumbline(*, manager) -> PlumbLineVersion:
    if PlumbLineVersion.objects.exists():
        return PlumbLineVersion.objects.current()
    _create_version(EARLIER, by=manager)
    return _create_version(CURRENT, by=manager)
