"""Every write about registrations: register, waiting list and offers, cancel, approve,
check-in, no-shows and payments.

Capacity is guarded twice. Each seat-taking action locks the meeting row
(``select_for_update``), so on PostgreSQL registrations for one meeting queue up behind each
other and each sees the seats the others took; and every held seat is a number 1..capacity
that is unique per meeting (``registration_one_per_seat``), so even a path that forgot the
lock could not sell a seat twice — it would hit an IntegrityError, retry once, then go to the
waiting list. Registrations hold a seat while ``registered`` or ``offered``. Meetings without a
capacity number no seats (``seat`` stays NULL): there is nothing to guard.

A freed seat is never taken by whoever registers next while people wait: it is offered to the
first in line (``offered``, holding the seat until ``offer_expires_at``). Offers that run out
are cancelled and the seat goes to the next in line — by ``expire_offers``, which the daily
job calls and every registration action and page of the meeting calls first."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cerchia.accounts.models import User
from cerchia.audit.services import record
from cerchia.dues.models import Payment
from cerchia.dues.selectors import good_standing_map
from cerchia.groups.access import rights_in
from cerchia.groups.models import Group
from cerchia.ledger.automatic import on_ticket_paid, on_visitor_checked_in
from cerchia.lib.money import format_money, is_minor_amount
from cerchia.meetings.access import can_run
from cerchia.meetings.models import Attendance, Audience, Meeting, Registration, Visitor
from cerchia.notices.services import notify

Status = Registration.Status
# Registrations that hold a seat, and those still in play (one per person per meeting).
HOLDING = (Status.REGISTERED, Status.OFFERED)
LIVE = (Status.PENDING, Status.REGISTERED, Status.WAITLISTED, Status.OFFERED)
MAX_GUESTS = 10
# The daily job marks no-shows of meetings that ended this many days back at most (so a missed
# day is caught up, and old meetings that never used check-in are not looked at every day).
NO_SHOW_LOOKBACK_DAYS = 14
MAX_ANSWER_LENGTH = 1000
PAYMENT_METHODS = Payment.Method


class RegistrationError(Exception):
    """A registration action the rules refuse; the message is shown to the person."""


# --- reads the services need -------------------------------------------------------------


def local_time(meeting: Meeting, moment: datetime.datetime) -> str:
    """A moment as the group's members read it: in the group's time zone."""
    return timezone.localtime(moment, ZoneInfo(meeting.group.time_zone)).strftime("%Y-%m-%d %H:%M")


def audience_for(meeting: Meeting, person: Any) -> str:
    """Which price a person pays: a ``Visitor`` the visitor price; an account that is a member
    of the meeting's group in good standing the member price; anyone else (no account, a
    lapsed member, a member of another group) the non-member price."""
    if isinstance(person, Visitor):
        return Audience.VISITOR
    if person is None or not getattr(person, "is_authenticated", False):
        return Audience.NON_MEMBER
    in_good_standing = good_standing_map(meeting.group, [person.pk])[person.pk]
    return Audience.MEMBER if in_good_standing else Audience.NON_MEMBER


def no_show_count(meeting: Meeting, *, user: Any = None, visitor: Visitor | None = None) -> int:
    """No-shows of one person (an account or a visitor) at the meetings of this group."""
    if user is not None:
        who = Q(user=user)
    elif visitor is not None:
        who = Q(visitor=visitor)
    else:
        return 0
    return Registration.objects.filter(who, meeting__group=meeting.group, no_show=True).count()


def over_no_show_limit(
    meeting: Meeting, *, user: Any = None, visitor: Visitor | None = None
) -> bool:
    limit = meeting.group.rules.no_show_limit
    return limit > 0 and no_show_count(meeting, user=user, visitor=visitor) >= limit


def pending_reason(registration: Registration) -> str:
    """Why a registration waits for a leader's approval, in words for the person."""
    meeting = registration.meeting
    person = registration.user if registration.user_id else None
    if registration.registered_by_id and not registration.user_id and not registration.visitor_id:
        person = registration.registered_by
    limit = meeting.group.rules.no_show_limit
    if over_no_show_limit(meeting, user=person, visitor=registration.visitor):
        return _(
            "You missed %(count)s meetings of %(group)s you had registered for (or cancelled "
            "too late), so the organisers approve your registrations from now on."
        ) % {"count": limit, "group": meeting.group.name}
    return _("The organisers approve every registration for this meeting.")


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None when not on the waiting list."""
    if registration.status != Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        meeting_id=registration.meeting_id, status=Status.WAITLISTED
    ).filter(
        Q(created_at__lt=registration.created_at)
        | Q(created_at=registration.created_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def seats_taken(meeting: Meeting) -> int:
    return Registration.objects.filter(meeting=meeting, status__in=HOLDING).count()


def status_message(registration: Registration) -> str:
    """What the person is told about a registration, whatever its status."""
    meeting = registration.meeting
    if registration.status == Status.REGISTERED:
        return _("%(name)s is registered for %(meeting)s.") % {
            "name": registration.name,
            "meeting": meeting.title,
        }
    if registration.status == Status.WAITLISTED:
        return _(
            "%(meeting)s is full: %(name)s is number %(position)s on the waiting list. If a "
            "seat frees up, we offer it to the first in line."
        ) % {
            "meeting": meeting.title,
            "name": registration.name,
            "position": waitlist_position(registration),
        }
    if registration.status == Status.PENDING:
        return pending_reason(registration)
    if registration.status == Status.OFFERED and registration.offer_expires_at:
        return _("A seat is held for %(name)s until %(until)s: confirm to take it.") % {
            "name": registration.name,
            "until": local_time(meeting, registration.offer_expires_at),
        }
    return str(registration.get_status_display())


# --- seats --------------------------------------------------------------------------------


def _locked(meeting: Meeting) -> Meeting:
    """The meeting row, locked until the transaction ends: seat-taking actions on one meeting
    run one after the other (PostgreSQL; SQLite takes its write lock up front anyway). Only
    the meeting's row is locked, never its group's."""
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    locked.group = meeting.group
    return locked


def _free_seats(meeting: Meeting, limit: int) -> list[int]:
    """The lowest ``limit`` seat numbers nobody holds (none when the meeting is full). The
    caller holds the meeting lock."""
    if meeting.capacity is None or limit < 1:
        return []
    seated = Registration.objects.filter(meeting=meeting, seat__isnull=False)
    if seated.count() >= meeting.capacity:
        return []  # full: one COUNT, without reading every seat
    held = set(seated.values_list("seat", flat=True))
    free = (n for n in range(1, meeting.capacity + 1) if n not in held)
    return list(itertools.islice(free, limit))


def _free_seat(meeting: Meeting) -> int | None:
    """The lowest seat number not held, or None when the meeting is full."""
    seats = _free_seats(meeting, 1)
    return seats[0] if seats else None


@dataclass(frozen=True)
class _Seats:
    """Where a meeting's seats stand, in one query: seats held, people waiting, offers that
    ran out."""

    seated: int
    waiting: int
    expired: int


def _seats(meeting: Meeting, now: datetime.datetime) -> _Seats:
    row = Registration.objects.filter(meeting=meeting).aggregate(
        seated=Count("pk", filter=Q(seat__isnull=False)),
        waiting=Count("pk", filter=Q(status=Status.WAITLISTED)),
        expired=Count("pk", filter=Q(status=Status.OFFERED, offer_expires_at__lte=now)),
    )
    return _Seats(row["seated"] or 0, row["waiting"] or 0, row["expired"] or 0)


def _settle(meeting: Meeting, now: datetime.datetime) -> _Seats:
    """Before any action on a meeting's seats (the caller holds the lock): offers that ran
    out go to the next in line, and seats free while people wait (a capacity raised) are
    offered to them. Then where the seats stand."""
    state = _seats(meeting, now)
    if state.expired:
        _expire_meeting_offers(meeting, now)
    elif state.waiting and meeting.capacity is not None and state.seated < meeting.capacity:
        _promote(meeting, now)
    else:
        return state
    return _seats(meeting, now)


def _seat_or_wait(
    registration: Registration, meeting: Meeting, state: _Seats | None = None
) -> None:
    """Give ``registration`` (not saved, or saved without a seat) a seat if one is free and
    nobody waits ahead of it; otherwise put it on the waiting list. Saves it. The caller holds
    the meeting lock (and may pass where the seats stand, read under it)."""
    registration.offer_expires_at = None
    if meeting.capacity is None:
        registration.status = Status.REGISTERED
        registration.seat = None
        registration.save()
        return
    now = timezone.now()
    state = state or _seats(meeting, now)
    # Someone already in line goes first: freed seats are offered to them, never taken —
    # until the meeting starts, when offers stop and the door takes whoever comes.
    queue_first = state.waiting > 0 and meeting.starts_at > now
    if not queue_first and state.seated < meeting.capacity:
        for _attempt in range(2):
            seat = _free_seat(meeting)
            if seat is None:
                break
            registration.status = Status.REGISTERED
            registration.seat = seat
            try:
                with transaction.atomic():
                    registration.save()
                return
            except IntegrityError:
                # Someone took this seat without the lock, or the person registered twice at
                # the same moment: refuse the second, else look again once, then queue.
                _refuse_duplicate(registration)
                registration.seat = None
    registration.status = Status.WAITLISTED
    registration.seat = None
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        _refuse_duplicate(registration)
        raise


def _refuse_duplicate(registration: Registration) -> None:
    """Raise the person's error when another live registration of theirs exists."""
    person: dict[str, Any] = {}
    if registration.user_id:
        person = {"user_id": registration.user_id}
    elif registration.visitor_id:
        person = {"visitor_id": registration.visitor_id}
    if not person:
        return
    others = Registration.objects.filter(
        meeting_id=registration.meeting_id, status__in=LIVE, **person
    )
    if registration.pk is not None:
        others = others.exclude(pk=registration.pk)
    if others.exists():
        raise RegistrationError(_already(registration))


