"""Forms for one-to-ones, connections and the "people I met" list. They parse; the rules
(who may meet whom, dates, the follow-up window) are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cerchia.accounts.models import User
from cerchia.groups.models import Group
from cerchia.ledger.models import Connection, OneToOne
from cerchia.ledger.selectors_people import DONE, OPEN, OVERDUE


def person_label(user: User) -> str:
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile is not None else "") or user.email


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg,unused-ignore]
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _set_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class OneToOneForm(forms.Form):
    """Propose a one-to-one, or log one already held (``held_on``)."""

    partner = PersonChoiceField(label=_("With"), queryset=User.objects.none())
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("None (outside any group)"),
    )
    scheduled_for = forms.DateTimeField(
        label=_("When (optional)"), required=False, widget=DateTimeInput()
    )
    place = forms.CharField(label=_("Where (optional)"), max_length=160, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    held_on = forms.DateField(
        label=_("Already held on"),
        required=False,
        widget=DateInput(),
        help_text=_("Fill this in to log a one-to-one you already had."),
    )

    def __init__(
        self, *args: Any, people: QuerySet[User], groups: QuerySet[Group], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "partner", people)
        _set_queryset(self, "group", groups)


class HoldForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ConnectionForm(forms.Form):
    """Someone I met: a person with an account, or a name (and email, company)."""

    person = PersonChoiceField(
        label=_("A member you met"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Someone else (type their name)"),
    )
    name = forms.CharField(label=_("Name"), max_length=160, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    company = forms.CharField(label=_("Company"), max_length=160, required=False)
    where = forms.ChoiceField(
        label=_("Where"), choices=Connection.Where.choices, initial=Connection.Where.ELSEWHERE
    )
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("None (outside any group)"),
        help_text=_("The group's follow-up window sets the due date."),
    )
    met_on = forms.DateField(label=_("Met on"), widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, people: QuerySet[User], groups: QuerySet[Group], **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {"met_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        _set_queryset(self, "person", people)
        _set_queryset(self, "group", groups)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("person") is None and not (data.get("name") or "").strip():
            self.add_error("name", _("Choose a member or type the name of the person you met."))
        return data


class PeopleMetForm(forms.Form):
    """The meeting's "people I met" list: everyone checked in alongside, all ticked."""

    people = forms.TypedMultipleChoiceField(
        label=_("People I met"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one person.")},
    )

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"people": [u.pk for u in candidates]})
        super().__init__(*args, **kwargs)
        field = self.fields["people"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(u.pk, person_label(u)) for u in candidates]


class FollowUpForm(forms.Form):
    on = forms.DateField(label=_("Followed up on"), required=False, widget=DateInput())


class ConnectionFilter(forms.Form):
    """The connections list's filters (GET)."""

    group = forms.ModelChoiceField(
        label=_("Group"), queryset=Group.objects.none(), required=False, empty_label=_("All")
    )
    state = forms.ChoiceField(
        label=_("Follow-up"),
        required=False,
        choices=[
            ("", _("All")),
            (OPEN, _("Open")),
            (OVERDUE, _("Overdue")),
            (DONE, _("Done")),
        ],
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "group", groups)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "group": data.get("group"),
            "state": data.get("state") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class OneToOneFilter(forms.Form):
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=Group.objects.none(), required=False, empty_label=_("All")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *OneToOne.Status.choices]
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "group", groups)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "group": data.get("group"),
            "status": data.get("status") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
