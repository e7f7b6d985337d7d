"""Forms for registering and for payments at the door. Money is typed in major units."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cerchia.dues.forms import MoneyField
from cerchia.meetings.models import Meeting
from cerchia.meetings.registrations import MAX_ANSWER_LENGTH, MAX_GUESTS, PAYMENT_METHODS


class RegisterForm(forms.Form):
    """One field per question of the meeting; guests come as repeated name/email inputs."""

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        for index, question in enumerate(meeting.questions or []):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=str(question), max_length=MAX_ANSWER_LENGTH, required=False
            )

    def answers(self) -> list[str]:
        return [
            self.cleaned_data.get(f"answer_{index}", "")
            for index in range(len(self.meeting.questions or []))
        ]

    def guests(self) -> list[tuple[str, str]]:
        """(name, email) pairs from the guest rows that were filled in (a name is enough)."""
        names = self.data.getlist("guest_name") if hasattr(self.data, "getlist") else []
        emails = self.data.getlist("guest_email") if hasattr(self.data, "getlist") else []
        pairs = []
        for index, name in enumerate(names[: MAX_GUESTS + 1]):
            email = emails[index] if index < len(emails) else ""
            if name.strip() or email.strip():
                pairs.append((name, email))
        return pairs


class RegistrationPaymentForm(forms.Form):
    amount = MoneyField(label=_("Amount"))
    method = forms.ChoiceField(label=_("Method"), choices=PAYMENT_METHODS.choices)
    reference = forms.CharField(label=_("Reference"), max_length=120, required=False)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["amount"]
        assert isinstance(field, MoneyField)
        field.currency = currency


class CheckInForm(forms.Form):
    code = forms.CharField(label=_("Ticket code"), max_length=300)