def _offer_until(meeting: Meeting, now: datetime.datetime) -> datetime.datetime:
    """An offer stays open for the group's offer hours, but never past the meeting's start."""
    return min(now + datetime.timedelta(hours=meeting.group.rules.offer_hours), meeting.starts_at)


def _promote(meeting: Meeting, now: datetime.datetime) -> list[Registration]:
    """Offer free seats to the first in line, each for the group's offer hours (and no later
    than the start). The caller holds the meeting lock. Returns the new offers."""
    if meeting.capacity is None or meeting.is_cancelled or meeting.starts_at <= now:
        return []
    free = _free_seats(
        meeting, Registration.objects.filter(meeting=meeting, status=Status.WAITLISTED).count()
    )
    if not free:
        return []
    first_in_line = (
        Registration.objects.filter(meeting=meeting, status=Status.WAITLISTED)
        .select_related("user", "registered_by")
        .order_by("created_at", "pk")[: len(free)]
    )
    offers: list[Registration] = []
    for registration, seat in zip(list(first_in_line), free, strict=False):
        registration.meeting = meeting
        registration.status = Status.OFFERED
        registration.seat = seat
        registration.offer_expires_at = _offer_until(meeting, now)
        try:
            with transaction.atomic():
                registration.save(update_fields=["status", "seat", "offer_expires_at"])
        except IntegrityError:
            # The seat went to someone else after all (a path without the lock): stop
            # here; the next action on the meeting offers what is still free.
            break
        record(None, "meetings.registration.offered", registration, {"seat": seat})
        _tell(
            registration,
            "meetings.seat_offered",
            {"until": local_time(meeting, registration.offer_expires_at)},
        )
        offers.append(registration)
    return offers


