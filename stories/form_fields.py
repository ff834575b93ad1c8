"""Form fields the filters share."""

from datetime import date

from django import forms

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


class BoundedDateField(forms.DateField):
    """A date between EARLIEST_DAY and LATEST_DAY, so that a filter can add a day to it."""

    def validate(self, value):
        super().validate(value)
        if value and not EARLIEST_DAY <= value <= LATEST_DAY:
            raise forms.ValidationError("Choose a date between 1900 and 2999.", code="range")

    def widget_attrs(self, widget):
        # The browser's date picker offers only the dates the field takes.
        return {**super().widget_attrs(widget), "min": f"{EARLIEST_DAY}", "max": f"{LATEST_DAY}"}
