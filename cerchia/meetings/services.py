"""Every write about meetings and recurring series: create, change, move and cancel a meeting;
create a series, add exceptions, end it; and the daily step that keeps each series'
occurrences materialised ahead.

An occurrence of a series is an ordinary ``Meeting`` row keyed by ``original_start`` (its
RECURRENCE-ID): a moved week keeps its ``original_start`` and changes ``starts_at``; a cancelled
week keeps its row with ``cancelled_at`` and stays listed as cancelled; a holiday is an
exception date in the series and has no row at all. Materialising is idempotent: the database
holds one row per series and ``original_start``."""

from __future__ import annotations

import datetime
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.audit.services import record
from cerchia.groups.access import rights_in
from cerchia.groups.models import Group
from cerchia.lib.money import is_minor_amount
from cerchia.lib.validators import validate_time_zone
from cerchia.meetings.access import can_run
from cerchia.meetings.models import (
    OPEN_TO_VISITORS,
    Attendance,
    CalendarToken,
    Meeting,
    MeetingKind,
    Registration,
    Series,
    SpeakerSlot,
)
from cerchia.meetings.recurrence import (
    Recurrence,
    RecurrenceError,
    aware,
    format_local,
    parse_local,
)
from cerchia.meetings.registrations import refresh_queue
from cerchia.notices.services import notify

# Occurrences are kept materialised this far ahead, and at least this many of them.
HORIZON_WEEKS = 26
MIN_AHEAD = 8
MAX_DURATION = datetime.timedelta(days=14)
MAX_QUESTIONS = 10
MAX_QUESTION_LENGTH = 200
MAX_EXDATES = 200
# A series started in the past gets its past meetings too (to record attendance), up to this
# many, at most ``PAST_DAYS`` back.
MAX_PAST = 400
PAST_DAYS = 366
MAX_CAPACITY = 100000
# Fields a series and each of its meetings share (besides the group and who created them).
EVENT_FIELDS = (
    "kind",
    "title",
    "description",
    "venue",
    "online_url",
    "capacity",
    "members_only",
    "approval_required",
    "questions",
    "price_member_minor",
    "price_non_member_minor",
    "price_visitor_minor",
)
MEETING_FIELDS = (*EVENT_FIELDS, "starts_at", "ends_at")
# Registrations whose people hear about a cancelled or moved meeting.
LIVE_REGISTRATIONS = (
    Registration.Status.PENDING,
    Registration.Status.REGISTERED,
    Registration.Status.WAITLISTED,
    Registration.Status.OFFERED,
)


class MeetingError(Exception):
    """A meeting action the rules refuse; the message is shown to the person."""


def members_only_by_default(group: Group, kind: str) -> bool:
    """Members-only follows the group's rule — except the regular chapter meeting, which is
    where visitors come to see the group (within the visitor limit)."""
    return group.rules.members_only_events and kind not in OPEN_TO_VISITORS


def _require_runner(actor: Any, group: Group) -> None:
    if not can_run(rights_in(actor, group)):
        raise MeetingError(_("Only the group's leaders may plan its meetings."))


def _require_group(group: Group) -> None:
    if group.is_informal:
        raise MeetingError(_("An informal network is one person's contacts: it has no meetings."))


def _money(name: str, value: Any) -> int:
    if not is_minor_amount(value):
        raise MeetingError(
            _("%(field)s must be a whole amount in minor units (cents), 0 or more.")
            % {"field": name}
        )
    return value


def _aware(value: Any, name: str, zone: ZoneInfo) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise MeetingError(_("%(field)s must be a date and time.") % {"field": name})
    if timezone.is_naive(value):
        # A time without an offset is the group's local time.
        return aware(value, zone)
    return value.astimezone(datetime.UTC)