def _tell(registration: Registration, kind: str, extra: dict[str, Any] | None = None) -> None:
    """Tell the attendee: in the app when they have an account (theirs, or their visitor
    record's), else by email to the address given; and the person who registered them (a
    guest's host, a visitor's inviter), who may act on the ticket for them."""
    meeting = registration.meeting
    params = {
        "meeting": meeting.title,
        "group": meeting.group.name,
        "name": registration.name,
        "start": local_time(meeting, meeting.starts_at),
        **(extra or {}),
    }
    url = reverse("registrations:ticket", args=[registration.code])
    moment = registration.offer_expires_at or registration.cancelled_at or ""
    attendee = registration.user or (registration.visitor.user if registration.visitor else None)
    recipients = [attendee] if attendee is not None else []
    if registration.registered_by is not None and registration.registered_by != attendee:
        recipients.append(registration.registered_by)
    for person in recipients:
        notify(person, kind, params, url=url, key=f"{kind}:{registration.pk}:{person.pk}:{moment}")
    if attendee is None and registration.email:
        from cerchia.meetings.tasks_registrations import send_registration_email

        language = get_language() or ""
        registration_id = registration.pk
        transaction.on_commit(
            lambda: send_registration_email.enqueue(registration_id, kind, params, language)
        )


# --- register -----------------------------------------------------------------------------


