"""Forms for meetings and series. People type local dates and times (the group's time zone)
and money in major units ("15,00"); the forms hand the services naive local times and integer
minor units."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cerchia.dues.forms import MoneyField, show_major
from cerchia.groups.models import Group
from cerchia.meetings.models import Meeting, MeetingKind, Series
from cerchia.meetings.recurrence import WEEKDAYS, Recurrence, RecurrenceError

PRICES = (
    ("price_member", "price_member_minor"),
    ("price_non_member", "price_non_member_minor"),
    ("price_visitor", "price_visitor_minor"),
)


def _date(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _time(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )


class EventForm(forms.Form):
    """The fields a meeting and a series share."""

    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=160)
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    online_url = forms.URLField(
        label=_("Online link"),
        max_length=200,
        required=False,
        assume_scheme="https",
        help_text=_("For online or hybrid meetings."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=100000,
        required=False,
        help_text=_("Seats; empty: no limit."),
    )
    members_only = forms.BooleanField(label=_("Members only"), required=False)
    approval_required = forms.BooleanField(label=_("Registrations need approval"), required=False)
    questions = forms.CharField(
        label=_("Registration questions"),
        required=False,
        max_length=2200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One question per line (at most 10)."),
    )
    price_member = MoneyField(label=_("Price for members in good standing"), required=False)
    price_non_member = MoneyField(label=_("Price for non-members"), required=False)
    price_visitor = MoneyField(label=_("Price for visitors"), required=False)

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        for name, _minor in PRICES:
            field = self.fields[name]
            assert isinstance(field, MoneyField)
            field.currency = group.currency
            field.help_text = group.currency
        if not self.is_bound and "members_only" not in self.initial:
            self.initial["members_only"] = group.rules.members_only_events

    def clean_questions(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["questions"].splitlines()]
        questions = [line for line in lines if line]
        if len(questions) > 10:
            raise forms.ValidationError(_("At most 10 questions."))
        if any(len(q) > 200 for q in questions):
            raise forms.ValidationError(_("Each question is at most 200 characters."))
        return questions

    def event_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "kind",
                "title",
                "venue",
                "online_url",
                "description",
                "capacity",
                "members_only",
                "approval_required",
                "questions",
            )
        }
        for name, minor in PRICES:
            fields[minor] = data[name] or 0
        return fields

    @staticmethod
    def initial_event(item: Meeting | Series) -> dict[str, Any]:
        currency = item.group.currency
        initial: dict[str, Any] = {
            "kind": item.kind,
            "title": item.title,
            "venue": item.venue,
            "online_url": item.online_url,
            "description": item.description,
            "capacity": item.capacity,
            "members_only": item.members_only,
            "approval_required": item.approval_required,
            "questions": "\n".join(item.questions or []),
        }
        for name, minor in PRICES:
            initial[name] = show_major(getattr(item, minor), currency)
        return initial


class MeetingForm(EventForm):
    date = _date(_("Date"))
    start_time = _time(_("Starts at"))
    end_date = _date(_("Ends on"), required=False, help_text=_("Empty: the same day."))
    end_time = _time(_("Ends at"))

    field_order = ["kind", "title", "date", "start_time", "end_date", "end_time"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            starts = datetime.datetime.combine(day, start)
            ends = datetime.datetime.combine(data.get("end_date") or day, end)
            if ends <= starts:
                raise forms.ValidationError(_("The meeting must end after it starts."))
            data["starts_at"], data["ends_at"] = starts, ends
        return data

    def meeting_fields(self) -> dict[str, Any]:
        """The cleaned form as ``create_meeting`` / ``update_meeting`` take it (local times)."""
        fields = self.event_fields()
        fields["starts_at"] = self.cleaned_data["starts_at"]
        fields["ends_at"] = self.cleaned_data["ends_at"]
        return fields

    @staticmethod
    def initial_for(meeting: Meeting, zone: datetime.tzinfo) -> dict[str, Any]:
        starts = meeting.starts_at.astimezone(zone)
        ends = meeting.ends_at.astimezone(zone)
        initial = EventForm.initial_event(meeting)
        initial.update(
            {
                "date": starts.date(),
                "start_time": starts.time(),
                "end_date": ends.date() if ends.date() != starts.date() else None,
                "end_time": ends.time(),
            }
        )
        return initial


class SeriesForm(EventForm):
    """A recurring meeting: the first meeting's date and times, and how it repeats."""

    REPEATS = (
        ("weekly", _("Every week on the same day")),
        ("fortnightly", _("Every two weeks on the same day")),
        ("monthly_weekday", _("Every month on the same weekday (e.g. the 2nd Tuesday)")),
        ("monthly_day", _("Every month on the same date")),
        ("custom", _("A recurrence rule of my own (RFC 5545)")),
    )

    date = _date(_("First meeting"))
    start_time = _time(_("Starts at"))
    end_time = _time(_("Ends at"))
    repeat = forms.ChoiceField(label=_("Repeats"), choices=REPEATS, initial="weekly")
    rrule = forms.CharField(
        label=_("Recurrence rule"),
        max_length=300,
        required=False,
        help_text=_(
            "Only for a rule of your own, e.g. FREQ=WEEKLY;BYDAY=TU;BYMONTH=1,2,3,4,5,6,9,10,11,12"
        ),
    )
    until = _date(_("Last meeting on or before"), required=False, help_text=_("Empty: no end."))

    field_order = ["kind", "title", "date", "start_time", "end_time", "repeat", "rrule", "until"]

    def _rule(self, day: datetime.date) -> str:
        repeat = self.cleaned_data.get("repeat")
        weekday = WEEKDAYS[day.weekday()]
        if repeat == "weekly":
            rule = f"FREQ=WEEKLY;BYDAY={weekday}"
        elif repeat == "fortnightly":
            rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}"
        elif repeat == "monthly_weekday":
            nth = (day.day - 1) // 7 + 1
            # The 5th weekday of a month is not in every month: take the last one.
            rule = f"FREQ=MONTHLY;BYDAY={nth if nth <= 4 else -1}{weekday}"
        elif repeat == "monthly_day":
            rule = f"FREQ=MONTHLY;BYMONTHDAY={day.day if day.day <= 28 else -1}"
        else:
            rule = self.cleaned_data.get("rrule", "").strip()
            if not rule:
                raise forms.ValidationError(
                    {"rrule": _("Write the rule, or choose how the series repeats.")}
                )
        until = self.cleaned_data.get("until")
        if until is not None:
            if until < day:
                raise forms.ValidationError({"until": _("The last meeting comes after the first.")})
            if "UNTIL=" in rule.upper() or "COUNT=" in rule.upper():
                raise forms.ValidationError(
                    {"until": _("The rule already says when it ends: leave this empty.")}
                )
            rule += ";UNTIL=" + until.strftime("%Y%m%d")
        return rule

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if not (day and start and end):
            return data
        starts = datetime.datetime.combine(day, start)
        ends = datetime.datetime.combine(day, end)
        if ends <= starts:
            raise forms.ValidationError(_("Each meeting must end after it starts."))
        rule = self._rule(day)
        try:
            Recurrence.of(rule, starts, self.group.time_zone).require_soon()
        except RecurrenceError as exc:
            raise forms.ValidationError({"rrule": str(exc)}) from None
        data["starts_at"] = starts
        data["duration_minutes"] = int((ends - starts).total_seconds() // 60)
        data["rule"] = rule
        return data

    def series_fields(self) -> dict[str, Any]:
        """The cleaned form as ``create_series`` takes it."""
        fields = self.event_fields()
        fields.update(
            rrule=self.cleaned_data["rule"],
            starts_at=self.cleaned_data["starts_at"],
            duration_minutes=self.cleaned_data["duration_minutes"],
        )
        return fields


class ExceptionForm(forms.Form):
    day = _date(_("No meeting on"))


class EndSeriesForm(forms.Form):
    last_day = _date(_("Last meeting on or before"))
