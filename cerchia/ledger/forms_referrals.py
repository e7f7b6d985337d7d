"""Forms for referral slips and closed business. Amounts are typed in major units ("120,50")
and become minor units once the currency is known (``amount_minor``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cerchia.groups.models import Group
from cerchia.ledger.models import ClosedBusiness, Referral
from cerchia.lib.money import MAX_MINOR, parse_major

TEMPERATURES = [(n, str(n)) for n in range(1, 6)]


def _group_choices(groups: list[Group]) -> list[tuple[str, Any]]:
    return [(str(g.pk), g.name) for g in groups] + [("", _("No group (my own network)"))]


def first_error(form: forms.Form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return ""


class SlipFields(forms.Form):
    """What a giver writes on a slip (and may correct later)."""

    prospect_name = forms.CharField(
        label=_("Prospect"),
        max_length=160,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    prospect_phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    prospect_email = forms.EmailField(label=_("Email"), required=False)
    prospect_company = forms.CharField(label=_("Company"), max_length=160, required=False)
    temperature = forms.TypedChoiceField(
        label=_("Temperature"),
        choices=TEMPERATURES,
        coerce=int,
        initial=3,
        widget=forms.RadioSelect,
        help_text=_("How well you prepared the prospect: 1 = a name, 5 = expecting the call."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Referral.Kind.choices, initial=Referral.Kind.OUTSIDE
    )
    confidential = forms.BooleanField(
        label=_("Confidential: only the two of us see anything but the count"), required=False
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @staticmethod
    def initial_for(referral: Referral, fields: tuple[str, ...]) -> dict[str, Any]:
        return {name: getattr(referral, name) for name in fields}


SLIP_CHANGES = (
    "kind",
    "prospect_name",
    "prospect_company",
    "prospect_email",
    "prospect_phone",
    "temperature",
    "notes",
    "confidential",
)
# What a leader who is not a party may correct: never the prospect, never the notes.
LEADER_CHANGES = ("kind", "temperature")


class ReferralForm(SlipFields):
    """The quick log's slip: the prospect's name is the only field to type."""

    group = forms.ChoiceField(label=_("Passed in"), required=False)

    def __init__(self, *args: Any, groups: list[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = {str(g.pk): g for g in groups}
        field = self.fields["group"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _group_choices(groups)
        if groups and "group" not in self.initial:
            self.initial["group"] = str(groups[0].pk)

    def chosen_group(self) -> Group | None:
        return self.groups.get(self.cleaned_data.get("group") or "")

    def slip(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SLIP_CHANGES}


class ExternalReceiverForm(forms.Form):
    """Someone without an account: a name (and an email to reach them)."""

    receiver_name = forms.CharField(label=_("Their name"), max_length=160)
    receiver_email = forms.EmailField(label=_("Their email"), required=False)


class CorrectionForm(SlipFields):
    """A correction of a slip; a leader who is not a party sees kind and temperature only."""

    def __init__(self, *args: Any, fields: tuple[str, ...] = SLIP_CHANGES, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        if "prospect_name" in self.fields:
            self.fields["prospect_name"].widget.attrs.pop("autofocus", None)

    def changes(self, referral: Referral) -> dict[str, Any]:
        """Only what differs from the slip, so the audit trail names what changed."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if getattr(referral, name) != value
        }


class ClosedBusinessForm(forms.Form):
    """Closed business in major units; the currency decides how they become minor units."""

    amount = forms.CharField(
        label=_("Amount"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    kind = forms.ChoiceField(
        label=_("Business"), choices=ClosedBusiness.Kind.choices, initial=ClosedBusiness.Kind.NEW
    )
    closed_on = forms.DateField(
        label=_("Closed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, currency: str = "EUR", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].initial = currency
        self.fields["closed_on"].initial = timezone.localdate()

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "amount" in data and "currency" in data:
            try:
                minor = parse_major(data["amount"], data["currency"])
            except ValueError:
                self.add_error(
                    "amount",
                    _("Enter an amount in %(currency)s like 1200.00.")
                    % {"currency": data["currency"]},
                )
            else:
                if not 1 <= minor <= MAX_MINOR:
                    self.add_error("amount", _("Enter an amount above zero and within reason."))
                data["amount_minor"] = minor
        return data

    def business(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "amount_minor": data["amount_minor"],
            "currency": data["currency"],
            "kind": data["kind"],
            "closed_on": data["closed_on"],
            "notes": data["notes"],
        }


class ThanksForm(ClosedBusinessForm):
    """A thank-you for closed business not tied to one slip: whom and in which group."""

    person = forms.TypedChoiceField(label=_("Whom you thank"), coerce=int)
    group = forms.ChoiceField(label=_("Group"), required=False)

    field_order = ["person", "group", "amount", "currency", "kind", "closed_on", "notes"]

    def __init__(
        self,
        *args: Any,
        people: list[tuple[int, str]],
        groups: list[Group],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, currency=groups[0].currency if groups else "EUR", **kwargs)
        self.groups = {str(g.pk): g for g in groups}
        person = self.fields["person"]
        assert isinstance(person, forms.TypedChoiceField)
        person.choices = [("", "—"), *people]
        group = self.fields["group"]
        assert isinstance(group, forms.ChoiceField)
        group.choices = _group_choices(groups)
        if groups:
            group.initial = str(groups[0].pk)

    def chosen_group(self) -> Group | None:
        return self.groups.get(self.cleaned_data.get("group") or "")