def _live_for(meeting: Meeting, *, user: Any = None, visitor: Any = None) -> Registration | None:
    # No ordering: the model's default ordering would join the meeting for nothing.
    qs = Registration.objects.filter(meeting=meeting, status__in=LIVE).order_by()
    if user is not None:
        return qs.filter(user=user).first()
    return qs.filter(visitor=visitor).first()


def live_registration(meeting: Meeting, user: Any) -> Registration | None:
    """The person's own registration for a meeting that is still in play, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return _live_for(meeting, user=user)


def _already(registration: Registration) -> str:
    return _("%(name)s is already registered for %(meeting)s.") % {
        "name": registration.name,
        "meeting": registration.meeting.title,
    }


def _display_name(user: User) -> str:
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile is not None else "") or user.email


def _clean_answers(meeting: Meeting, answers: Sequence[Any] | None) -> list[dict[str, str]]:
    """Answers to the meeting's questions, stored with their question (questions may change)."""
    given = list(answers or [])
    questions = [str(q) for q in (meeting.questions or [])]
    if len(given) > len(questions):
        raise RegistrationError(_("There are more answers than questions."))
    cleaned: list[dict[str, str]] = []
    for question, answer in zip(questions, given, strict=False):
        text = str(answer if answer is not None else "").strip()
        if len(text) > MAX_ANSWER_LENGTH:
            raise RegistrationError(
                _("An answer can be at most %(count)s characters.") % {"count": MAX_ANSWER_LENGTH}
            )
        cleaned.append({"question": question, "answer": text})
    return cleaned