def _clean(fields: dict[str, Any], *, group: Group, allowed: tuple[str, ...]) -> dict[str, Any]:
    """Check and normalise meeting fields (only those given)."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise MeetingError(_("Unknown meeting field: %(field)s") % {"field": sorted(unknown)[0]})
    cleaned = dict(fields)
    if "kind" in cleaned and cleaned["kind"] not in MeetingKind.values:
        raise MeetingError(
            _("kind must be one of: %(choices)s") % {"choices": ", ".join(MeetingKind.values)}
        )
    if "title" in cleaned:
        cleaned["title"] = str(cleaned["title"] or "").strip()
        if not cleaned["title"] or len(cleaned["title"]) > 160:
            raise MeetingError(_("A meeting needs a title of at most 160 characters."))
    for name, limit in (("description", 5000), ("venue", 200)):
        if name in cleaned:
            cleaned[name] = str(cleaned[name] or "").strip()
            if len(cleaned[name]) > limit:
                raise MeetingError(
                    _("%(field)s is longer than %(limit)s characters.")
                    % {"field": name, "limit": limit}
                )
    if "online_url" in cleaned:
        url = str(cleaned["online_url"] or "").strip()
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                raise MeetingError(
                    _("The online link must be a web address (https://…).")
                ) from None
            if len(url) > 200:
                raise MeetingError(_("The online link is too long."))
        cleaned["online_url"] = url
    if "capacity" in cleaned:
        capacity = cleaned["capacity"]
        whole = isinstance(capacity, int) and not isinstance(capacity, bool)
        if capacity is not None and not (whole and 1 <= capacity <= MAX_CAPACITY):
            raise MeetingError(_("Capacity must be a number of seats from 1 (or none: no limit)."))
    for name in ("members_only", "approval_required"):
        if name in cleaned:
            cleaned[name] = bool(cleaned[name])
    if "questions" in cleaned:
        questions = cleaned["questions"] or []
        if isinstance(questions, str) or not isinstance(questions, list | tuple):
            raise MeetingError(_("Registration questions must be a list of questions."))
        questions = [str(q).strip() for q in questions if str(q).strip()]
        if len(questions) > MAX_QUESTIONS:
            raise MeetingError(_("At most %(n)s registration questions.") % {"n": MAX_QUESTIONS})
        if any(len(q) > MAX_QUESTION_LENGTH for q in questions):
            raise MeetingError(
                _("Each question is at most %(n)s characters.") % {"n": MAX_QUESTION_LENGTH}
            )
        cleaned["questions"] = questions
    for name in ("price_member_minor", "price_non_member_minor", "price_visitor_minor"):
        if name in cleaned:
            cleaned[name] = _money(name, cleaned[name])
    zone = ZoneInfo(group.time_zone)
    for name in ("starts_at", "ends_at"):
        if name in cleaned:
            cleaned[name] = _aware(cleaned[name], name, zone)
    return cleaned


def _check_times(starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    if ends_at <= starts_at:
        raise MeetingError(_("A meeting must end after it starts."))
    if ends_at - starts_at > MAX_DURATION:
        raise MeetingError(_("A meeting lasts two weeks at most."))


def _people_of(meeting: Meeting) -> list[Any]:
    """Accounts with a live registration for the meeting (or who registered a guest)."""
    people: dict[int, Any] = {}
    registrations = Registration.objects.filter(
        meeting=meeting, status__in=LIVE_REGISTRATIONS
    ).select_related("user", "registered_by")
    for registration in registrations:
        person = registration.user or registration.registered_by
        if person is not None:
            people[person.pk] = person
    return list(people.values())


def _local(meeting: Meeting, moment: datetime.datetime) -> str:
    return timezone.localtime(moment, ZoneInfo(meeting.group.time_zone)).strftime("%Y-%m-%d %H:%M")


def _reseat(meeting: Meeting, capacity: int | None) -> None:
    """Keep held seats numbered within a new capacity (1..capacity), or drop the numbers when
    the meeting no longer has a limit. Refuses a capacity below the seats already held. The
    caller holds the meeting's row lock."""
    held = list(
        Registration.objects.filter(
            meeting=meeting,
            status__in=(Registration.Status.REGISTERED, Registration.Status.OFFERED),
        ).order_by("seat", "created_at", "pk")
    )
    if capacity is None:
        waiting = Registration.objects.filter(
            meeting=meeting, status=Registration.Status.WAITLISTED
        ).count()
        if waiting:
            raise MeetingError(
                _(
                    "%(n)s people are on the waiting list: raise the capacity instead, so they "
                    "are offered seats in turn."
                )
                % {"n": waiting}
            )
        Registration.objects.filter(meeting=meeting, seat__isnull=False).update(seat=None)
        return
    if len(held) > capacity:
        raise MeetingError(
            _("%(n)s people hold seats: the capacity cannot go below that.") % {"n": len(held)}
        )
    taken = {r.seat for r in held if r.seat is not None and r.seat <= capacity}
    free = (n for n in range(1, capacity + 1) if n not in taken)
    for registration in held:
        if registration.seat is None or registration.seat > capacity:
            registration.seat = next(free)
            registration.save(update_fields=["seat"])


