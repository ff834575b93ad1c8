from django import forms

from plumbline.models import Guardrail, Pillar, PlumbLineVersion


class RevisionField(forms.IntegerField):
    """The draft revision an editor started from; see services._touch."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=1, **kwargs)


def split_lines(text: str) -> list[str]:
    seen, items = set(), []
    for line in text.splitlines():
        item = " ".join(line.split())
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            items.append(item)
    return items


class LinesField(forms.CharField):
    """A list of short texts edited as one per line."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return split_lines(super().to_python(value) or "")


class DraftForm(forms.ModelForm):
    revision = RevisionField()

    class Meta:
        model = PlumbLineVersion
        fields = ["statement", "notes"]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class PillarForm(forms.ModelForm):
    revision = RevisionField()
    key_phrases = LinesField(
        help_text="One per line. Inflections count: “lower running cost” also catches "
        "“lowers running costs”."
    )
    proof_points = LinesField(required=False, help_text="One per line.")

    class Meta:
        model = Pillar
        fields = ["key", "title", "message", "key_phrases", "proof_points"]
        widgets = {"message": forms.Textarea(attrs={"rows": 3})}

    def clean_key(self):
        key = self.cleaned_data["key"].lower()
        others = Pillar.objects.filter(version=self.instance.version, key=key)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another pillar of this draft already has this key.")
        return key

    def clean_key_phrases(self):
        phrases = self.cleaned_data["key_phrases"]
        if not phrases:
            raise forms.ValidationError("Give at least one key phrase.")
        return phrases


class GuardrailForm(forms.ModelForm):
    revision = RevisionField()

    class Meta:
        model = Guardrail
        fields = ["phrase", "preferred", "reason", "severity"]

    def clean_phrase(self):
        phrase = " ".join(self.cleaned_data["phrase"].split())
        others = Guardrail.objects.filter(version=self.instance.version, phrase__iexact=phrase)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("This draft already has a guardrail for this phrase.")
        return phrase


class MoveForm(forms.Form):
    revision = RevisionField()
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class ConfirmForm(forms.Form):
    revision = RevisionField()


class CompareForm(forms.Form):
    old = forms.TypedChoiceField(label="From version", coerce=int)
    new = forms.TypedChoiceField(label="To version", coerce=int)

    def __init__(self, *args, numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(n, f"Version {n}") for n in numbers]
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Plumb-line JSON file",
        help_text="A file exported from Plumbline, or written in the same shape.",
    )


class CheckForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}), required=False, max_length=200_000
    )
    pillars = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pillars"].choices = [(p.key, p.title) for p in version.pillars.all()]
