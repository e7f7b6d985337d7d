"""Attendance at a group's meetings (services and selectors): the leader's quick entry,
members' self check-in by code, the absence policy and the hours members put in.

The absence policy comes from the group's rules: at most ``max_absences_6_months`` absences
in any rolling six months (0: no limit); substitutes count only where
``substitutes_count_as_absence`` says so; medical leave does not count for its first
``medical_leave_weeks`` weeks — a medical mark that far or further into an unbroken run of
medical marks counts as an absence. All of it is counted in SQL, per member."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from cerchia.accounts.models import User
from cerchia.audit.services import record
from cerchia.groups.access import rights_in
from cerchia.groups.models import Group, Membership
from cerchia.ledger.automatic import on_attendance
from cerchia.meetings.access import can_run
from cerchia.meetings.agenda import agenda_for, display_name, roster
from cerchia.meetings.models import Attendance, Meeting
from cerchia.notices.services import notify

Status = Attendance.Status
ATTENDED = (Status.PRESENT, Status.LATE)
# Self check-in opens this long before the start and closes at the end.
CHECK_IN_OPENS = datetime.timedelta(minutes=30)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MAX_SUBSTITUTE = 160
WINDOW_MONTHS = 6
# The committee told about members' absences, besides the member.
COMMITTEE_ROLES = (
    Membership.Role.MEMBERSHIP_COMMITTEE,
    Membership.Role.PRESIDENT,
    Membership.Role.VICE_PRESIDENT,
)
# Meetings move by an hour across a daylight-saving change (times are stored in UTC): a
# leave that began "8 weeks ago" at 07:00 local time may be 8 weeks less an hour in UTC.
LEAVE_SLACK = datetime.timedelta(hours=12)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class AttendanceError(Exception):
    """An attendance action the rules refuse; the message is shown to the person."""


# --- the check-in code ---------------------------------------------------------------------


def checkin_code(meeting: Meeting) -> str:
    """The meeting's self check-in code: 6 characters derived from the meeting (and the
    server's secret), so nothing is stored and nobody can work out another meeting's code.
    Moving the meeting changes its code."""
    digest = salted_hmac(
        "cerchia.meetings.checkin", f"{meeting.pk}:{int(meeting.starts_at.timestamp())}"
    ).digest()
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:CODE_LENGTH])


def checkin_window(meeting: Meeting) -> tuple[datetime.datetime, datetime.datetime]:
    return meeting.starts_at - CHECK_IN_OPENS, meeting.ends_at


def checkin_path(meeting: Meeting) -> str:
    """What the QR code on the leader's screen carries (before the site's address)."""
    return reverse("chapter:here", args=[meeting.pk]) + f"?code={checkin_code(meeting)}"


def normalise_code(text: str) -> str:
    """A typed or scanned code: upper case, without spaces or dashes; the address a QR code
    carries gives its ``code``."""
    text = (text or "").strip()
    if "code=" in text:
        text = text.split("code=", 1)[1].split("&", 1)[0]
    return "".join(ch for ch in text.upper() if ch.isalnum())[: CODE_LENGTH * 2]


def opens_at(meeting: Meeting) -> datetime.datetime:
    """When the meeting proper opens: after the agenda's first segments nobody leads (open
    networking), when the president takes over. Arriving after that is arriving late."""
    minutes = 0
    for segment in agenda_for(meeting.group):
        if segment.lead:
            break
        minutes += segment.minutes
    return meeting.starts_at + datetime.timedelta(minutes=minutes)


def local(meeting: Meeting, moment: datetime.datetime) -> str:
    return timezone.localtime(moment, ZoneInfo(meeting.group.time_zone)).strftime("%Y-%m-%d %H:%M")


# --- recording -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    user_id: int
    status: str
    substitute_name: str = ""


def _clean_marks(meeting: Meeting, items: Sequence[Mark]) -> list[Mark]:
    now = timezone.now()
    cleaned: dict[int, Mark] = {}
    for item in items:
        if item.status not in Status.values:
            raise AttendanceError(
                _("Unknown attendance status: %(status)s. Choose one of: %(choices)s")
                % {"status": item.status, "choices": ", ".join(Status.values)}
            )
        name = " ".join(str(item.substitute_name or "").split())
        if item.status == Status.SUBSTITUTE:
            if not name or len(name) > MAX_SUBSTITUTE:
                raise AttendanceError(_("Give the substitute's name (at most 160 characters)."))
        else:
            name = ""
        # Absences can be announced ahead; nobody is present at a meeting yet to happen.
        if item.status in (*ATTENDED, Status.ABSENT) and now < meeting.starts_at - CHECK_IN_OPENS:
            raise AttendanceError(
                _(
                    "The meeting has not started: only medical leave and substitutes can be "
                    "recorded ahead."
                )
            )
        if item.user_id in cleaned:
            raise AttendanceError(_("Each member once, please."))
        cleaned[item.user_id] = Mark(item.user_id, item.status, name)
    return list(cleaned.values())


@transaction.atomic
def record_attendance(meeting: Meeting, *, actor: Any, items: Sequence[Mark]) -> list[Attendance]:
    """A leader records attendance for any number of the group's active members. Rows that
    change are written (each audited); the absence policy is checked for those members."""
    group = meeting.group
    if not can_run(rights_in(actor, group)):
        raise AttendanceError(
            _("Only the leaders of %(group)s record attendance.") % {"group": group.name}
        )
    if meeting.is_cancelled:
        raise AttendanceError(_("This meeting was cancelled."))
    marks = _clean_marks(meeting, items)
    wanted = {m.user_id for m in marks}
    members = set(
        Membership.objects.active()
        .filter(group=group, user_id__in=wanted)
        .values_list("user_id", flat=True)
    )
    strangers = wanted - members
    if strangers:
        raise AttendanceError(
            _("Not an active member of %(group)s: %(ids)s")
            % {"group": group.name, "ids": ", ".join(str(i) for i in sorted(strangers))}
        )
    existing = {
        a.user_id: a
        for a in Attendance.objects.select_for_update().filter(meeting=meeting, user_id__in=wanted)
    }
    saved: list[Attendance] = []
    changed: list[int] = []
    for mark in marks:
        row = existing.get(mark.user_id)
        if row is not None and (row.status, row.substitute_name) == (
            mark.status,
            mark.substitute_name,
        ):
            saved.append(row)
            continue
        before = row.status if row is not None else ""
        if row is None:
            row = Attendance(meeting=meeting, user_id=mark.user_id)
        row.status = mark.status
        row.substitute_name = mark.substitute_name
        row.via = Attendance.Via.LEADER
        row.recorded_by = actor
        row.save()
        on_attendance(row, before)
        record(
            actor,
            "meetings.attendance.recorded",
            row,
            {"meeting": meeting.pk, "member": mark.user_id, "status": mark.status, "was": before},
        )
        saved.append(row)
        changed.append(mark.user_id)
    if changed:
        check_absence_policy(group, changed)
    return saved


def mark_one(
    meeting: Meeting, *, actor: Any, user_id: int, status: str, substitute_name: str = ""
) -> Attendance:
    """One tap in meeting mode or quick entry."""
    return record_attendance(meeting, actor=actor, items=[Mark(user_id, status, substitute_name)])[
        0
    ]


@transaction.atomic
def check_in(
    meeting: Meeting, *, user: Any, code: str, via: str = Attendance.Via.CODE
) -> Attendance:
    """A member checks themselves in with the code on the leader's screen (typed, or read
    from its QR code), from 30 minutes before the start to the end: present, or late once
    the meeting has opened. A member already recorded as attending keeps their mark."""
    group = meeting.group
    if meeting.is_cancelled:
        raise AttendanceError(_("This meeting was cancelled."))
    rights = rights_in(user, group)
    if not rights.active_member:
        raise AttendanceError(
            _("Only members of %(group)s check in here; visitors check in at the desk.")
            % {"group": group.name}
        )
    if not constant_time_compare(normalise_code(code), checkin_code(meeting)):
        raise AttendanceError(_("That is not this meeting's check-in code."))
    now = timezone.now()
    opens, closes = checkin_window(meeting)
    if now < opens:
        raise AttendanceError(_("Check-in opens at %(time)s.") % {"time": local(meeting, opens)})
    if now > closes:
        raise AttendanceError(_("Check-in closed at the end of the meeting."))
    if via not in (Attendance.Via.CODE, Attendance.Via.QR):
        via = Attendance.Via.CODE
    status = Status.LATE if now > opens_at(meeting) else Status.PRESENT
    row = Attendance.objects.select_for_update().filter(meeting=meeting, user=user).first()
    if row is not None and row.attended:
        return row
    before = row.status if row is not None else ""
    if row is None:
        row = Attendance(meeting=meeting, user=user)
    row.status = status
    row.substitute_name = ""
    row.via = via
    row.recorded_by = user
    row.save()
    on_attendance(row, before)
    record(
        user,
        "meetings.attendance.checked_in",
        row,
        {"meeting": meeting.pk, "status": status, "via": via, "was": before},
    )
    return row


# --- reading ---------------------------------------------------------------------------------


def marks_of(meeting: Meeting) -> dict[int, Attendance]:
    return {a.user_id: a for a in Attendance.objects.filter(meeting=meeting)}


@dataclass(frozen=True)
class RosterRow:
    membership: Membership
    name: str
    attendance: Attendance | None

    @property
    def status(self) -> str:
        return self.attendance.status if self.attendance is not None else ""


def attendance_sheet(meeting: Meeting) -> list[RosterRow]:
    """Every active member with their mark at this meeting (none yet: no row). Two queries."""
    marks = marks_of(meeting)
    return [RosterRow(m, display_name(m.user), marks.get(m.user_id)) for m in roster(meeting.group)]


def _beyond_leave(weeks: int) -> Exists:
    """For a medical mark: did an unbroken run of medical marks begin ``weeks`` or more
    before it? (Its leave began after the member's latest other mark before it.)"""
    other_before = (
        Attendance.objects.filter(
            meeting__group_id=OuterRef(OuterRef("meeting__group_id")),
            meeting__cancelled_at__isnull=True,
            user_id=OuterRef(OuterRef("user_id")),
            meeting__starts_at__lt=OuterRef(OuterRef("meeting__starts_at")),
        )
        .exclude(status=Status.MEDICAL)
        .order_by("-meeting__starts_at")
        .values("meeting__starts_at")[:1]
    )
    limit = ExpressionWrapper(
        OuterRef("meeting__starts_at") - Value(datetime.timedelta(weeks=weeks) - LEAVE_SLACK),
        output_field=DateTimeField(),
    )
    return Exists(
        Attendance.objects.filter(
            meeting__group_id=OuterRef("meeting__group_id"),
            meeting__cancelled_at__isnull=True,
            user_id=OuterRef("user_id"),
            status=Status.MEDICAL,
            meeting__starts_at__lte=limit,
            meeting__starts_at__gt=Coalesce(
                Subquery(other_before), Value(EPOCH), output_field=DateTimeField()
            ),
        )
    )


def counted_absence_q(group: Group) -> Q:
    """Which marks count against the absence limit, by the group's rules."""
    rules = group.rules
    counted = Q(status=Status.ABSENT)
    if rules.substitutes_count_as_absence:
        counted |= Q(status=Status.SUBSTITUTE)
    if rules.medical_leave_weeks:
        counted |= Q(status=Status.MEDICAL) & Q(_beyond_leave(rules.medical_leave_weeks))
    else:
        counted |= Q(status=Status.MEDICAL)
    return counted


def window_start(now: datetime.datetime) -> datetime.datetime:
    """The start of the rolling six months that end ``now``: the same day and time of day
    (in ``now``'s time zone: pass the group's local time) six months back; the 31 August
    goes back to the 28 or 29 February."""
    months = now.year * 12 + now.month - 1 - WINDOW_MONTHS
    year, month = divmod(months, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return now.replace(year=year, month=month, day=min(now.day, last_day))


def group_window_start(group: Group, now: datetime.datetime) -> datetime.datetime:
    """The start of the group's rolling six months to ``now``, counted in its local time."""
    return window_start(timezone.localtime(now, ZoneInfo(group.time_zone)))


@dataclass
class AbsenceCounts:
    user_id: int
    present: int = 0
    late: int = 0
    absent: int = 0
    medical: int = 0
    substitute: int = 0
    counted: int = 0  # absences by the group's rules
    first_counted: datetime.datetime | None = None
    hours: Decimal = field(default_factory=lambda: Decimal("0.00"))


def _hours(duration: datetime.timedelta | None) -> Decimal:
    seconds = Decimal(duration.total_seconds()) if duration is not None else Decimal(0)
    return (seconds / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def absence_counts(
    group: Group, *, now: datetime.datetime | None = None, user_ids: Sequence[int] | None = None
) -> dict[int, AbsenceCounts]:
    """Each member's marks over the rolling six months to ``now`` (meetings that happened,
    not cancelled), the absences that count, and their hours. One query."""
    now = now or timezone.now()
    counted = counted_absence_q(group)
    rows = Attendance.objects.filter(
        meeting__group=group,
        meeting__cancelled_at__isnull=True,
        meeting__starts_at__gt=group_window_start(group, now),
        meeting__starts_at__lte=now,
    )
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    aggregated = rows.values("user_id").annotate(
        present=Count("pk", filter=Q(status=Status.PRESENT)),
        late=Count("pk", filter=Q(status=Status.LATE)),
        absent=Count("pk", filter=Q(status=Status.ABSENT)),
        medical=Count("pk", filter=Q(status=Status.MEDICAL)),
        substitute=Count("pk", filter=Q(status=Status.SUBSTITUTE)),
        counted=Count("pk", filter=counted),
        first_counted=Min("meeting__starts_at", filter=counted),
        attended_time=Sum(
            ExpressionWrapper(
                F("meeting__ends_at") - F("meeting__starts_at"), output_field=DurationField()
            ),
            filter=Q(status__in=ATTENDED),
        ),
    )
    result: dict[int, AbsenceCounts] = {}
    for row in aggregated:
        attended_time = row.pop("attended_time")
        result[row["user_id"]] = AbsenceCounts(**row, hours=_hours(attended_time))
    return result


def hours_by_member(group: Group, since: datetime.date, until: datetime.date) -> dict[int, Decimal]:
    """Hours each member spent at the group's meetings that started from ``since`` to
    ``until`` (both days included, in the group's time zone): each meeting attended
    (present or late) adds its length. Members with no hours are left out. One query."""
    zone = ZoneInfo(group.time_zone)
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        until + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    rows = (
        Attendance.objects.filter(
            meeting__group=group,
            meeting__cancelled_at__isnull=True,
            meeting__starts_at__gte=start,
            meeting__starts_at__lt=end,
            status__in=ATTENDED,
        )
        .values("user_id")
        .annotate(
            total=Sum(
                ExpressionWrapper(
                    F("meeting__ends_at") - F("meeting__starts_at"), output_field=DurationField()
                )
            )
        )
    )
    return {row["user_id"]: _hours(row["total"]) for row in rows}


# --- the absence policy ---------------------------------------------------------------------


NEAR = "near"
OVER = "over"


def policy_level(counted: int, limit: int) -> str:
    """``over`` past the limit, ``near`` one short of it or at it, "" otherwise (and always
    "" without a limit)."""
    if not limit:
        return ""
    if counted > limit:
        return OVER
    if counted >= max(limit - 1, 1):
        return NEAR
    return ""


def _committee(group: Group) -> list[User]:
    return list(
        User.objects.filter(
            memberships__group=group,
            memberships__status=Membership.Status.ACTIVE,
            memberships__role__in=COMMITTEE_ROLES,
        ).distinct()
    )


def check_absence_policy(
    group: Group, user_ids: Sequence[int], *, now: datetime.datetime | None = None
) -> int:
    """Warn members (and the membership committee, president and vice-president) when a
    member nears or passes the absence limit. Each warning is sent once per rolling window:
    its key names the first counted absence of the window, so a new one goes out only when
    older absences have rolled off and the member comes near again. Returns notices sent."""
    limit = group.rules.max_absences_6_months
    if not limit or not user_ids:
        return 0
    counts = absence_counts(group, now=now, user_ids=user_ids)
    flagged = {
        uid: (level, c)
        for uid, c in counts.items()
        if (level := policy_level(c.counted, limit)) and c.first_counted is not None
    }
    if not flagged:
        return 0
    committee = _committee(group)
    people = {u.pk: u for u in User.objects.filter(pk__in=flagged).select_related("profile")}
    url = reverse("chapter:attendance_report", args=[group.slug])
    sent = 0
    for uid, (level, c) in flagged.items():
        member = people[uid]
        window = int(c.first_counted.timestamp()) if c.first_counted is not None else 0
        params = {
            "group": group.name,
            "member": display_name(member),
            "count": c.counted,
            "limit": limit,
        }
        kind = "attendance.over_limit" if level == OVER else "attendance.near_limit"
        if notify(
            member, kind, params, url=url, key=f"absence.{level}:{group.pk}:{uid}:{window}:{uid}"
        ):
            sent += 1
        for person in committee:
            if person.pk == uid:
                continue
            if notify(
                person,
                f"attendance.member_{level}_limit",
                params,
                url=url,
                key=f"absence.{level}:{group.pk}:{uid}:{window}:{person.pk}",
            ):
                sent += 1
    return sent


@dataclass(frozen=True)
class ReportRow:
    membership: Membership
    name: str
    counts: AbsenceCounts
    level: str


def attendance_report(
    group: Group, *, now: datetime.datetime | None = None, user_ids: Sequence[int] | None = None
) -> list[ReportRow]:
    """Per active member (or just ``user_ids``): the last six months' marks, absences by the
    rules, hours, and whether they are near or over the limit. Two queries."""
    limit = group.rules.max_absences_6_months
    members = roster(group)
    if user_ids is not None:
        members = [m for m in members if m.user_id in set(user_ids)]
    counts = absence_counts(group, now=now, user_ids=user_ids)
    rows = []
    for m in members:
        c = counts.get(m.user_id) or AbsenceCounts(user_id=m.user_id)
        rows.append(ReportRow(m, display_name(m.user), c, policy_level(c.counted, limit)))
    return rows