@transaction.atomic
def create_meeting(group: Group, *, actor: Any, **fields: Any) -> Meeting:
    """A meeting or event of ``group`` (not part of a series). Times without an offset are the
    group's local time; members-only follows the group's rules unless given."""
    _require_group(group)
    _require_runner(actor, group)
    missing = {"title", "kind", "starts_at", "ends_at"} - set(fields)
    if missing:
        raise MeetingError(_("A meeting needs %(field)s.") % {"field": sorted(missing)[0]})
    cleaned = _clean(fields, group=group, allowed=MEETING_FIELDS)
    cleaned.setdefault("members_only", members_only_by_default(group, cleaned.get("kind", "")))
    _check_times(cleaned["starts_at"], cleaned["ends_at"])
    meeting = Meeting.objects.create(group=group, created_by=actor, **cleaned)
    record(actor, "meetings.meeting.created", meeting, {"group": group.pk})
    return meeting


@transaction.atomic
def update_meeting(meeting: Meeting, *, actor: Any, changes: dict[str, Any]) -> Meeting:
    """Change a meeting. Changing the times of a series' occurrence moves that week only (its
    ``original_start`` stays). People registered hear when the time changes."""
    group = meeting.group
    _require_runner(actor, group)
    cleaned = _clean(changes, group=group, allowed=MEETING_FIELDS)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.is_cancelled:
        raise MeetingError(_("This meeting is cancelled; it cannot be changed."))
    starts_at = cleaned.get("starts_at", locked.starts_at)
    ends_at = cleaned.get("ends_at", locked.ends_at)
    _check_times(starts_at, ends_at)
    if "capacity" in cleaned and cleaned["capacity"] != locked.capacity:
        _reseat(locked, cleaned["capacity"])
    moved = starts_at != locked.starts_at or ends_at != locked.ends_at
    changed = sorted(k for k, v in cleaned.items() if getattr(locked, k) != v)
    for field, value in cleaned.items():
        setattr(meeting, field, value)
    if cleaned:
        meeting.save(update_fields=list(cleaned))
    record(actor, "meetings.meeting.updated", meeting, {"fields": changed})
    if "capacity" in changed:
        # More seats while people wait: the first in line are offered them at once.
        refresh_queue(meeting)
    if moved:
        for person in _people_of(meeting):
            notify(
                person,
                "meetings.moved",
                {
                    "meeting": meeting.title,
                    "group": group.name,
                    "start": _local(meeting, meeting.starts_at),
                },
                url=meeting.get_absolute_url(),
                key=f"meetings.moved:{meeting.pk}:{person.pk}:{meeting.starts_at.isoformat()}",
            )
    return meeting


