"""What seed_scale prints while it writes: a progress bar per kind of row, and durations."""

import time
from collections.abc import Callable


class Progress:
    """One line per batch: a bar, done/total, rate and the time left."""

    def __init__(self, label: str, total: int, write: Callable[[str], None], width: int = 30):
        self.label, self.total, self.write, self.width = label, total, write, width
        self.started = time.monotonic()

    def update(self, done: int) -> None:
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate else 0.0
        share = done / self.total if self.total else 1.0
        filled = round(self.width * share)
        bar = "#" * filled + "-" * (self.width - filled)
        self.write(
            f"{self.label:<13} [{bar}] {done:>10,}/{self.total:,} {100 * share:5.1f}%  "
            f"{rate:>8,.0f}/s  elapsed {duration(elapsed)}  ETA {duration(left)}"
        )


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"