def _clean_guests(guests: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    cleaned: list[tuple[str, str]] = []
    for name, email in guests:
        name, email = str(name or "").strip(), str(email or "").strip().lower()
        if not name or len(name) > 160:
            raise RegistrationError(_("Each guest needs a name of at most 160 characters."))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise RegistrationError(
                    _("%(email)s is not an email address.") % {"email": email}
                ) from None
        cleaned.append((name, email))
    if len(cleaned) > MAX_GUESTS:
        raise RegistrationError(
            _("You can bring at most %(count)s guests.") % {"count": MAX_GUESTS}
        )
    return cleaned


def _check_open(meeting: Meeting, now: datetime.datetime) -> None:
    if meeting.is_cancelled:
        raise RegistrationError(_("This meeting was cancelled."))
    if meeting.ends_at <= now:
        raise RegistrationError(_("This meeting is over."))


@transaction.atomic
def register(
    meeting: Meeting,
    *,
    actor: Any,
    user: Any = None,
    visitor: Visitor | None = None,
    name: str = "",
    email: str = "",
    answers: Sequence[Any] | None = None,
    guests: Iterable[tuple[str, str]] = (),
) -> Registration:
    """Register ``user`` (an account) or ``visitor`` (a group's visitor: the visitors' flow
    checks visit limits before calling this) for ``meeting``, with ``guests`` as (name, email)
    pairs brought by ``actor`` — each guest a row of their own, priced by their own standing.

    Returns the person's registration: ``registered`` (a seat), ``waitlisted`` (full, or
    people waiting ahead) or ``pending`` (the meeting needs approval, or the person is past
    the group's no-show limit: ``pending_reason`` says which)."""
    if (user is None) == (visitor is None):
        raise ValueError("register() needs exactly one of user or visitor")
    now = timezone.now()
    group = meeting.group
    meeting = _locked(meeting)
    state = _settle(meeting, now)
    _check_open(meeting, now)
    if visitor is not None and visitor.group_id != group.pk:
        raise RegistrationError(_("This visitor belongs to another group."))
    someone_else = user is not None and getattr(actor, "pk", None) != user.pk
    if someone_else and not can_run(rights_in(actor, group)):
        raise RegistrationError(
            _("Only the group's leaders may register someone else for a meeting.")
        )
    guest_list = _clean_guests(guests)
    if guest_list and meeting.members_only:
        raise RegistrationError(
            _("%(meeting)s is for members only: guests cannot be registered.")
            % {"meeting": meeting.title}
        )
    audience = audience_for(meeting, visitor if visitor is not None else user)
    if meeting.members_only and audience != Audience.MEMBER:
        raise RegistrationError(
            _(
                "%(meeting)s is for members of %(group)s in good standing only. Join the group, "
                "or renew your membership, to register."
            )
            % {"meeting": meeting.title, "group": group.name}
        )
    if user is not None:
        existing = _live_for(meeting, user=user)
        display = name.strip() or _display_name(user)
        address = email.strip() or user.email
    else:
        assert visitor is not None
        existing = _live_for(meeting, visitor=visitor)
        display = name.strip() or visitor.name
        address = email.strip() or visitor.email
    if existing is not None:
        raise RegistrationError(_already(existing))
    needs_approval = meeting.approval_required or over_no_show_limit(
        meeting, user=user, visitor=visitor
    )
    registration = Registration(
        meeting=meeting,
        user=user,
        visitor=visitor,
        registered_by=actor if getattr(actor, "is_authenticated", False) else None,
        name=display[:160],
        email=address,
        audience=audience,
        price_minor=meeting.price_for(audience),
        answers=_clean_answers(meeting, answers),
    )
    _place(registration, meeting, pending=needs_approval, state=state)
    record(
        actor,
        "meetings.registration.created",
        registration,
        {"meeting": meeting.pk, "status": registration.status, "audience": audience},
    )
    if guest_list:
        _register_guests(meeting, actor, guest_list, pending=needs_approval)
    return registration


def _place(
    registration: Registration, meeting: Meeting, *, pending: bool, state: _Seats | None = None
) -> None:
    if pending:
        registration.status = Status.PENDING
        registration.seat = None
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError:
            raise RegistrationError(_already(registration)) from None
    else:
        _seat_or_wait(registration, meeting, state)


def _register_guests(
    meeting: Meeting, actor: Any, guests: list[tuple[str, str]], *, pending: bool
) -> list[Registration]:
    """Guests are priced by their own standing, never by their host's: an address that is the
    account of a member in good standing pays the member price (and the registration is that
    member's), any other guest the non-member price."""
    accounts = {
        u.email.lower(): u
        for u in User.objects.filter(
            email__in=[email for _name, email in guests if email], is_active=True
        )
    }
    standing = good_standing_map(meeting.group, [u.pk for u in accounts.values()])
    rows: list[Registration] = []
    for name, email in guests:
        account = accounts.get(email) if email else None
        if account is not None and not standing.get(account.pk):
            account = None  # not a member in good standing: a guest like any other
        if account is not None and account.pk == getattr(actor, "pk", None):
            raise RegistrationError(_("You cannot bring yourself as a guest."))
        if account is not None and _live_for(meeting, user=account):
            raise RegistrationError(
                _("%(name)s is already registered for %(meeting)s.")
                % {"name": name, "meeting": meeting.title}
            )
        audience = Audience.MEMBER if account is not None else Audience.NON_MEMBER
        guest = Registration(
            meeting=meeting,
            user=account,
            registered_by=actor,
            name=name,
            email=email,
            audience=audience,
            price_minor=meeting.price_for(audience),
        )
        _place(guest, meeting, pending=pending)
        record(
            actor,
            "meetings.registration.guest_added",
            guest,
            {"meeting": meeting.pk, "status": guest.status, "audience": audience},
        )
        rows.append(guest)
    return rows


# --- leave, approve, confirm --------------------------------------------------------------


def holds_ticket(registration: Registration, actor: Any, by_code: bool) -> bool:
    """The attendee themselves: their account, whoever registered them (a guest's host), or —
    for an attendee without an account — whoever opened the ticket by its secret code."""
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    if actor_id is not None and actor_id in (registration.user_id, registration.registered_by_id):
        return True
    return by_code and registration.user_id is None


def may_cancel(registration: Registration, actor: Any, *, by_code: bool = False) -> bool:
    """The attendee (or their host, or the code's holder when they have no account), or the
    group's leaders."""
    if holds_ticket(registration, actor, by_code):
        return True
    return can_run(rights_in(actor, registration.meeting.group))


def is_late_cancellation(registration: Registration, now: datetime.datetime) -> bool:
    """Giving up a held seat less than the group's ``late_cancel_hours`` before the start."""
    meeting = registration.meeting
    hours = meeting.group.rules.late_cancel_hours
    return registration.status == Status.REGISTERED and now > meeting.starts_at - (
        datetime.timedelta(hours=hours)
    )


@transaction.atomic
def cancel_registration(
    registration: Registration, *, actor: Any, by_code: bool = False
) -> Registration:
    """Cancel a registration (or a place in the queue or an offer). A seat given up later
    than the group's rule allows counts as a no-show — unless a leader cancels it. The freed
    seat is offered to the first in line. ``by_code``: the caller opened the ticket by its
    code (the view checked it), which is how an attendee without an account acts on it."""
    if not may_cancel(registration, actor, by_code=by_code):
        raise RegistrationError(_("Only the attendee, their host or a leader may cancel this."))
    now = timezone.now()
    meeting = _locked(registration.meeting)
    registration.refresh_from_db()
    registration.meeting = meeting
    if registration.status not in LIVE:
        raise RegistrationError(_("This registration is already cancelled."))
    if meeting.ends_at <= now:
        raise RegistrationError(_("This meeting is over."))
    by_leader = not holds_ticket(registration, actor, by_code)
    late = is_late_cancellation(registration, now) and not by_leader
    registration.status = Status.CANCELLED
    registration.seat = None
    registration.offer_expires_at = None
    registration.cancelled_at = now
    registration.no_show = registration.no_show or late
    registration.save(
        update_fields=["status", "seat", "offer_expires_at", "cancelled_at", "no_show"]
    )
    record(actor, "meetings.registration.cancelled", registration, {"late": late})
    if by_leader:
        _tell(registration, "meetings.registration_cancelled")
    _promote(meeting, now)
    return registration


@transaction.atomic
def confirm_offer(registration: Registration, *, actor: Any, by_code: bool = False) -> Registration:
    """Take the seat held for the person: only they (or their host, or the code's holder when
    they have no account) may, before the offer runs out."""
    if not holds_ticket(registration, actor, by_code):
        raise RegistrationError(_("Only the person the seat is offered to may take it."))
    now = timezone.now()
    meeting = _locked(registration.meeting)
    _settle(meeting, now)
    registration.refresh_from_db()
    registration.meeting = meeting
    if registration.status != Status.OFFERED:
        expired = registration.offer_expires_at is not None and registration.offer_expires_at <= now
        if registration.status == Status.CANCELLED and expired:
            raise RegistrationError(_("This offer has expired: the seat went to the next in line."))
        raise RegistrationError(_("There is no seat offered on this registration."))
    registration.status = Status.REGISTERED
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "offer_expires_at"])
    record(actor, "meetings.registration.confirmed", registration, {"seat": registration.seat})
    return registration


