"""Dates at the edges of the calendar in the list, queue and dashboard filters: the filter
is dropped (or the dashboard falls back to its default range), never a 500."""

from datetime import date, timedelta

import pytest
from django import forms
from django.test import override_settings
from django.utils import timezone

from stories.filters import start_of_day, start_of_next_day
from stories.form_fields import EARLIEST_DAY, LATEST_DAY, BoundedDateField
from stories.models import Conversation
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Choose a date between 1900 and 2999."


class DateForm(forms.Form):
    day = BoundedDateField(required=False)


class TestBoundedDateField:
    @pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31", "2024-02-29"])
    def test_it_takes_dates_within_the_bounds(self, day):
        form = DateForm({"day": day})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["day"] == date.fromisoformat(day)

    @pytest.mark.parametrize("day", ["1899-12-31", "3000-01-01", "0001-01-01", "9999-12-31"])
    def test_it_refuses_dates_outside_them(self, day):
        form = DateForm({"day": day})
        assert not form.is_valid()
        assert form.errors["day"] == [OUT_OF_RANGE]

    @pytest.mark.parametrize("day", ["10000-01-01", "2024-02-30", "-1-01-01", "2024-13-01"])
    def test_a_date_that_is_no_date_is_the_usual_error(self, day):
        form = DateForm({"day": day})
        assert not form.is_valid()
        assert form.errors["day"] == ["Enter a valid date."]

    def test_the_bounds_are_named(self):
        assert (date(1900, 1, 1), date(2999, 12, 31)) == (EARLIEST_DAY, LATEST_DAY)

    def test_empty_is_no_filter(self):
        form = DateForm({"day": ""})
        assert form.is_valid()
        assert form.cleaned_data["day"] is None

    def test_the_date_picker_offers_only_the_bounds(self):
        field = BoundedDateField(widget=forms.DateInput(attrs={"type": "date"}))
        assert field.widget.attrs == {"min": "1900-01-01", "max": "2999-12-31"}


class TestDayBoundaries:
    def test_the_day_after_the_last_date_there_is(self):
        assert start_of_next_day(date.max) == start_of_next_day(LATEST_DAY)
        assert start_of_next_day(LATEST_DAY) == start_of_day(LATEST_DAY + timedelta(days=1))

    def test_the_first_date_there_is(self):
        assert start_of_day(date.min) == start_of_day(EARLIEST_DAY)

    def test_an_ordinary_day(self):
        assert start_of_next_day(date(2024, 2, 28)) == start_of_day(date(2024, 2, 29))


@pytest.fixture
def version(cast):
    return make_published(by=cast.manager)


@pytest.fixture
def conversations(cast, version):
    """A call today and a visit a week ago, both rep's."""
    client = make_client(cast.rep, "Northgate Cold Store")
    call = make_conversation(rep=cast.rep, client=client, version=version, summary="The call.")
    visit = make_conversation(
        rep=cast.rep,
        client=client,
        version=version,
        summary="The visit.",
        channel=Conversation.Channel.VISIT,
        when=timezone.now() - timedelta(days=7),
    )
    return call, visit


EDGES = ["9999-12-31", "0001-01-01", "3000-01-01", "1899-12-31"]


class TestConversationList:
    @pytest.mark.parametrize("who", ["rep", "sales_lead", "manager"])
    @pytest.mark.parametrize("field", ["since", "until"])
    @pytest.mark.parametrize("day", EDGES)
    def test_an_edge_date_drops_that_filter_only(
        self, client_for, cast, conversations, who, field, day
    ):
        response = client_for(getattr(cast, who)).get(
            "/conversations/", {"channel": "call", field: day}
        )
        assert response.status_code == 200
        assert "The call." in response.content.decode()
        assert "The visit." not in response.content.decode()  # the channel filter still holds

    def test_dates_within_the_bounds_still_filter(self, client_for, cast, conversations):
        today = timezone.localdate()
        response = client_for(cast.rep).get(
            "/conversations/", {"since": (today - timedelta(days=1)).isoformat()}
        )
        assert "The call." in response.content.decode()
        assert "The visit." not in response.content.decode()

    @override_settings(TIME_ZONE="Europe/Berlin")
    def test_the_first_date_there_is_east_of_greenwich(self, client_for, cast, conversations):
        # Midnight of 1 January 1 in Berlin is still 31 December of year 0 in UTC.
        response = client_for(cast.rep).get("/conversations/", {"since": "0001-01-01"})
        assert response.status_code == 200
        assert "The visit." in response.content.decode()


class TestReviewQueue:
    @pytest.mark.parametrize("path", ["/review/", "/review/export.csv"])
    @pytest.mark.parametrize("field", ["since", "until"])
    @pytest.mark.parametrize("day", EDGES)
    @pytest.mark.parametrize("who", ["manager", "sales_lead"])
    def test_an_edge_date_drops_the_filter(
        self, client_for, cast, conversations, path, field, day, who
    ):
        response = client_for(getattr(cast, who)).get(path, {field: day})
        assert response.status_code == 200
        assert "The call." in response.content.decode()


class TestDashboard:
    @pytest.mark.parametrize(
        "dates",
        [
            {"since": "9999-12-01", "until": "9999-12-31"},
            {"since": "0001-01-01", "until": "0001-01-02"},
            {"until": "9999-12-31"},
            {"since": "0001-01-01"},
        ],
    )
    @pytest.mark.parametrize(
        "path",
        [
            "/dashboard/",
            *(
                f"/dashboard/export/{table}.csv"
                for table in ("coverage", "trend", "usage", "people")
            ),
        ],
    )
    @override_settings(TIME_ZONE="Europe/Berlin")
    def test_edge_dates_fall_back_to_the_default_range(
        self, client_for, cast, conversations, dates, path
    ):
        response = client_for(cast.manager).get(path, dates)
        assert response.status_code == 200
        default_until = timezone.localdate()
        if path.endswith(".csv"):
            assert f"{default_until:%Y%m%d}.csv" in response["Content-Disposition"]
        else:
            assert response.context["filters"].until == default_until

    def test_the_form_says_why(self, client_for, cast, conversations):
        response = client_for(cast.manager).get("/dashboard/", {"until": "9999-12-31"})
        assert OUT_OF_RANGE in response.content.decode()
