"""The demo's meetings: a year of weekly chapter meetings with attendance and visitors, a
chamber mixer, a 300-person trade show with check-ins, a full workshop with a waiting list,
and an upcoming meetup. Written straight into the tables, as a year of use would have left
them (no notices, no emails); times are relative to the build day."""

from __future__ import annotations

import datetime
import random
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from cerchia.dues.selectors import good_standing_map
from cerchia.groups.models import Group, Membership
from cerchia.meetings.agenda import create_agenda
from cerchia.meetings.models import (
    Attendance,
    Audience,
    Meeting,
    MeetingKind,
    Registration,
    Series,
    Visitor,
    new_ticket_code,
)

WEEKS_BACK = 52
WEEKS_AHEAD = 8


def _local(day: datetime.date, hour: int, minute: int, zone: ZoneInfo) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def _weekly(chapter: Group, weekday: int, byday: str, venue: str, actor: Any) -> list[Meeting]:
    """A weekly 07:00–08:30 series from a year ago, its past and next occurrences."""
    zone = ZoneInfo(chapter.time_zone)
    today = timezone.localdate()
    first = today - datetime.timedelta(weeks=WEEKS_BACK)
    first += datetime.timedelta(days=(weekday - first.weekday()) % 7)
    start = _local(first, 7, 0, zone)
    series = Series.objects.create(
        group=chapter,
        kind=MeetingKind.CHAPTER_MEETING,
        title="Weekly meeting",
        venue=venue,
        capacity=40,
        members_only=False,
        price_visitor_minor=1500,
        price_non_member_minor=1500,
        rrule=f"FREQ=WEEKLY;BYDAY={byday}",
        dtstart=start,
        time_zone=chapter.time_zone,
        duration_minutes=90,
        created_by=actor,
    )
    meetings = []
    for week in range(WEEKS_BACK + WEEKS_AHEAD):
        day = first + datetime.timedelta(weeks=week)
        begins = _local(day, 7, 0, zone)
        meetings.append(
            Meeting(
                group=chapter,
                series=series,
                kind=series.kind,
                title=series.title,
                venue=venue,
                capacity=40,
                price_visitor_minor=1500,
                price_non_member_minor=1500,
                original_start=begins,
                starts_at=begins,
                ends_at=begins + datetime.timedelta(minutes=90),
                created_by=actor,
            )
        )
    return Meeting.objects.bulk_create(meetings)


def _attendance(chapter: Group, meetings: list[Meeting], rng: random.Random) -> None:
    """Mostly present; now and then late, a substitute or absent — and a few members close to
    the limit of three absences in six months."""
    now = timezone.now()
    members = list(
        Membership.objects.filter(group=chapter, status=Membership.Status.ACTIVE)
        .select_related("user")
        .order_by("pk")
    )
    near_limit = {m.user_id for m in members[-3:]}
    recent = [m for m in meetings if now - datetime.timedelta(weeks=26) < m.starts_at < now]
    absent_recently = {uid: set(rng.sample(recent, 2)) for uid in near_limit} if recent else {}
    rows = []
    for meeting in meetings:
        if meeting.starts_at >= now:
            continue
        for membership in members:
            joined = membership.joined_at
            if joined is not None and joined > meeting.starts_at:
                continue
            roll = rng.random()
            if meeting in absent_recently.get(membership.user_id, set()):
                status = Attendance.Status.ABSENT
            elif (meeting in recent and membership.user_id in near_limit) or roll < 0.86:
                status = Attendance.Status.PRESENT
            elif roll < 0.92:
                status = Attendance.Status.LATE
            elif roll < 0.96:
                status = Attendance.Status.SUBSTITUTE
            elif roll < 0.98:
                status = Attendance.Status.ABSENT
            else:
                status = Attendance.Status.MEDICAL
            rows.append(
                Attendance(
                    meeting=meeting,
                    user=membership.user,
                    status=status,
                    substitute_name="Giorgio Sostituto" if status == "substitute" else "",
                )
            )
    Attendance.objects.bulk_create(rows, batch_size=1000)


def _visitors(chapter: Group, meetings: list[Meeting], inviter: Any) -> None:
    """Visitors to chapter one: three came once, one has used both visits the rules allow."""
    now = timezone.now()
    past = [m for m in meetings if m.ends_at < now][-6:]
    people = [
        ("Chiara Lodi", "chiara.lodi@example.it", "Lodi Interni", [past[-1]]),
        ("Pietro Sala", "pietro.sala@example.it", "Sala Traslochi", [past[-2]]),
        ("Ilaria Poli", "ilaria.poli@example.it", "Poli Yoga", [past[-3]]),
        ("Franco Berti", "franco.berti@example.it", "Berti Serramenti", [past[-4], past[-1]]),
    ]
    for name, email, company, visits in people:
        visitor = Visitor.objects.create(
            group=chapter, name=name, email=email, company=company, invited_by=inviter
        )
        for meeting in visits:
            Registration.objects.create(
                meeting=meeting,
                visitor=visitor,
                registered_by=inviter,
                name=name,
                email=email,
                audience=Audience.VISITOR,
                price_minor=meeting.price_visitor_minor,
                status=Registration.Status.REGISTERED,
                checked_in_at=meeting.starts_at,
            )


def _event(group: Group, actor: Any, **fields: Any) -> Meeting:
    return Meeting.objects.create(group=group, created_by=actor, **fields)


