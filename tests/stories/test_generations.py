"""Generation numbers: what every cache key holds, moved on once a change commits."""

import pytest

from stories import generations
from stories.models import Generation

pytestmark = pytest.mark.django_db


def test_a_kind_never_changed_is_at_zero(django_assert_num_queries):
    Generation.objects.all().delete()
    with django_assert_num_queries(1):
        assert generations.numbers() == {generations.FIGURES: 0, generations.LISTS: 0}


def test_a_change_moves_its_kind_on_once_committed(django_capture_on_commit_callbacks):
    before = generations.numbers()
    with django_capture_on_commit_callbacks(execute=True):
        generations.changed(generations.FIGURES)
        assert generations.numbers() == before
    assert generations.numbers() == {**before, generations.FIGURES: before["figures"] + 1}
