"""Forms of the traffic-light pages: a credit a member logs, and the rule table a manager
chooses (a preset and overrides as JSON)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cerchia.insights.scoring import PRESET_LABELS, PRESETS, ScoringError, build_table
from cerchia.ledger.models import Credit


class CreditForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=Credit.Kind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("The book, podcast or course; or whom the testimonial was for."),
    )
    earned_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"earned_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class RulesForm(forms.Form):
    preset = forms.ChoiceField(
        label=_("Published table"),
        choices=[(code, PRESET_LABELS[code]) for code in PRESETS],
    )
    overrides = forms.CharField(
        label=_("Changes to it (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            'Optional, e.g. {"window": "previous", "cutoffs": {"amber": 40}, '
            '"substitutes_count_as_absence": true, "factors": {"testimonials": null, '
            '"education": {"variant": "australia_ceu"}}}. See the guide for every key.'
        ),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        text = (data.get("overrides") or "").strip()
        overrides: Any = {}
        if text:
            try:
                overrides = json.loads(text)
            except ValueError as exc:
                self.add_error("overrides", _("Not valid JSON: %(error)s") % {"error": exc})
                return data
        if not isinstance(overrides, dict):
            self.add_error("overrides", _("The overrides must be a JSON object."))
            return data
        preset = data.get("preset")
        if preset:
            try:
                data["table"] = build_table(preset, overrides)
            except ScoringError as exc:
                self.add_error("overrides", exc.messages)
                return data
        data["overrides_obj"] = overrides
        return data
