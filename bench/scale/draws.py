"""Random draws the dataset is made of: skewed weights and moments in a three-year window."""

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime

YEARS = 3
GROWTH = 3.0  # how much busier the last day of the window is than the first
DAY = 86400.0


def zipf_weights(count: int, exponent: float, rng: random.Random) -> list[float]:
    """Weights 1/rank**exponent, in random order: a few heavy items and a long tail."""
    weights = [1.0 / rank**exponent for rank in range(1, count + 1)]
    rng.shuffle(weights)
    return weights


class Weighted:
    """Draws indexes in proportion to weights, one bisect per draw.

    ``upto`` restricts a draw to the first items (e.g. stories published by then).
    """

    def __init__(self, weights: Sequence[float]):
        self.cumulative = list(itertools.accumulate(weights))

    def __len__(self) -> int:
        return len(self.cumulative)

    def draw(self, rng: random.Random, upto: int | None = None) -> int:
        upto = len(self.cumulative) if upto is None else upto
        limit = self.cumulative[upto - 1]
        return min(bisect.bisect_right(self.cumulative, rng.random() * limit, 0, upto), upto - 1)

    def draw_distinct(self, rng: random.Random, count: int, upto: int | None = None) -> set:
        upto = len(self.cumulative) if upto is None else upto
        if not upto or count <= 0 or not self.cumulative[upto - 1]:
            return set()
        chosen: set[int] = set()
        for _ in range(4 * count):
            chosen.add(self.draw(rng, upto))
            if len(chosen) == count:
                break
        return chosen


def weighted_keys(table: dict) -> tuple[list, list]:
    return list(table), list(itertools.accumulate(table.values()))


class Timeline:
    """Moments in the last three years: more of them lately, on working days and hours."""

    def __init__(self, end: datetime, years: int = YEARS, growth: float = GROWTH):
        self.end = end.timestamp()
        self.start = self.end - years * 365 * DAY
        self.growth = growth
        self.rate = math.log(growth)

    def moment(self, rng: random.Random, working: bool = True) -> float:
        # Inverse of the distribution function of a density growing like exp(rate * u).
        u = math.log1p(rng.random() * (self.growth - 1)) / self.rate
        stamp = self.start + u * (self.end - self.start)
        if not working:
            return stamp
        day = math.floor(stamp / DAY)
        weekday = (day + 3) % 7  # 1 January 1970 was a Thursday
        if weekday >= 5 and rng.random() < 0.9:
            day += -1 if weekday == 5 else 1
        return min(day * DAY + 7.5 * 3600 + rng.random() * 10.5 * 3600, self.end)

    @staticmethod
    def at(stamp: float) -> datetime:
        return datetime.fromtimestamp(stamp, UTC)
