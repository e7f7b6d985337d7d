"""Forms for tiers and invoices. People type money in major units ("120,00"); the forms
hand the services integer minor units."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cerchia.dues.models import Payment, Tier
from cerchia.groups.models import Group
from cerchia.lib.money import MAX_MINOR, parse_major, to_major


class MoneyField(forms.CharField):
    """An amount in major units of ``currency`` ("120,00" or "120.00") → minor units."""

    def __init__(self, *args: Any, currency: str = "EUR", **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.widget.attrs.setdefault("inputmode", "decimal")

    def clean(self, value: Any) -> Any:
        text = super().clean(value)  # the text, its length checked
        if text in self.empty_values:
            return None
        try:
            minor = parse_major(text, self.currency)
        except ValueError:
            raise forms.ValidationError(
                _("Enter an amount in %(currency)s like %(example)s."),
                code="invalid",
                params={
                    "currency": self.currency,
                    "example": show_major(12000, self.currency),
                },
            ) from None
        if minor > MAX_MINOR:
            raise forms.ValidationError(_("That amount is too large."), code="max_value")
        return minor


def show_major(amount_minor: int, currency: str) -> str:
    """Minor units as a form shows them: 12000 EUR → "120.00"."""
    return str(to_major(amount_minor, currency))


class TierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    dues = MoneyField(label=_("Dues per period"))
    period = forms.ChoiceField(label=_("Period"), choices=Tier.Period.choices)
    joining_fee = MoneyField(label=_("Joining fee"), required=False)
    term = forms.ChoiceField(label=_("Term"), choices=Tier.Term.choices)
    benefits = forms.CharField(
        label=_("Benefits"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    listing = forms.ChoiceField(label=_("Directory listing"), choices=Tier.Listing.choices)
    offered = forms.BooleanField(label=_("Offered to new members"), required=False, initial=True)
    position = forms.IntegerField(
        label=_("Position in the list"), min_value=0, max_value=1000, initial=0
    )

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("dues", "joining_fee"):
            field = self.fields[name]
            assert isinstance(field, MoneyField)
            field.currency = group.currency
            field.help_text = group.currency

    @staticmethod
    def initial_for(tier: Tier) -> dict[str, Any]:
        currency = tier.group.currency
        return {
            "name": tier.name,
            "dues": show_major(tier.dues_minor, currency),
            "period": tier.period,
            "joining_fee": show_major(tier.joining_fee_minor, currency),
            "term": tier.term,
            "benefits": tier.benefits,
            "listing": tier.listing,
            "offered": tier.offered,
            "position": tier.position,
        }

    def tier_fields(self) -> dict[str, Any]:
        """The cleaned form as ``create_tier`` / ``update_tier`` take it."""
        data = dict(self.cleaned_data)
        data["dues_minor"] = data.pop("dues")
        data["joining_fee_minor"] = data.pop("joining_fee") or 0
        return data


class PaymentForm(forms.Form):
    amount = MoneyField(label=_("Amount"))
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("Reference"), max_length=120, required=False)
    received_on = forms.DateField(label=_("Received on"), required=False)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["amount"]
        assert isinstance(field, MoneyField)
        field.currency = currency

    def clean_received_on(self) -> Any:
        return self.cleaned_data.get("received_on") or timezone.localdate()


class FeeForm(forms.Form):
    amount = MoneyField(label=_("Amount"))
    description = forms.CharField(label=_("What for"), max_length=200)
    due_on = forms.DateField(label=_("Due on"))

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["amount"]
        assert isinstance(field, MoneyField)
        field.currency = currency


def first_error(form: forms.Form) -> str:
    """One readable line for a form posted from a small inline form: "Amount: …"."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return ""
