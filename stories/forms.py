from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from plumbline.models import Pillar
from stories.choices import Choices
from stories.models import (
    Audience,
    Band,
    Client,
    Contact,
    Conversation,
    Review,
    Story,
    TcoTopic,
    normalized_name,
)
from stories.pagination import CURSOR
from teams.models import Team, User


def as_id(value) -> int | None:
    """A submitted primary key as a number, or None for anything else, a number too long
    for the database included (SQLite refuses one past 2**63 with an error)."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdecimal() and len(text) <= 18 else None


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Checks that every submitted value could be an id before the database sees it."""

    def clean(self, value):
        for pk in value or []:
            if as_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super().clean(value)


class PillarChoiceField(IdsChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, pillar):
        return pillar.title


class StoryForm(forms.ModelForm):
    pillars = PillarChoiceField(
        queryset=Pillar.objects.none(),
        label="Pillars this story tells",
        error_messages={"required": "Tag at least one pillar."},
    )
    audiences = IdsChoiceField(
        queryset=Audience.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one audience."},
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Story
        fields = ["title", "summary", "body", "offer", "channel", "audiences", "pillars"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "body": forms.Textarea(attrs={"rows": 14}),
            "offer": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pillars"].queryset = version.pillars.all()
        if self.instance.pk:
            self.fields["lock_version"].initial = self.instance.lock_version
            # Tags follow their pillar's key onto the version the entry is edited under.
            keys = [p.key for p in self.instance.pillars.all()]
            self.initial["pillars"] = [p.pk for p in version.pillars.all() if p.key in keys]


class StoryFilterForm(forms.Form):
    SORTS = [
        ("-published", "Newest first"),
        ("published", "Oldest first"),
        ("score", "Lowest score first"),
        ("-score", "Highest score first"),
    ]
    q = forms.CharField(label="Search", required=False, max_length=100)
    audience = forms.ModelChoiceField(
        queryset=Audience.objects.all(), required=False, empty_label="Any audience"
    )
    channel = forms.ChoiceField(
        choices=[("", "Any channel"), *Story.Channel.choices], required=False
    )
    pillar = forms.SlugField(required=False, widget=forms.Select)
    status = forms.ChoiceField(choices=[("", "Any status"), *Story.Status.choices], required=False)
    band = forms.ChoiceField(choices=[("", "Any band"), *Band.choices], required=False)
    author = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    sort = forms.ChoiceField(choices=SORTS, required=False)

    def __init__(self, *args, choices: Choices, show_status, authors, **kwargs):
        """`authors`: builds whose stories the author filter accepts; `choices`: the
        request's cached filter choices."""
        super().__init__(*args, **kwargs)
        _offer(self, "audience", Audience.objects.all(), choices.audiences())
        _offer(self, "author", authors, choices.people(authors, "writers"))
        self.fields["pillar"].offered = [("", "Any pillar"), *choices.pillars()]
        if not show_status:
            del self.fields["status"]


class PublishForm(forms.Form):
    reason = forms.CharField(
        label="Why publish it anyway?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="This story scores off message. Write down why it should go out as it is; "
        "the reason is kept with the story.",
    )


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label="What should the author change?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class AudienceForm(forms.ModelForm):
    class Meta:
        model = Audience
        fields = ["name", "kind", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


# When the name was free as the form was checked and taken by the time it was saved.
CLIENT_JUST_ADDED = (
    "A client of that name was just added. Choose it from the list, or ask your sales lead "
    "if you cannot find it."
)


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["name", "industry", "size", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, visible=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.visible = visible

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        same = Client.objects.filter(name_key=normalized_name(name)).exclude(pk=self.instance.pk)
        if same.exists():
            raise forms.ValidationError(
                "A client with this name already exists. Pick it from the list instead, or ask "
                "your sales lead if it belongs to another team."
            )
        return name


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "email", "phone"]


# How many of the rep's latest conversations the form takes its first offers from.
RECENT = 50


class ConversationForm(forms.ModelForm):
    """The one form a rep fills in after a meeting, on a phone if need be."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.none(),
        required=False,
        empty_label="Choose a client…",
        help_text="Start typing in the search box to find one.",
    )
    new_client = forms.CharField(
        label="…or a new client",
        required=False,
        max_length=200,
        help_text="The name of a client you have not logged before.",
    )
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    contacts = IdsChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who was there",
    )
    tco_topics = IdsChoiceField(
        queryset=TcoTopic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Total-cost-of-ownership topics discussed",
    )
    stories_used = IdsChoiceField(
        queryset=Story.objects.live().order_by("title"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Stories you used",
        error_messages={
            "invalid_choice": "Only published stories can be used with a client.",
        },
    )
    pillars = PillarChoiceField(
        queryset=Pillar.objects.none(),
        label="Pillars this conversation told",
        error_messages={"required": "Tag at least one pillar."},
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Conversation
        fields = [
            "client",
            "occurred_at",
            "channel",
            "contacts",
            "summary",
            "notes",
            "client_goals",
            "risks",
            "tco_topics",
            "stories_used",
            "outcome",
            "next_step",
            "next_step_due",
            "pillars",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 5}),
            "client_goals": forms.Textarea(attrs={"rows": 2}),
            "risks": forms.Textarea(attrs={"rows": 2}),
            "next_step_due": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, version, clients, rep, **kwargs):
        """`clients`: whom the rep may log a conversation with; `rep`: who logs it, whose
        recent clients and stories the form offers first."""
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        # Choosing a client loads its people into the form (htmx).
        self.fields["client"].widget.attrs.update(
            {
                "hx-get": reverse("stories:contact_options"),
                "hx-trigger": "change",
                "hx-target": "#contact-options",
            }
        )
        self.fields["contacts"].queryset = Contact.objects.none()
        self.fields["pillars"].queryset = version.pillars.all()
        if self.instance.pk:
            self.fields["lock_version"].initial = self.instance.lock_version
            # Tags follow their pillar's key onto the version the entry is edited under.
            keys = [p.key for p in self.instance.pillars.all()]
            self.initial["pillars"] = [p.pk for p in version.pillars.all() if p.key in keys]
            # Stories archived since they were used stay on the conversation when it is edited.
            used = self.instance.stories_used.values("pk")
            self.fields["stories_used"].queryset = Story.objects.filter(
                Q(status=Story.Status.PUBLISHED) | Q(pk__in=used)
            ).order_by("title")
        client_id = (
            self.data.get("client")
            or self.initial.get("client")
            or (self.instance.client_id if self.instance.pk else None)
        )
        client_id = as_id(client_id)
        if client_id is not None:
            self.fields["contacts"].queryset = Contact.objects.filter(
                client_id=client_id, client__in=clients
            )
        self._offer_recent(rep, clients, client_id)

    def _offer_recent(self, rep, clients, client_id) -> None:
        """Offer the chosen client and stories and the rep's recent ones, not every one.

        A company has thousands of clients and tens of thousands of stories: a select and
        a checkbox for each made the page megabytes long. The searches (client_search,
        story_options) find the others; the fields still accept any client the rep may
        see and any published story.
        """
        recent = Conversation.objects.filter(rep=rep).order_by("-occurred_at", "-pk")[:RECENT]
        client_ids = {client_id} if client_id is not None else set()
        client_ids |= set(recent.values_list("client_id", flat=True))
        offered = clients.filter(pk__in=client_ids).order_by("name").values_list("pk", "name")
        self.fields["client"].widget.choices = [("", self.fields["client"].empty_label)]
        self.fields["client"].widget.choices += list(offered)
        chosen = (as_id(pk) for pk in self["stories_used"].value() or [])
        story_ids = {pk for pk in chosen if pk is not None}
        used = Conversation.stories_used.through.objects.filter(
            conversation__in=recent.values("pk")
        )
        story_ids |= set(used.values_list("story_id", flat=True))
        stories = self.fields["stories_used"].queryset.filter(pk__in=story_ids)
        self.fields["stories_used"].widget.choices = list(stories.values_list("pk", "title"))

    def clean_occurred_at(self):
        when = self.cleaned_data["occurred_at"]
        if when > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("A conversation cannot be in the future.")
        return when

    def clean(self):
        cleaned = super().clean()
        client, new_client = cleaned.get("client"), cleaned.get("new_client", "").strip()
        if client and new_client:
            self.add_error("new_client", "Choose an existing client or name a new one, not both.")
        elif not client and not new_client:
            self.add_error("client", "Choose the client, or name a new one below.")
        elif new_client:
            taken = Client.objects.filter(name_key=normalized_name(new_client)).first()
            if taken:
                self.add_error(
                    "new_client",
                    f"“{taken.name}” already exists: choose it from the list."
                    if self.fields["client"].queryset.filter(pk=taken.pk).exists()
                    else "A client with this name already exists in another team; "
                    "ask your sales lead.",
                )
        contacts = cleaned.get("contacts") or []
        if contacts and not client:
            self.add_error("contacts", "A new client has no contacts yet; add them afterwards.")
        elif client and any(contact.client_id != client.pk for contact in contacts):
            self.add_error("contacts", "Choose people who work at this client.")
        return cleaned


def start_of_day(day: date) -> datetime:
    """The first moment of a date in the site's time zone, the date the pages show.

    Date filters compare the stored moment with this (`occurred_at >= start_of_day(since)`,
    `< start_of_day(until + 1 day)`), a range an index serves, where `occurred_at__date`
    would convert every row's time first.
    """
    return timezone.make_aware(datetime.combine(day, time.min))


class ConversationFilterForm(forms.Form):
    SCOPES = [("mine", "Mine"), ("team", "My team"), ("all", "Everyone")]
    scope = forms.ChoiceField(choices=SCOPES, required=False)
    client = forms.ModelChoiceField(
        queryset=Client.objects.none(), required=False, empty_label="Any client"
    )
    rep = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Anyone")
    channel = forms.ChoiceField(
        choices=[("", "Any channel"), *Conversation.Channel.choices], required=False
    )
    pillar = forms.SlugField(required=False, widget=forms.Select)
    band = forms.ChoiceField(choices=[("", "Any band"), *Band.choices], required=False)
    tco = forms.ModelChoiceField(
        queryset=TcoTopic.objects.all(),
        required=False,
        to_field_name="key",
        label="TCO topic",
        empty_label="Any topic",
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, choices: Choices, clients, reps, reps_key, scopes, **kwargs):
        """`clients` validates the client filter, whose select offers only the clients of
        the page shown (see offer_clients) and the chosen one; a search finds any other.
        `reps` is None when the viewer sees only their own conversations (no rep filter);
        `reps_key` names that set of people for the cache of `choices`."""
        super().__init__(*args, **kwargs)
        _offer(self, "client", clients, [])
        if reps is None:
            del self.fields["rep"]
        else:
            _offer(self, "rep", reps, choices.people(reps, reps_key))
        _offer(self, "tco", TcoTopic.objects.all(), choices.topics())
        # The viewer's default scope first: it is what the page shows before a choice.
        self.fields["scope"].choices = [(scope, dict(self.SCOPES)[scope]) for scope in scopes]
        self.fields["pillar"].offered = [("", "Any pillar"), *choices.pillars()]
        if len(scopes) < 2:
            del self.fields["scope"]

    def offer_clients(self, clients) -> None:
        """Offer these (pk, name) pairs, by name, and keep the chosen client among them."""
        chosen = getattr(self, "cleaned_data", {}).get("client")
        offered = dict(clients)
        if chosen:
            offered[chosen.pk] = chosen.name
        choices = sorted(offered.items(), key=lambda choice: choice[1].casefold())
        self.fields["client"].offered = [("", "Any client"), *choices]


class ReviewForm(forms.ModelForm):
    verdict = forms.ChoiceField(choices=Review.Verdict.choices, widget=forms.RadioSelect)

    class Meta:
        model = Review
        fields = ["verdict", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 4})}


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            ("", "Stories and conversations"),
            ("story", "Stories"),
            ("conversation", "Conversations"),
        ],
        required=False,
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="Any team"
    )
    person = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    pillar = forms.SlugField(required=False, widget=forms.Select)
    band = forms.ChoiceField(choices=[("", "Any band"), *Band.choices], required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, choices: Choices, people, teams, key, version, **kwargs):
        """`people` and `teams`: whom the reviewer may filter by, a set `key` names for the
        cache of `choices`; the pillars are those of the plumb line `version`."""
        super().__init__(*args, **kwargs)
        _offer(self, "person", people, choices.people(people, f"queue:{key}"))
        _offer(self, "team", teams, choices.teams(teams, f"queue:{key}"))
        self.fields["pillar"].offered = [("", "Any pillar"), *choices.pillars(version)]


# A list page's filters panel stays closed, and its form unbuilt (with what it offers: a
# manager's 500 people among them), until a filter is applied or the panel is asked for
# with ?filters=open: htmx asks when the panel is first opened and gets the panel alone;
# a link asks without JavaScript and gets the page with the panel open.
SHOW_FILTERS = "filters"


def filters_wanted(request) -> bool:
    """Whether the list page builds its filters: anything asked but a page's cursor."""
    return any(key != CURSOR for key in request.GET)


def filters_panel_only(request) -> bool:
    """Whether htmx asks for the filters panel alone."""
    return bool(request.htmx) and request.GET.get(SHOW_FILTERS) == "open"


def _offer(form: forms.Form, name: str, queryset, choices) -> None:
    """Validate the field `name` against `queryset` (one query, for a submitted value only);
    offer `choices`, (value, label) pairs, as they are (see list_filters.options). A
    ModelChoiceField would build a model per option, read through a server-side cursor
    (three round trips), and a manager's filters list some 500 people.

    `queryset` may be a function that builds it: called only when a value was submitted,
    for building a queryset costs a list page more than reading its cached choices."""
    field = form.fields[name]
    if callable(queryset):
        queryset = queryset() if form.data.get(name) else field.queryset.none()
    field.queryset = queryset
    field.offered = [("", field.empty_label), *choices]
