"""What seed_scale is asked to add, and the error for what it cannot build."""

from dataclasses import dataclass


class ScaleError(Exception):
    """The dataset cannot be built as asked (explained in the message)."""


@dataclass
class Options:
    """What to add: how many of each, the random seed, and rows per batch (transaction)."""

    conversations: int = 1_000_000
    stories: int = 50_000
    clients: int = 20_000
    users: int = 500
    seed: int = 1
    batch: int = 20_000