def _require_leader(registration: Registration, actor: Any) -> None:
    if not can_run(rights_in(actor, registration.meeting.group)):
        raise RegistrationError(_("Only the group's leaders may do this."))


@transaction.atomic
def approve_registration(registration: Registration, *, actor: Any) -> Registration:
    """Let a pending registration in: a seat if one is free, else the waiting list."""
    _require_leader(registration, actor)
    now = timezone.now()
    meeting = _locked(registration.meeting)
    _settle(meeting, now)
    registration.refresh_from_db()
    registration.meeting = meeting
    if registration.status != Status.PENDING:
        raise RegistrationError(_("This registration is not waiting for approval."))
    _check_open(meeting, now)
    _seat_or_wait(registration, meeting)
    record(actor, "meetings.registration.approved", registration, {"status": registration.status})
    _tell(
        registration,
        "meetings.registration_approved",
        {"status_text": status_message(registration)},
    )
    return registration


@transaction.atomic
def decline_registration(registration: Registration, *, actor: Any) -> Registration:
    _require_leader(registration, actor)
    registration.refresh_from_db()
    if registration.status != Status.PENDING:
        raise RegistrationError(_("This registration is not waiting for approval."))
    registration.status = Status.DECLINED
    registration.save(update_fields=["status"])
    record(actor, "meetings.registration.declined", registration)
    _tell(registration, "meetings.registration_declined")
    return registration


# --- offers that run out ------------------------------------------------------------------


def _expire_meeting_offers(meeting: Meeting, now: datetime.datetime) -> int:
    """Cancel the meeting's offers that ran out and offer their seats to the next in line.
    The caller holds the meeting lock."""
    expired = list(
        Registration.objects.filter(
            meeting=meeting, status=Status.OFFERED, offer_expires_at__lte=now
        ).select_related("user", "registered_by")
    )
    for registration in expired:
        registration.meeting = meeting
        registration.status = Status.CANCELLED
        registration.seat = None
        registration.cancelled_at = now
        registration.save(update_fields=["status", "seat", "cancelled_at"])
        record(None, "meetings.registration.offer_expired", registration)
        _tell(registration, "meetings.offer_expired")
    if expired:
        _promote(meeting, now)
    return len(expired)