@transaction.atomic
def cancel_meeting(meeting: Meeting, *, actor: Any, reason: str = "") -> Meeting:
    """Cancel a meeting (or one week of a series): it stays listed, marked cancelled, and
    everyone registered is told."""
    _require_runner(actor, meeting.group)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise MeetingError(_("Say why in 500 characters at most."))
    claimed = Meeting.objects.filter(pk=meeting.pk, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    if not claimed:
        raise MeetingError(_("This meeting is already cancelled."))
    meeting.refresh_from_db(fields=["cancelled_at"])
    record(actor, "meetings.meeting.cancelled", meeting, {"reason": reason})
    for person in _people_of(meeting):
        notify(
            person,
            "meetings.cancelled",
            {
                "meeting": meeting.title,
                "group": meeting.group.name,
                "start": _local(meeting, meeting.starts_at),
                "reason": reason or "—",
            },
            url=meeting.get_absolute_url(),
            key=f"meetings.cancelled:{meeting.pk}:{person.pk}",
        )
    return meeting


# --- series -------------------------------------------------------------------------------


def recurrence_of(series: Series) -> Recurrence:
    return Recurrence.of(series.rrule, series.dtstart, series.time_zone, series.exdates)


def _occurrence(series: Series, local: datetime.datetime, zone: ZoneInfo) -> Meeting:
    start = aware(local, zone)
    return Meeting(
        group_id=series.group_id,
        series=series,
        original_start=start,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=series.duration_minutes),
        created_by_id=series.created_by_id,
        **{name: getattr(series, name) for name in EVENT_FIELDS},
    )


def materialise(
    series: Series,
    *,
    now: datetime.datetime | None = None,
    since: datetime.datetime | None = None,
) -> int:
    """Create the series' missing occurrences from ``since`` (default: now) to the horizon
    (26 weeks ahead, and at least the next 8). Idempotent: existing rows (moved or cancelled
    ones too) are left alone. Returns how many were created."""
    now = now or timezone.now()
    since = min(since or now, now)
    recurrence = recurrence_of(series)
    horizon = now + datetime.timedelta(weeks=HORIZON_WEEKS)
    starts = recurrence.between(since, horizon)
    ahead = [local for local in starts if aware(local, recurrence.zone) >= now]
    if len(ahead) < MIN_AHEAD:
        starts = recurrence.between(since, now, limit=MAX_PAST) + recurrence.next_n(now, MIN_AHEAD)
    if not starts:
        return 0
    zone = recurrence.zone
    existing = set(
        Meeting.objects.filter(
            series=series,
            original_start__gte=aware(starts[0], zone),
            original_start__lte=aware(starts[-1], zone),
        ).values_list("original_start", flat=True)
    )
    missing = [
        _occurrence(series, local, zone) for local in starts if aware(local, zone) not in existing
    ]
    # Two runs at the same moment (the daily job and a leader's edit) may both try: the
    # unique (series, original_start) keeps one row each.
    Meeting.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


@transaction.atomic
def create_series(
    group: Group,
    *,
    actor: Any,
    rrule: str,
    starts_at: datetime.datetime,
    duration_minutes: int,
    time_zone: str = "",
    exdates: list[Any] | None = None,
    now: datetime.datetime | None = None,
    **fields: Any,
) -> Series:
    """A recurring meeting, e.g. ``FREQ=WEEKLY;BYDAY=TU`` from Tuesday 07:00 for 90 minutes,
    in the group's time zone unless another is given. Its first weeks are materialised."""
    _require_group(group)
    _require_runner(actor, group)
    missing = {"title", "kind"} - set(fields)
    if missing:
        raise MeetingError(_("A series needs %(field)s.") % {"field": sorted(missing)[0]})
    time_zone = time_zone or group.time_zone
    try:
        validate_time_zone(time_zone)
    except ValidationError as exc:
        raise MeetingError(" ".join(exc.messages)) from None
    zone = ZoneInfo(time_zone)
    if not isinstance(starts_at, datetime.datetime):
        raise MeetingError(_("starts_at must be a date and time."))
    local_start = (
        starts_at.astimezone(zone).replace(tzinfo=None) if starts_at.tzinfo else starts_at
    ).replace(second=0, microsecond=0)
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not 1 <= duration_minutes <= 24 * 60
    ):
        raise MeetingError(_("A series' meetings last from 1 minute to 24 hours."))
    cleaned = _clean(fields, group=group, allowed=EVENT_FIELDS)
    cleaned.setdefault("members_only", members_only_by_default(group, cleaned.get("kind", "")))
    try:
        recurrence = Recurrence.of(rrule, local_start, time_zone)
        # The series starts at its first meeting: calendars count DTSTART as one.
        first = recurrence.require_soon()
    except RecurrenceError as exc:
        raise MeetingError(str(exc)) from None
    series = Series.objects.create(
        group=group,
        rrule=recurrence.rule.text(),
        dtstart=aware(first, zone),
        time_zone=time_zone,
        duration_minutes=duration_minutes,
        exdates=[],
        created_by=actor,
        **cleaned,
    )
    if exdates:
        series.exdates = _exception_times(series, exdates)
        series.save(update_fields=["exdates"])
    now = now or timezone.now()
    created = materialise(
        series, now=now, since=max(series.dtstart, now - datetime.timedelta(days=PAST_DAYS))
    )
    record(
        actor,
        "meetings.series.created",
        series,
        {"group": group.pk, "rrule": series.rrule, "occurrences": created},
    )
    return series


