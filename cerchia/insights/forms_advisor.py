"""The advisor's short form: the business profile as radio buttons and a few numbers, phone
first. People type the budget in units of their currency ("1200" or "1200,50"); the advisor
gets integer minor units."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cerchia.insights.advisor import MAX_HOURS_PER_WEEK, Profile, profile_as_dict
from cerchia.insights.models import BusinessProfile
from cerchia.lib.money import MAX_MINOR, parse_major, to_major
from cerchia.lib.validators import validate_currency

YES_NO = (("yes", _("Yes")), ("no", _("No")))
SCALE = (
    (1, _("1 — not at all")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, _("5 — very")),
)


def _yes(value: str) -> bool:
    return value == "yes"


def _yes_no(label: Any, help_text: Any = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, help_text=help_text, choices=YES_NO, coerce=_yes, widget=forms.RadioSelect
    )


def _scale(label: Any, help_text: Any = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, help_text=help_text, choices=SCALE, coerce=int, widget=forms.RadioSelect
    )


class AdvisorForm(forms.Form):
    clientele = forms.ChoiceField(
        label=_("Where are your clients?"),
        choices=BusinessProfile.Clientele.choices,
        widget=forms.RadioSelect,
    )
    budget = forms.CharField(
        label=_("Yearly budget for networking"),
        max_length=20,
        help_text=_("Fees, tickets, meals and travel in a year, in whole units (e.g. 1200)."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1200"}),
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        initial="EUR",
        widget=forms.TextInput(attrs={"size": 3, "autocapitalize": "characters"}),
    )
    hours_per_week = forms.DecimalField(
        label=_("Hours a week you can give to networking"),
        min_value=Decimal("0"),
        max_value=Decimal(MAX_HOURS_PER_WEEK),
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    weekly_meetings_ok = _yes_no(_("Could you attend a meeting every week?"))
    online_comfort = _scale(_("How comfortable are you networking online?"))
    deal_size = forms.ChoiceField(
        label=_("Your typical deal size"),
        choices=BusinessProfile.DealSize.choices,
        widget=forms.RadioSelect,
    )
    b2b = forms.TypedChoiceField(
        label=_("Who buys from you?"),
        choices=(("yes", _("Mostly businesses (B2B)")), ("no", _("Mostly consumers (B2C)"))),
        coerce=_yes,
        widget=forms.RadioSelect,
    )
    competitors_for_overflow = _yes_no(
        _("Could competitors pass you work they cannot take (overflow)?")
    )
    career_goals = _yes_no(_("Are you also looking for career opportunities?"))
    privacy_sensitivity = _scale(
        _("How much do you guard your privacy?"),
        _("5: you would rather not share your contacts or be listed publicly."),
    )
    save = forms.BooleanField(label=_("Save as my business profile"), required=False)

    def __init__(self, *args: Any, can_save: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_save:
            del self.fields["save"]

    def clean_currency(self) -> str:
        code = str(self.cleaned_data["currency"]).strip().upper()
        try:
            validate_currency(code)
        except forms.ValidationError:
            raise forms.ValidationError(
                _("Use a three-letter ISO currency code, such as EUR.")
            ) from None
        return code

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        currency = data.get("currency")
        text = (data.get("budget") or "").strip()
        if currency and text:
            try:
                minor = parse_major(text, currency)
            except ValueError:
                self.add_error("budget", _("Write an amount such as 1200 or 1200.50."))
            else:
                if minor > MAX_MINOR:
                    self.add_error("budget", _("That budget is larger than Cerchia accepts."))
                else:
                    data["budget_per_year_minor"] = minor
        return data

    def profile_data(self) -> dict[str, Any]:
        """The cleaned form as the advisor's profile keys (``parse_profile`` checks them)."""
        data = self.cleaned_data
        return {
            "clientele": data["clientele"],
            "budget_per_year_minor": data["budget_per_year_minor"],
            "currency": data["currency"],
            "hours_per_week": float(data["hours_per_week"]),
            "weekly_meetings_ok": data["weekly_meetings_ok"],
            "online_comfort": data["online_comfort"],
            "deal_size": data["deal_size"],
            "b2b": data["b2b"],
            "competitors_for_overflow": data["competitors_for_overflow"],
            "career_goals": data["career_goals"],
            "privacy_sensitivity": data["privacy_sensitivity"],
        }


def initial_from(profile: Profile) -> dict[str, Any]:
    """The form's initial values for a saved profile."""
    values = profile_as_dict(profile)
    budget = to_major(profile.budget_per_year_minor, profile.currency)
    if budget == budget.to_integral_value():
        budget = budget.quantize(Decimal(1))
    return {
        **{k: v for k, v in values.items() if k != "budget_per_year_minor"},
        "budget": f"{budget:f}",
        "hours_per_week": Decimal(str(profile.hours_per_week)),
        "weekly_meetings_ok": "yes" if profile.weekly_meetings_ok else "no",
        "b2b": "yes" if profile.b2b else "no",
        "competitors_for_overflow": "yes" if profile.competitors_for_overflow else "no",
        "career_goals": "yes" if profile.career_goals else "no",
    }