def expire_offers(now: datetime.datetime | None = None, *, meeting: Meeting | None = None) -> int:
    """Cancel every offer that ran out (of one meeting, or everywhere) and pass each seat to
    the next in line. Idempotent; cheap when nothing expired (one indexed query)."""
    now = now or timezone.now()
    due = Registration.objects.filter(status=Status.OFFERED, offer_expires_at__lte=now)
    if meeting is not None:
        due = due.filter(meeting=meeting)
    meeting_ids = list(due.values_list("meeting_id", flat=True).distinct())
    count = 0
    for meeting_id in meeting_ids:
        with transaction.atomic():
            locked = Meeting.objects.select_for_update().get(pk=meeting_id)
            locked.group = Group.objects.get(pk=locked.group_id)
            count += _expire_meeting_offers(locked, now)
    return count


def refresh_queue(meeting: Meeting, now: datetime.datetime | None = None) -> bool:
    """Bring a meeting's queue up to date before showing it: offers that ran out pass on, and
    seats free while people wait (a capacity raised) are offered. One unlocked query when
    there is nothing to do — the lock is taken only when there is. True if anything moved."""
    now = now or timezone.now()
    state = _seats(meeting, now)
    stale = state.expired or (
        state.waiting
        and meeting.capacity is not None
        and state.seated < meeting.capacity
        and meeting.starts_at > now
        and not meeting.is_cancelled
    )
    if not stale:
        return False
    with transaction.atomic():
        _settle(_locked(meeting), now)
    return True


# --- check-in and no-shows ----------------------------------------------------------------


def normalise_code(text: str) -> str:
    """A typed or scanned code: the ticket code alone, upper case, from a bare code or the
    check-in address a QR code carries."""
    text = (text or "").strip()
    if "code=" in text:
        text = text.split("code=", 1)[1].split("&", 1)[0]
    return "".join(ch for ch in text.upper() if ch.isalnum())[:12]


@transaction.atomic
def check_in(meeting: Meeting, *, actor: Any, code: str) -> Registration:
    """Mark a ticket as used at the door. Refuses unknown codes, another meeting's tickets,
    anyone not (or no longer) holding a confirmed seat, and a second check-in."""
    if not can_run(rights_in(actor, meeting.group)):
        raise RegistrationError(_("Only the group's leaders check people in."))
    cleaned = normalise_code(code)
    registration = (
        Registration.objects.select_for_update().filter(code=cleaned).first() if cleaned else None
    )
    if registration is None:
        raise RegistrationError(_("Unknown ticket code %(code)s.") % {"code": cleaned or "—"})
    if registration.meeting_id != meeting.pk:
        raise RegistrationError(
            _("Ticket %(code)s is for another meeting, not this one.") % {"code": cleaned}
        )
    registration.meeting = meeting
    if meeting.is_cancelled:
        raise RegistrationError(_("This meeting was cancelled."))
    if registration.status != Status.REGISTERED:
        raise RegistrationError(
            _("%(name)s cannot come in: the registration is %(status)s.")
            % {"name": registration.name, "status": registration.get_status_display().lower()}
        )
    if registration.checked_in_at is not None:
        raise RegistrationError(
            _("%(name)s was already checked in at %(time)s.")
            % {"name": registration.name, "time": local_time(meeting, registration.checked_in_at)}
        )
    registration.checked_in_at = timezone.now()
    registration.save(update_fields=["checked_in_at"])
    on_visitor_checked_in(registration)
    record(actor, "meetings.registration.checked_in", registration)
    return registration


def _mark_meeting_no_shows(meeting: Meeting) -> int:
    """Registered, not checked in, not recorded as attending: a no-show. Only where the door
    used check-in at all (someone was checked in) — otherwise nobody can tell who came."""
    registrations = Registration.objects.filter(meeting=meeting)
    if not registrations.filter(checked_in_at__isnull=False).exists():
        return 0
    attended = Attendance.objects.filter(
        meeting=meeting, status__in=[Attendance.Status.PRESENT, Attendance.Status.LATE]
    ).values("user_id")
    missing = registrations.filter(
        status=Status.REGISTERED, checked_in_at__isnull=True, no_show=False
    ).exclude(user_id__in=attended)
    ids = list(missing.values_list("pk", flat=True))
    if ids:
        Registration.objects.filter(pk__in=ids).update(no_show=True)
        for pk in ids:
            record(
                None,
                "meetings.registration.no_show",
                Registration(pk=pk),
                {"meeting": meeting.pk},
            )
    return len(ids)