def _exception_times(series: Series, values: list[Any]) -> list[str]:
    """Exceptions as stored (local ISO times): each a date (the series' meeting that day) or
    a local time the rule gives."""
    if len(values) > MAX_EXDATES:
        raise MeetingError(_("At most %(n)s exceptions.") % {"n": MAX_EXDATES})
    recurrence = Recurrence.of(series.rrule, series.dtstart, series.time_zone)
    found: list[str] = []
    for value in values:
        local = _exception_local(recurrence, value)
        text = format_local(local)
        if text not in found:
            found.append(text)
    return sorted(found)


def _exception_local(recurrence: Recurrence, value: Any) -> datetime.datetime:
    if isinstance(value, str):
        try:
            value = (
                datetime.date.fromisoformat(value)
                if len(value) == 10
                else datetime.datetime.fromisoformat(value)
            )
        except ValueError:
            raise MeetingError(
                _("Exceptions are dates (2026-12-29) or local times (2026-12-29T07:00).")
            ) from None
    if isinstance(value, datetime.datetime):
        local = (
            value.astimezone(recurrence.zone).replace(tzinfo=None) if value.tzinfo else value
        ).replace(microsecond=0)
        if not recurrence.occurs_at(local):
            raise MeetingError(
                _("The series does not meet at %(time)s.") % {"time": format_local(local)}
            )
        return local
    if isinstance(value, datetime.date):
        day_start = datetime.datetime.combine(value, datetime.time())
        starts = recurrence.between(
            aware(day_start, recurrence.zone),
            aware(day_start + datetime.timedelta(days=1, seconds=-1), recurrence.zone),
            limit=1,
        )
        if not starts:
            raise MeetingError(
                _("The series has no meeting on %(date)s.") % {"date": value.isoformat()}
            )
        return starts[0]
    raise MeetingError(_("Exceptions are dates (2026-12-29) or local times (2026-12-29T07:00)."))


def _has_history(meeting_ids: list[int]) -> set[int]:
    """Meetings with anything attached (registrations, attendance, a speaker): these are
    cancelled rather than deleted, so nothing recorded is lost."""
    used: set[int] = set()
    for model in (Registration, Attendance, SpeakerSlot):
        used.update(
            model.objects.filter(meeting_id__in=meeting_ids).values_list("meeting_id", flat=True)
        )
    return used


