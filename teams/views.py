from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from teams import services
from teams.filters import PersonFilter
from teams.forms import MembershipForm, PersonCreateForm, PersonEditForm
from teams.models import Membership, User
from teams.permissions import may_manage_people, require


@require_safe
@require(may_manage_people)
def person_list(request):
    people = User.objects.prefetch_related("memberships__team").order_by(
        "first_name", "last_name", "username"
    )
    filters = PersonFilter(request.GET, queryset=people)
    page = Paginator(filters.qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)  # the page links add their own
    return render(
        request,
        "teams/person_list.html",
        {"page": page, "filters": filters, "query": query.urlencode()},
    )


@require(may_manage_people)
def person_create(request):
    form = PersonCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = services.person_create(
            username=data["username"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            password=data["password"],
            team=data["team"],
            role=data["role"],
            invite_base_url=request.build_absolute_uri("/")[:-1],
        )
        if data["password"]:
            messages.success(request, f"{person} can now sign in as “{person.username}”.")
        else:
            messages.success(request, f"{person} has been invited by email to {person.email}.")
        return redirect(person)
    return render(request, "teams/person_form.html", {"form": form})


@require(may_manage_people)
def person_detail(request, pk):
    person = get_object_or_404(User, pk=pk)
    form = PersonEditForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        services.person_update(person=person, **form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect(person)
    memberships = person.memberships.select_related("team").order_by("team__name")
    return render(
        request,
        "teams/person_detail.html",
        {
            "person": person,
            "form": form,
            "memberships": memberships,
            "membership_form": MembershipForm(),
        },
    )


@require_POST
@require(may_manage_people)
def membership_add(request, pk):
    person = get_object_or_404(User, pk=pk)
    form = MembershipForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a team and a role from the lists.")
        return redirect(person)
    membership = services.membership_set(
        user=person, team=form.cleaned_data["team"], role=form.cleaned_data["role"]
    )
    messages.success(
        request, f"{person} is now {membership.get_role_display().lower()} of {membership.team}."
    )
    return redirect(person)


@require_POST
@require(may_manage_people)
def membership_remove(request, pk, membership_pk):
    membership = get_object_or_404(
        Membership.objects.select_related("user", "team"), pk=membership_pk, user_id=pk
    )
    services.membership_remove(membership=membership)
    messages.success(request, f"{membership.user} is no longer in {membership.team}.")
    return redirect(membership.user)


@require(may_manage_people)
def person_deactivate(request, pk):
    person = get_object_or_404(User, pk=pk, is_active=True)
    if person == request.user:
        messages.error(request, "You cannot deactivate yourself; ask another admin.")
        return redirect(person)
    if request.method == "POST":
        ended = services.person_deactivate(person=person)
        messages.success(
            request,
            f"{person} is deactivated and can no longer sign in "
            f"({ended} open session{'s' if ended != 1 else ''} ended).",
        )
        return redirect(person)
    return render(request, "teams/person_confirm_deactivate.html", {"person": person})


@require_POST
@require(may_manage_people)
def person_reactivate(request, pk):
    person = get_object_or_404(User, pk=pk, is_active=False)
    services.person_reactivate(person=person)
    messages.success(request, f"{person} can sign in again.")
    return redirect(person)
