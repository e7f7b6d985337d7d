"""Forms for the agenda, the speaker rotation and attendance pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from cerchia.meetings.agenda import MAX_MINUTES, MAX_ROTATION_WEEKS, MAX_TITLE
from cerchia.meetings.attendance import Mark
from cerchia.meetings.models import AgendaSegment, Attendance


def first_error(form: forms.Form) -> str:
    """One readable line for a small inline form: "Minutes: …"."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return ""


class SegmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=MAX_MINUTES)
    lead = forms.ChoiceField(
        label=_("Led by"),
        choices=[("", _("Nobody in particular")), *AgendaSegment.Lead.choices],
        required=False,
    )
    adjustable = forms.BooleanField(label=_("Chapters may adjust it"), required=False)
    position = forms.IntegerField(label=_("Position"), min_value=1, required=False)


class AdjustForm(forms.Form):
    """A chapter's own title and length; both blank: back to the organisation's."""

    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE, required=False)
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=1, max_value=MAX_MINUTES, required=False
    )


class PlanForm(forms.Form):
    weeks = forms.IntegerField(label=_("Weeks"), min_value=1, max_value=MAX_ROTATION_WEEKS)


class SwapForm(forms.Form):
    first = forms.IntegerField(label=_("Meeting"))
    second = forms.IntegerField(label=_("Meeting"))


class SpeakerForm(forms.Form):
    user = forms.IntegerField(label=_("Speaker"), required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)


class CheckInForm(forms.Form):
    code = forms.CharField(label=_("Check-in code"), max_length=40)
    via = forms.ChoiceField(
        choices=[(Attendance.Via.CODE, ""), (Attendance.Via.QR, "")], required=False
    )


class MarkForm(forms.Form):
    user = forms.IntegerField(label=_("Member"))
    status = forms.ChoiceField(label=_("Attendance"), choices=Attendance.Status.choices)
    substitute_name = forms.CharField(label=_("Substitute"), max_length=160, required=False)

    def mark(self) -> Mark:
        data: dict[str, Any] = self.cleaned_data
        return Mark(data["user"], data["status"], data["substitute_name"])


def sheet_marks(data: QueryDict, user_ids: list[int]) -> list[Mark]:
    """The quick-entry sheet: ``status_<id>`` (and ``substitute_<id>``) for each member shown;
    a member left without a choice is left as they are."""
    marks = []
    for uid in user_ids:
        status = data.get(f"status_{uid}", "")
        if status:
            marks.append(Mark(uid, status, data.get(f"substitute_{uid}", "")))
    return marks