def _drop_occurrences(series: Series, query: Q, *, actor: Any, reason: str) -> tuple[int, int]:
    """Remove occurrences that will not happen: delete the bare ones, cancel (and tell) those
    with registrations or attendance. Returns (deleted, cancelled)."""
    rows = list(
        Meeting.objects.filter(query, series=series, cancelled_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if not rows:
        return 0, 0
    keep = _has_history(rows)
    deleted = [pk for pk in rows if pk not in keep]
    Meeting.objects.filter(pk__in=deleted).delete()
    cancelled = 0
    for meeting in Meeting.objects.filter(pk__in=keep).select_related("group"):
        cancel_meeting(meeting, actor=actor, reason=reason)
        cancelled += 1
    return len(deleted), cancelled


@transaction.atomic
def update_series(
    series: Series,
    *,
    actor: Any,
    exdates: list[Any] | None = None,
    add_exdates: list[Any] | None = None,
    remove_exdates: list[Any] | None = None,
    end_on: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Series:
    """Change a series' exceptions (replace them all, or add and remove some) and/or end it
    after a day. A new exception removes that week's meeting (cancels it where people had
    registered); a removed one brings the week back."""
    group = series.group
    _require_runner(actor, group)
    # Lock the series row only (never its group's: registrations lock nothing above meetings).
    series = Series.objects.select_for_update().get(pk=series.pk)
    series.group = group
    before = list(series.exdates or [])
    if exdates is not None:
        target = _exception_times(series, exdates)
    else:
        target = list(before)
        if add_exdates:
            target = sorted(set(target) | set(_exception_times(series, add_exdates)))
        if remove_exdates:
            removing = {
                format_local(parse_local(v)) if "T" in str(v) else str(v) for v in remove_exdates
            }
            target = [
                value for value in target if value not in removing and value[:10] not in removing
            ]
    if len(target) > MAX_EXDATES:
        raise MeetingError(_("At most %(n)s exceptions.") % {"n": MAX_EXDATES})
    zone = ZoneInfo(series.time_zone)
    added = sorted(set(target) - set(before))
    removed = sorted(set(before) - set(target))
    series.exdates = target
    fields = ["exdates"]
    if added:
        _drop_occurrences(
            series,
            Q(original_start__in=[aware(parse_local(value), zone) for value in added]),
            actor=actor,
            reason=_("No meeting that week."),
        )
    if end_on is not None:
        if not isinstance(end_on, datetime.date) or isinstance(end_on, datetime.datetime):
            raise MeetingError(_("The last day must be a date."))
        recurrence = recurrence_of(series)
        if end_on < recurrence.start.date():
            raise MeetingError(_("A series cannot end before it starts."))
        # Meetings already held stay as they were: a series ends today at the earliest.
        if end_on < timezone.localdate(now or timezone.now(), zone):
            raise MeetingError(_("A series ends today at the earliest."))
        series.rrule = recurrence.ending(end_on).text()
        series.ended_at = timezone.now()
        fields += ["rrule", "ended_at"]
        last = aware(datetime.datetime.combine(end_on, datetime.time(23, 59, 59)), zone)
        _drop_occurrences(
            series, Q(original_start__gt=last), actor=actor, reason=_("The series has ended.")
        )
    series.save(update_fields=fields)
    materialise(series, now=now)
    record(
        actor,
        "meetings.series.updated",
        series,
        {"added": added, "removed": removed, "end_on": end_on.isoformat() if end_on else None},
    )
    return series


def extend_series(today: datetime.date) -> dict[str, int]:
    """The daily step: materialise every running series up to its horizon. Idempotent."""
    now = datetime.datetime.combine(today, datetime.time(), tzinfo=timezone.get_current_timezone())
    created = 0
    # Ended series too: an end set months ahead still needs its weeks up to that end.
    for series in Series.objects.all().iterator():
        created += materialise(series, now=now)
    return {"occurrences_created": created}


# --- private calendar feed ----------------------------------------------------------------


@transaction.atomic
def create_calendar_token(user: Any) -> CalendarToken:
    """Give ``user`` a private feed address, replacing any earlier one (which stops working)."""
    CalendarToken.objects.filter(user=user).delete()
    token = CalendarToken.objects.create(user=user, token=secrets.token_urlsafe(32))
    record(user, "meetings.calendar_token.created", token)
    return token


@transaction.atomic
def revoke_calendar_token(user: Any) -> bool:
    """Stop ``user``'s private feed address from working. Returns whether there was one."""
    token = CalendarToken.objects.filter(user=user).first()
    if token is None:
        return False
    record(user, "meetings.calendar_token.revoked", token)
    token.delete()
    return True