def _register_people(
    meeting: Meeting, people: list[Any], *, checked_in: float, rng: random.Random, waitlist: int = 0
) -> None:
    """Registrations with seat numbers (the first ``capacity``), the rest waitlisted; each
    person pays by their own standing in the meeting's group."""
    rows = []
    capacity = meeting.capacity or len(people)
    standing = good_standing_map(meeting.group, [u.pk for u in people])
    if meeting.members_only:  # only members in good standing get in, each checked
        people = [u for u in people if standing[u.pk]]
    for index, user in enumerate(people):
        seated = index < capacity
        audience = Audience.MEMBER if standing[user.pk] else Audience.NON_MEMBER
        rows.append(
            Registration(
                meeting=meeting,
                user=user,
                name=user.profile.display_name,
                email=user.email,
                audience=audience,
                price_minor=meeting.price_for(audience),
                status=Registration.Status.REGISTERED if seated else Registration.Status.WAITLISTED,
                seat=index + 1 if seated and meeting.capacity else None,
                code=new_ticket_code(),
                checked_in_at=(
                    meeting.starts_at + datetime.timedelta(minutes=rng.randint(0, 90))
                    if seated and rng.random() < checked_in
                    else None
                ),
            )
        )
    Registration.objects.bulk_create(rows, batch_size=500)


def _walk_ins(meeting: Meeting, count: int, *, checked_in: float, rng: random.Random) -> None:
    """People without a Cerchia account who registered on the public page (as visitors)."""
    taken = Registration.objects.filter(meeting=meeting).exclude(seat=None).count()
    visitors = Visitor.objects.bulk_create(
        Visitor(
            group=meeting.group,
            name=f"Visitatore {n:03d}",
            email=f"visitor{n:03d}@example.it",
        )
        for n in range(1, count + 1)
    )
    Registration.objects.bulk_create(
        Registration(
            meeting=meeting,
            visitor=visitor,
            name=visitor.name,
            email=visitor.email,
            audience=Audience.VISITOR,
            price_minor=meeting.price_visitor_minor,
            status=Registration.Status.REGISTERED,
            seat=taken + index + 1,
            code=new_ticket_code(),
            checked_in_at=(
                meeting.starts_at + datetime.timedelta(minutes=rng.randint(0, 300))
                if rng.random() < checked_in
                else None
            ),
        )
        for index, visitor in enumerate(visitors)
    )


def build_meetings(
    *,
    organisation: Group,
    chapters: list[Group],
    chamber: Group,
    events: Group,
    people: list[Any],
    luca: Any,
    giulia: Any,
    paolo: Any,
    rng: random.Random,
) -> None:
    create_agenda(organisation, actor=luca)
    chapter_one, chapter_two = chapters
    one = _weekly(chapter_one, 1, "TU", "Hotel Internazionale, Via dell'Indipendenza 60", luca)
    two = _weekly(chapter_two, 3, "TH", "Centro Congressi, Piazza Costituzione 4", luca)
    _attendance(chapter_one, one, rng)
    _attendance(chapter_two, two, rng)
    _visitors(chapter_one, one, luca)

    zone = ZoneInfo(chamber.time_zone)
    today = timezone.localdate()
    mixer_day = today - datetime.timedelta(days=20)
    mixer = _event(
        chamber,
        giulia,
        kind=MeetingKind.MIXER,
        title="Members' autumn mixer",
        venue="Palazzo Mercanzia",
        capacity=120,
        members_only=True,
        price_member_minor=0,
        price_non_member_minor=2500,
        starts_at=_local(mixer_day, 18, 30, zone),
        ends_at=_local(mixer_day, 21, 0, zone),
    )
    _register_people(mixer, people[:90], checked_in=0.85, rng=rng)

    show_day = today - datetime.timedelta(days=45)
    show = _event(
        events,
        paolo,
        kind=MeetingKind.TRADE_SHOW,
        title="Bologna Wedding & Events Expo",
        venue="BolognaFiere, Pad. 30",
        capacity=500,
        price_non_member_minor=1200,
        price_member_minor=800,
        price_visitor_minor=1200,
        starts_at=_local(show_day, 10, 0, zone),
        ends_at=_local(show_day, 18, 0, zone),
    )
    _register_people(show, people, checked_in=0.8, rng=rng)
    _walk_ins(show, 300 - len(people), checked_in=0.75, rng=rng)

    workshop_day = today + datetime.timedelta(days=12)
    workshop = _event(
        events,
        paolo,
        kind=MeetingKind.WORKSHOP,
        title="Pricing your services: a hands-on workshop",
        venue="Impact Hub Bologna",
        capacity=20,
        price_non_member_minor=3500,
        starts_at=_local(workshop_day, 14, 0, zone),
        ends_at=_local(workshop_day, 17, 0, zone),
    )
    _register_people(workshop, people[100:126], checked_in=0, rng=rng)

    meetup_day = today + datetime.timedelta(days=5)
    _event(
        events,
        paolo,
        kind=MeetingKind.MEETUP,
        title="Freelancers' breakfast meetup",
        venue="Caffè Terzi",
        online_url="https://meet.example.org/bologna-breakfast",
        starts_at=_local(meetup_day, 8, 30, zone),
        ends_at=_local(meetup_day, 10, 0, zone),
    )
