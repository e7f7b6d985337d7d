"""The form administrators fill in to put a question to the members."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class MomentInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=LOCAL_MINUTE, **kwargs)


class BallotForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=300)
    description = forms.CharField(
        label=_("Explanation (optional)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    options = forms.CharField(
        label=_("Options, one per line"),
        # MIN_OPTIONS and MAX_OPTIONS, written out: a lazy string cannot be interpolated here.
        help_text=_("From 2 to 10 options, e.g. Yes / No / Abstain."),
        max_length=2500,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    opens_at = forms.DateTimeField(
        label=_("Opens"), required=False, widget=MomentInput(), help_text=_("Empty: at once.")
    )
    closes_at = forms.DateTimeField(label=_("Closes"), widget=MomentInput())
    secret = forms.BooleanField(
        label=_("Secret ballot: results show counts only, never who voted what"),
        required=False,
        initial=True,
    )

    def option_labels(self) -> list[str]:
        return str(self.cleaned_data["options"]).splitlines()

    def ballot_fields(self) -> dict[str, Any]:
        """The cleaned form as ``create_ballot`` takes it."""
        data = self.cleaned_data
        return {
            "question": data["question"],
            "description": data["description"],
            "options": self.option_labels(),
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "secret": data["secret"],
        }
