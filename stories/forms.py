from django import forms

from plumbline.models import Pillar
from stories.models import Audience, Band, Story
from teams.models import User


class PillarChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, pillar):
        return pillar.title


class StoryForm(forms.ModelForm):
    pillars = PillarChoiceField(
        queryset=Pillar.objects.none(),
        label="Pillars this story tells",
        error_messages={"required": "Tag at least one pillar."},
    )
    audiences = forms.ModelMultipleChoiceField(
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
            self.initial["pillars"] = [
                p.pk for p in self.instance.pillars.all() if p.version_id == version.pk
            ]


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
        queryset=User.objects.filter(stories__isnull=False).distinct(),
        required=False,
        empty_label="Anyone",
    )
    sort = forms.ChoiceField(choices=SORTS, required=False)

    def __init__(self, *args, pillar_choices, show_status, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pillar"].widget.choices = [("", "Any pillar"), *pillar_choices]
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
