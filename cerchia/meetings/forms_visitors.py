"""Forms for visitors: a member's invitation, and the public visitor page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cerchia.accounts.forms import ProfessionChoiceField
from cerchia.accounts.models import Profession
from cerchia.meetings.models import Meeting


class MeetingChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg,unused-ignore]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} · {obj.starts_at:%Y-%m-%d %H:%M}"


def _professions() -> QuerySet[Profession]:
    return Profession.objects.select_related("sphere").order_by("name_en")


class VisitorFields(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    email = forms.EmailField(label=_("Email"))
    company = forms.CharField(label=_("Company"), max_length=160, required=False)
    profession = ProfessionChoiceField(
        label=_("Profession"), queryset=Profession.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["profession"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _professions()

    def person(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "email": data["email"],
            "phone": data.get("phone", ""),
            "company": data.get("company", ""),
            "profession": data.get("profession"),
        }


class InviteForm(VisitorFields):
    """A member invites someone: to one of the group's next meetings, or just onto the list."""

    meeting = MeetingChoiceField(
        label=_("Invite to"),
        queryset=Meeting.objects.none(),
        required=False,
        empty_label=_("No meeting yet: just add them to the list"),
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    register_now = forms.BooleanField(
        label=_("Register them for the meeting now (they get their ticket by email)"),
        required=False,
    )
    field_order = ["meeting", "name", "email", "phone", "company", "profession", "register_now"]

    def __init__(self, *args: Any, meetings: QuerySet[Meeting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = meetings


class VisitForm(VisitorFields):
    """The public visitor page. ``website`` is a trap for robots: people never see it."""

    phone = forms.CharField(label=_("Phone (optional)"), max_length=32, required=False)
    website = forms.CharField(label=_("Leave this empty"), required=False)
    accept_price = forms.BooleanField(required=False, widget=forms.HiddenInput)
    field_order = ["name", "email", "company", "profession", "phone", "website"]

    @property
    def is_robot(self) -> bool:
        return bool((self.data.get("website") or "").strip())
