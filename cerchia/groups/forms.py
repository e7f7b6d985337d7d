from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cerchia.groups.kinds import CREATABLE_KINDS, GroupVisibility, JoinPolicy, Kind, KindRules
from cerchia.groups.models import Group, Membership

TIME_ZONES = sorted(zoneinfo.available_timezones())


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k, Kind(k).label) for k in CREATABLE_KINDS])
    parent = forms.ModelChoiceField(
        label=_("Part of"),
        queryset=Group.objects.none(),
        required=False,
        help_text=_("The organisation or chamber this group belongs to, if any."),
    )
    unit = forms.ChoiceField(
        label=_("What it is to the group it is part of"),
        choices=[
            ("", _("A group of its own (a chapter)")),
            (Group.Unit.SECTION, _("A section of it")),
            (Group.Unit.COMMITTEE, _("A committee of it")),
        ],
        required=False,
        help_text=_(
            "Sections and committees take their members from the group they are part of, "
            "and share its kind and rules."
        ),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    place = forms.CharField(label=_("Place"), max_length=160, required=False)
    service_area = forms.CharField(label=_("Service area"), max_length=200, required=False)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=[(t, t) for t in TIME_ZONES], initial="Europe/Rome"
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=[("", _("Default for the kind")), *GroupVisibility.choices],
        required=False,
    )
    join_policy = forms.ChoiceField(
        label=_("Join policy"),
        choices=[("", _("Default for the kind")), *JoinPolicy.choices],
        required=False,
    )

    def __init__(self, *args: Any, parents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["parent"].queryset = parents  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parent = data.get("parent")
        if data.get("unit"):
            if parent is None:
                self.add_error("parent", _("Choose the group it is a section or committee of."))
            else:
                # A section has its parent's kind, whatever the kind list shows.
                data["kind"] = parent.kind
        return data


class GroupSettingsForm(forms.Form):
    """A group's own fields plus every tunable rule of its kind."""

    name = forms.CharField(label=_("Name"), max_length=160)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    place = forms.CharField(label=_("Place"), max_length=160, required=False)
    service_area = forms.CharField(label=_("Service area"), max_length=200, required=False)
    currency = forms.CharField(label=_("Currency"), max_length=3)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[(t, t) for t in TIME_ZONES])
    visibility = forms.ChoiceField(label=_("Visibility"), choices=GroupVisibility.choices)
    join_policy = forms.ChoiceField(label=_("Join policy"), choices=JoinPolicy.choices)
    custom_questions = forms.CharField(
        label=_("Your own questions for applicants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line; every applicant must answer them."),
    )

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        allowed = group.rules.join_policies
        self.fields["join_policy"].choices = [  # type: ignore[attr-defined]
            c for c in JoinPolicy.choices if c[0] in allowed
        ]
        for spec in KindRules.tunable_fields():
            label = spec.metadata["label"]
            if spec.type in ("bool", bool):
                field: forms.Field = forms.BooleanField(label=label, required=False)
            elif spec.type in ("float", float):
                field = forms.FloatField(
                    label=label, min_value=spec.metadata["low"], max_value=spec.metadata["high"]
                )
            else:
                field = forms.IntegerField(
                    label=label, min_value=spec.metadata["low"], max_value=spec.metadata["high"]
                )
            if spec.name in group.locked_by_organisation:
                field.disabled = True
                field.help_text = _("Set by the organisation for all its groups.")
            self.fields[f"rule_{spec.name}"] = field
        if group.kind in group.rules.child_kinds:
            self.fields["locked_rules"] = forms.MultipleChoiceField(
                label=_("Rules every group below must follow"),
                required=False,
                choices=[(f.name, f.metadata["label"]) for f in KindRules.tunable_fields()],
                widget=forms.CheckboxSelectMultiple,
            )

    @classmethod
    def initial_for(cls, group: Group) -> dict[str, Any]:
        initial = {
            f: getattr(group, f)
            for f in (
                "name",
                "description",
                "place",
                "service_area",
                "currency",
                "time_zone",
                "visibility",
                "join_policy",
            )
        }
        initial["custom_questions"] = "\n".join(group.custom_questions or [])
        initial["locked_rules"] = list(group.locked_rules or [])
        for name, value in group.rules.as_dict().items():
            initial[f"rule_{name}"] = value
        return initial

    def rule_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("rule_")]

    def changes(self) -> dict[str, Any]:
        """Group fields, and overrides for the rules that differ from what the group inherits
        (its organisation's rules, or its kind's defaults); locked rules are left alone."""
        data = dict(self.cleaned_data)
        inherited = self.group.inherited_rules.as_dict()
        locked = self.group.locked_by_organisation
        overrides = {}
        for name, default in inherited.items():
            value = data.pop(f"rule_{name}")
            if value != default and name not in locked:
                overrides[name] = value
        data["rule_overrides"] = overrides
        if "locked_rules" in data:
            data["locked_rules"] = list(data["locked_rules"])
        return data


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email of the person to invite"))


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for the group's usual term."),
    )


class JobForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(
        label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    place = forms.CharField(label=_("Place"), max_length=160, required=False)
    contact = forms.CharField(label=_("How to apply"), max_length=200)
    expires_on = forms.DateField(
        label=_("Open until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    public = forms.BooleanField(label=_("Show it to the public too"), required=False)
