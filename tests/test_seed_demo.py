import pytest
from django.core.management import CommandError, call_command

from teams.models import Membership, Team, User
from teams.permissions import is_manager, is_marketing, is_sales, leads

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_company():
    """The demo company lands in an empty database, not beside the tests' cast."""
    User.objects.all().delete()
    Team.objects.all().delete()


def counts():
    return (User.objects.count(), Team.objects.count(), Membership.objects.count())


def test_it_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")
    assert not User.objects.filter(username="rep2").exists()


def test_it_builds_the_demo_company_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first

    people = {user.username: user for user in User.objects.all()}
    for name in ["admin", "marketer", "marketing_lead", "rep", "rep2", "sales_lead", "manager"]:
        assert people[name].check_password("plumbline-demo"), name
    assert people["admin"].is_superuser
    assert is_marketing(people["marketer"]) and is_marketing(people["marketing_lead"])
    assert is_sales(people["rep"]) and is_sales(people["rep2"])
    assert is_manager(people["manager"])
    assert leads(people["sales_lead"], people["rep"])
    assert not leads(people["sales_lead"], people["rep2"])
    assert Team.objects.filter(function="sales").count() == 2


def test_force_loads_it_without_debug(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    assert User.objects.filter(username="rep2").exists()
