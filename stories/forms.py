from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from plumbline.models import Pillar
from stories.models import (
    Audience,
    Client,
    Contact,
    Conversation,
    Review,
    Story,
    TcoTopic,
    normalized_name,
)


def as_id(value) -> int | None:
    """A submitted primary key as a number, or None for anything else, a number too long
    for the database included (SQLite refuses one past 2**63 with an error)."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdecimal() and len(text) <= 18 else None


# What a form answers when its edit marker (lock_version) is missing or tampered with:
# without it the conflict check could not tell a stale edit from a fresh one.
STALE_FORM = (
    "This form is missing what tells edits apart: reload the page and make the change again."
)


def stale_form(form) -> bool:
    """Whether a bound edit form came without a valid lock_version."""
    return form.is_bound and "lock_version" in form.errors


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


class EntryForm(forms.ModelForm):
    """What the story and conversation forms share: the pillars of the version the entry is
    written under, and the lock_version that keeps two editors from overwriting each other."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pillars"].queryset = version.pillars.all()
        if self.instance.pk:
            self.fields["lock_version"].required = True
            self.fields["lock_version"].initial = self.instance.lock_version
            # Tags follow their pillar's key onto the version the entry is edited under.
            keys = [p.key for p in self.instance.pillars.all()]
            self.initial["pillars"] = [p.pk for p in version.pillars.all() if p.key in keys]


class StoryForm(EntryForm):
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

    class Meta:
        model = Story
        fields = ["title", "summary", "body", "offer", "channel", "audiences", "pillars"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "body": forms.Textarea(attrs={"rows": 14}),
            "offer": forms.Textarea(attrs={"rows": 2}),
        }


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


class NewContactsField(forms.CharField):
    """The people at a new client, one a line: "Amara Osei" or "Amara Osei, Owner".

    Cleans to a list of (name, role) pairs, spaces tidied; blank lines are skipped.
    """

    MOST = 30
    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        name_limit = Contact._meta.get_field("name").max_length
        role_limit = Contact._meta.get_field("role").max_length
        people, seen = [], {}
        for number, line in enumerate(super().to_python(value).splitlines(), start=1):
            name, _, role = (" ".join(part.split()) for part in line.partition(","))
            if not (name or role):
                continue
            if not name:
                raise ValidationError(f"Line {number}: write the name before the comma.")
            if len(name) > name_limit:
                raise ValidationError(f"Line {number}: a name has at most {name_limit} characters.")
            if len(role) > role_limit:
                raise ValidationError(f"Line {number}: a role has at most {role_limit} characters.")
            if name.casefold() in seen:
                first = seen[name.casefold()]
                raise ValidationError(f"Line {number}: the same person as line {first}.")
            seen[name.casefold()] = number
            people.append((name, role))
        if len(people) > self.MOST:
            raise ValidationError(f"Add at most {self.MOST} people here.")
        return people


# How many of the rep's latest conversations the form takes its first offers from.
RECENT = 50

# The conversation form's optional parts, folded until they hold a value or an error.
FOLDED_SECTIONS = {
    "new_client": ("new_client", "new_contacts"),
    "goals": ("client_goals", "risks", "tco_topics"),
    "stories": ("stories_used",),
    "follow_up": ("outcome", "next_step", "next_step_due"),
}


class ConversationForm(EntryForm):
    """The one form a rep fills in after a meeting, on a phone if need be."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.none(),
        required=False,
        empty_label="Choose a client…",
    )
    new_client = forms.CharField(label="The new client's name", required=False, max_length=200)
    new_contacts = NewContactsField(
        label="People you met there",
        required=False,
        help_text="One a line, with their role after a comma if you like: “Amara Osei, Owner”. "
        "They become the client's contacts.",
    )
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    # The page draws these boxes one by one (choice.tag), which only the widget's attrs
    # style: with Bootstrap's class here, a form sent back looks like the boxes htmx loads.
    contacts = IdsChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
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
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
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
            "notes": forms.Textarea(attrs={"rows": 3}),
            "client_goals": forms.Textarea(attrs={"rows": 2}),
            "risks": forms.Textarea(attrs={"rows": 2}),
            "next_step_due": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, version, clients, rep, **kwargs):
        """`clients`: whom the rep may log a conversation with; `rep`: who logs it, whose
        recent clients and stories the form offers first."""
        super().__init__(*args, version=version, **kwargs)
        self.fields["client"].queryset = clients
        # Choosing a client loads its people into the form (htmx). Its request is synchronised
        # on itself, not with the form's live check that the same change sends, which
        # cancelled it (or, queued, dropped it).
        self.fields["client"].widget.attrs.update(
            {
                "data-hx-get": reverse("stories:contact_options"),
                "data-hx-trigger": "change",
                "data-hx-target": "#contact-options",
                "data-hx-sync": "this:replace",
            }
        )
        self.fields["contacts"].queryset = Contact.objects.none()
        if self.instance.pk:
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
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("channel", self._usual_channel(rep))

    @staticmethod
    def _usual_channel(rep) -> str:
        """The channel the rep logs most (the latest on a tie), or a call for a first one."""
        usual = (
            Conversation.objects.filter(rep=rep)
            .values("channel")
            .annotate(times=Count("pk"), last=Max("occurred_at"))
            .order_by("-times", "-last")
            .first()
        )
        return usual["channel"] if usual else Conversation.Channel.CALL

    @property
    def open_sections(self) -> dict[str, bool]:
        """Which folded parts show open: those holding a value or an error."""
        return {
            section: any(self[name].value() or self[name].errors for name in names)
            for section, names in FOLDED_SECTIONS.items()
        }

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
        if cleaned.get("new_contacts") and not new_client:
            self.add_error(
                "new_contacts",
                "People can be added here only with a new client; add them on the client's page.",
            )
        contacts = cleaned.get("contacts") or []
        if contacts and not client:
            self.add_error(
                "contacts", "A new client has no contacts yet: name the people you met below it."
            )
        elif client and any(contact.client_id != client.pk for contact in contacts):
            self.add_error("contacts", "Choose people who work at this client.")
        return cleaned


class ReviewForm(forms.ModelForm):
    verdict = forms.ChoiceField(choices=Review.Verdict.choices, widget=forms.RadioSelect)

    class Meta:
        model = Review
        fields = ["verdict", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 4})}
