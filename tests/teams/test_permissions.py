import pytest

from teams import permissions
from teams.models import Membership, Team, User
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_functions_follow_membership(cast):
    assert permissions.is_marketing(cast.marketer)
    assert not permissions.is_sales(cast.marketer)
    assert permissions.is_sales(cast.rep)
    assert permissions.is_manager(cast.manager)
    assert not permissions.is_manager(cast.sales_lead)


def test_admin_counts_as_manager(cast):
    assert permissions.is_admin(cast.admin)
    assert permissions.is_manager(cast.admin)
    assert not permissions.is_admin(cast.manager)


def test_leads_whom(cast):
    assert permissions.leads(cast.sales_lead, cast.rep)
    assert permissions.leads(cast.sales_lead, cast.teammate)
    assert not permissions.leads(cast.sales_lead, cast.other_rep)
    assert not permissions.leads(cast.rep, cast.teammate)
    assert permissions.led_member_ids(cast.sales_lead) == {
        cast.rep.pk,
        cast.teammate.pk,
        cast.sales_lead.pk,
    }
    assert permissions.led_member_ids(cast.rep) == set()


def test_is_lead_by_function(cast):
    assert permissions.is_lead(cast.marketing_lead, Team.Function.MARKETING)
    assert not permissions.is_lead(cast.marketing_lead, Team.Function.SALES)
    assert not permissions.is_lead(cast.marketer)


def test_outsider_has_no_standing(cast):
    assert permissions.standing(cast.outsider).team_ids == set()
    assert permissions.role_label(cast.outsider) == "No team yet"


def test_deactivated_people_have_no_standing(cast):
    cast.manager.is_active = False
    assert not permissions.is_manager(cast.manager)


def test_standing_is_read_once_per_user_object(cast, django_assert_num_queries):
    with django_assert_num_queries(1):
        permissions.is_sales(cast.rep)
        permissions.is_marketing(cast.rep)
        permissions.role_label(cast.rep)


def test_a_leads_team_comes_with_their_standing(cast, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert permissions.is_lead(cast.sales_lead)
        assert permissions.led_member_ids(cast.sales_lead) == {
            cast.rep.pk,
            cast.teammate.pk,
            cast.sales_lead.pk,
        }


def test_a_lead_of_several_teams_is_read_in_one_query(cast, django_assert_num_queries):
    """However many teams someone is in and leads: one query, kept on the user object."""
    south = cast.other_rep.memberships.get().team
    MembershipFactory(user=cast.sales_lead, team=south, role=Membership.Role.LEAD)
    MembershipFactory(user=cast.sales_lead, team=TeamFactory(slug="extra"))
    with django_assert_num_queries(1):
        assert permissions.led_member_ids(cast.sales_lead) == {
            cast.rep.pk,
            cast.teammate.pk,
            cast.sales_lead.pk,
            cast.other_rep.pk,
        }
        assert len(permissions.standing(cast.sales_lead).team_ids) == 3
        assert permissions.leads(cast.sales_lead, cast.sales_lead)


def test_led_members_are_of_the_led_teams_only(cast):
    """A lead who is only a member of another team does not lead its people."""
    sales = cast.rep.memberships.get().team
    MembershipFactory(user=cast.marketing_lead, team=sales, role=Membership.Role.MEMBER)
    led = permissions.led_member_ids(cast.marketing_lead)
    assert cast.marketer.pk in led
    assert cast.marketing_lead.pk in led
    assert cast.rep.pk not in led
    assert not permissions.leads(cast.marketing_lead, cast.rep)


def test_standing_is_kept_on_the_user_object_only(cast):
    """A request's user keeps what it read; the next request's user object reads again."""
    assert not permissions.is_marketing(cast.rep)
    marketing = Team.objects.get(slug="marketing")
    MembershipFactory(user=cast.rep, team=marketing, role=Membership.Role.MEMBER)
    assert not permissions.is_marketing(cast.rep)
    assert permissions.is_marketing(User.objects.get(pk=cast.rep.pk))


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("marketer", "Marketing"),
        ("marketing_lead", "Marketing lead"),
        ("rep", "Sales"),
        ("sales_lead", "Sales lead"),
        ("manager", "Manager"),
        ("admin", "Admin"),
    ],
)
def test_role_label(cast, name, label):
    assert permissions.role_label(getattr(cast, name)) == label


def test_membership_constraints_hold_in_the_database(cast):
    from django.db import IntegrityError, transaction

    team = Team.objects.get(slug="sales-north")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=cast.rep, team=team, role="member")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=cast.outsider, team=team, role="boss")
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(name="Odd", slug="odd", function="finance")
