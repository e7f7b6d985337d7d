"""The form for an investment entered by hand. People type money in major units ("12,50") in
the currency they choose (the group's by default); the service gets integer minor units."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cerchia.groups.models import Group
from cerchia.ledger.models import Investment
from cerchia.ledger.services import MANUAL_KINDS, MAX_HOURS
from cerchia.lib.money import MAX_MINOR, parse_major
from cerchia.lib.validators import validate_currency


class InvestmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("What for"))
    group = forms.TypedChoiceField(label=_("Group"), required=False, coerce=int, empty_value=None)
    amount = forms.CharField(
        label=_("Amount"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "12.50"}),
    )
    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        max_length=3,
        help_text=_("Blank: the group's currency."),
        widget=forms.TextInput(attrs={"size": 3, "autocapitalize": "characters"}),
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        required=False,
        min_value=Decimal("0"),
        max_value=MAX_HOURS,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
    spent_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=240)

    def __init__(self, *args: Any, groups: list[Group], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"spent_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.groups = {g.pk: g for g in groups}
        labels = dict(Investment.Kind.choices)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(k, labels[k]) for k in MANUAL_KINDS]
        group = self.fields["group"]
        assert isinstance(group, forms.ChoiceField)
        group.choices = [("", _("None (my informal network)"))] + [
            (g.pk, f"{g.name} ({g.currency})") for g in groups
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        group = self.groups.get(data.get("group") or 0)
        text = (data.get("amount") or "").strip()
        currency = (data.get("currency") or "").strip().upper()
        currency = currency or (group.currency if group is not None else "")
        amount_minor = 0
        if text:
            if not currency:
                self.add_error("currency", _("Give the currency of the amount."))
                return data
            try:
                validate_currency(currency)
            except forms.ValidationError:
                self.add_error("currency", _("Unknown currency: %(code)s") % {"code": currency})
                return data
            try:
                amount_minor = parse_major(text, currency)
            except ValueError:
                self.add_error(
                    "amount",
                    _("Enter a positive amount in %(currency)s like 12.50.")
                    % {"currency": currency},
                )
                return data
            if amount_minor > MAX_MINOR:
                self.add_error("amount", _("That amount is too large."))
                return data
        data["group_obj"] = group
        data["amount_minor"] = amount_minor
        data["currency"] = currency if amount_minor else ""
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "group": data["group_obj"],
            "amount_minor": data["amount_minor"],
            "currency": data["currency"],
            "hours": data.get("hours") or 0,
            "spent_on": data["spent_on"],
            "notes": data.get("notes") or "",
        }