@transaction.atomic
def close_check_in(meeting: Meeting, *, actor: Any) -> int:
    """The leader closes the door: everyone registered who did not come is a no-show."""
    if not can_run(rights_in(actor, meeting.group)):
        raise RegistrationError(_("Only the group's leaders check people in."))
    if meeting.starts_at > timezone.now():
        raise RegistrationError(_("Check-in closes once the meeting has started."))
    count = _mark_meeting_no_shows(meeting)
    record(actor, "meetings.check_in.closed", meeting, {"no_shows": count})
    # Who came is known now: the visits' follow-up tasks need not wait for the daily job.
    # (Imported here: the visitors module builds on this one.)
    from cerchia.meetings.visitors import follow_up_meeting

    follow_up_meeting(meeting, actor=actor)
    return count


def mark_no_shows(now: datetime.datetime | None = None) -> int:
    """The daily step: no-shows of every meeting that ended (idempotent: each once)."""
    now = now or timezone.now()
    meetings = (
        Meeting.objects.filter(
            ends_at__lte=now,
            ends_at__gt=now - datetime.timedelta(days=NO_SHOW_LOOKBACK_DAYS),
            cancelled_at__isnull=True,
        )
        .filter(
            registrations__status=Status.REGISTERED,
            registrations__checked_in_at__isnull=True,
            registrations__no_show=False,
        )
        .distinct()
    )
    count = 0
    for meeting in meetings:
        with transaction.atomic():
            count += _mark_meeting_no_shows(meeting)
    return count


def run_daily_registrations(now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "registration_offers_expired": expire_offers(now),
        "registration_no_shows": mark_no_shows(now),
    }


# --- payments -----------------------------------------------------------------------------


@transaction.atomic
def record_registration_payment(
    registration: Registration,
    *,
    actor: Any,
    amount_minor: int,
    method: str,
    reference: str = "",
) -> Registration:
    """A payment taken at the door or by transfer, recorded by a leader or the treasurer."""
    rights = rights_in(actor, registration.meeting.group)
    if not (can_run(rights) or rights.treasurer):
        raise RegistrationError(_("Only the group's leaders or treasurer record payments."))
    if not is_minor_amount(amount_minor, positive=True):
        raise RegistrationError(_("A payment must be a positive amount."))
    if method not in PAYMENT_METHODS.values:
        raise RegistrationError(_("Unknown payment method."))
    reference = str(reference or "").strip()
    if len(reference) > 120:
        raise RegistrationError(_("A payment reference can be at most 120 characters."))
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status in (Status.CANCELLED, Status.DECLINED):
        raise RegistrationError(_("This registration is cancelled: record a refund elsewhere."))
    owed = registration.price_minor - registration.paid_minor
    if amount_minor > owed:
        raise RegistrationError(
            _("That is more than the %(owed)s still owed.")
            % {"owed": format_money(owed, registration.meeting.group.currency)}
        )
    registration.paid_minor += amount_minor
    registration.payment_method = method
    registration.payment_reference = reference
    registration.save(update_fields=["paid_minor", "payment_method", "payment_reference"])
    on_ticket_paid(registration)
    record(
        actor,
        "meetings.registration.paid",
        registration,
        {"amount_minor": amount_minor, "method": method, "reference": reference},
    )
    return registration


def counts(meeting: Meeting) -> dict[str, int]:
    """How many are registered, checked in, waiting, offered and pending: one query."""
    row = Registration.objects.filter(meeting=meeting).aggregate(
        registered=Count("pk", filter=Q(status=Status.REGISTERED)),
        checked_in=Count("pk", filter=Q(status=Status.REGISTERED, checked_in_at__isnull=False)),
        waitlisted=Count("pk", filter=Q(status=Status.WAITLISTED)),
        offered=Count("pk", filter=Q(status=Status.OFFERED)),
        pending=Count("pk", filter=Q(status=Status.PENDING)),
    )
    return {key: value or 0 for key, value in row.items()}
