"""Every write to the ledger. Each runs in a transaction, keeps the monthly rollup in step,
completes follow-ups the interaction answers, records an audit entry and tells the other
person."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.accounts.models import Connection as CardConnection
from cerchia.accounts.models import User
from cerchia.audit.services import record
from cerchia.contacts.interactions import log_between
from cerchia.contacts.models import Interaction
from cerchia.groups.access import rights_in
from cerchia.groups.kinds import rules_for
from cerchia.groups.models import Group, Kind, Membership
from cerchia.ledger import rollups
from cerchia.ledger.models import (
    ClosedBusiness,
    Connection,
    Credit,
    Investment,
    OneToOne,
    Referral,
    ReferralStep,
    WeekClose,
)
from cerchia.lib.money import MAX_MINOR, format_money, is_minor_amount
from cerchia.lib.validators import validate_currency
from cerchia.notices.services import notify

PIPELINE: list[str] = [
    Referral.Status.GIVEN,
    Referral.Status.CONTACTED,
    Referral.Status.MEETING,
    Referral.Status.PROPOSAL,
]
# Fields of a slip its giver may change until the week is closed (leaders after).
SLIP_FIELDS = (
    "kind",
    "prospect_name",
    "prospect_company",
    "prospect_email",
    "prospect_phone",
    "temperature",
    "notes",
    "confidential",
)
MANUAL_KINDS = (
    Investment.Kind.TRAVEL,
    Investment.Kind.MEALS,
    Investment.Kind.MATERIALS,
    Investment.Kind.ONLINE_HOURS,
    Investment.Kind.PREPARATION,
    Investment.Kind.OTHER,
)
MAX_HOURS = Decimal("999.99")


class LedgerError(Exception):
    """A ledger write that breaks a rule; the message says which."""


# --- shared checks ------------------------------------------------------------------------


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week: slips are closed a week at a time."""
    return day - datetime.timedelta(days=day.weekday())


def is_leader(user: Any, group: Group | None) -> bool:
    return group is not None and rights_in(user, group).manager


def week_closed(group: Group | None, day: datetime.date) -> bool:
    return (
        group is not None
        and WeekClose.objects.filter(group=group, week_start=week_start(day)).exists()
    )


def _check_day(day: datetime.date | None, what: str) -> datetime.date:
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise LedgerError(_("%(what)s cannot be in the future.") % {"what": what})
    return day


def _check_group(group: Group | None, actor: User, other: User | None) -> None:
    """A fact recorded in a group needs both people to be its active members."""
    if group is None:
        return
    if group.is_informal:
        raise LedgerError(_("Leave the group empty for your informal network."))
    # Both people in one query: this runs on every write between members.
    wanted = [actor.pk] if other is None else [actor.pk, other.pk]
    active = set(
        Membership.objects.active()
        .filter(group=group, user_id__in=wanted)
        .order_by()
        .values_list("user_id", flat=True)
    )
    if actor.pk not in active:
        raise LedgerError(_("You are not an active member of %(group)s.") % {"group": group.name})
    if other is not None and other.pk not in active:
        raise LedgerError(
            _("%(person)s is not an active member of %(group)s.")
            % {"person": _person_name(other), "group": group.name}
        )


def knows(user: User, other: User) -> bool:
    """Whether ``user`` knows ``other`` through Cerchia: an active group in common, a card
    connection either way, or someone they met."""
    mine = Membership.objects.active().filter(user=user).exclude(group__kind=Kind.INFORMAL)
    if (
        Membership.objects.active()
        .filter(user=other, group_id__in=mine.values("group_id"))
        .exists()
    ):
        return True
    if CardConnection.objects.filter(
        Q(owner=user, other=other) | Q(owner=other, other=user)
    ).exists():
        return True
    return Connection.objects.filter(
        Q(owner=user, person=other) | Q(owner=other, person=user)
    ).exists()


def _check_counterpart(group: Group | None, actor: User, other: User) -> None:
    if other.pk == actor.pk:
        raise LedgerError(_("That is you: choose someone else."))
    if group is not None:
        _check_group(group, actor, other)
    elif not knows(actor, other):
        raise LedgerError(
            _("You share no group, connection or meeting with %(person)s.")
            % {"person": _person_name(other)}
        )


def _clean_text(value: str, limit: int) -> str:
    return (value or "").strip()[:limit]


def _person_name(user: User) -> str:
    profile = getattr(user, "profile", None)
    # Never the email address: it follows its owner's visibility choice.
    return (profile.display_name if profile is not None else "") or _("a member")


def _partner_url(kind: str, pk: int) -> str:
    return f"/ledger/{kind}/{pk}/"


# --- referrals ----------------------------------------------------------------------------


@transaction.atomic
def record_referral(
    giver: User,
    *,
    prospect_name: str,
    receiver: User | None = None,
    receiver_name: str = "",
    receiver_email: str = "",
    group: Group | None = None,
    kind: str = Referral.Kind.OUTSIDE,
    prospect_company: str = "",
    prospect_email: str = "",
    prospect_phone: str = "",
    temperature: int = 3,
    notes: str = "",
    confidential: bool = False,
    given_on: datetime.date | None = None,
) -> Referral:
    """Pass a referral. The receiver sees it at once (no weekly submission)."""
    given_on = _check_day(given_on, _("A referral"))
    prospect_name = _clean_text(prospect_name, 160)
    if not prospect_name:
        raise LedgerError(_("Name the prospect."))
    if kind not in Referral.Kind.values:
        raise LedgerError(_("Unknown kind of referral: %(kind)s") % {"kind": kind})
    if not isinstance(temperature, int) or not 1 <= temperature <= 5:
        raise LedgerError(_("The temperature goes from 1 to 5."))
    if receiver is not None:
        _check_counterpart(group, giver, receiver)
        receiver_name = receiver_email = ""
    else:
        receiver_name = _clean_text(receiver_name, 160)
        if not receiver_name:
            raise LedgerError(_("Choose whom the referral is for."))
        _check_group(group, giver, None)
    if week_closed(group, given_on) and not is_leader(giver, group):
        raise LedgerError(_("That week is closed: ask a leader of the group to add it."))
    referral = Referral.objects.create(
        group=group,
        giver=giver,
        receiver=receiver,
        receiver_name=receiver_name,
        receiver_email=_clean_text(receiver_email, 254),
        kind=kind,
        prospect_name=prospect_name,
        prospect_company=_clean_text(prospect_company, 160),
        prospect_email=_clean_text(prospect_email, 254),
        prospect_phone=_clean_text(prospect_phone, 32),
        temperature=temperature,
        notes=(notes or "").strip(),
        confidential=bool(confidential),
        given_on=given_on,
    )
    ReferralStep.objects.create(referral=referral, status=referral.status, by=giver)
    rollups.apply(rollups.contributions_of_referral(referral))
    record(giver, "ledger.referral.created", referral, {"group": group.pk if group else None})
    if receiver is not None:
        complete_follow_ups(giver, receiver, via="referral", on=given_on)
        # Given or received, a referral is an interaction with whoever either side keeps
        # as a contact linked to the other.
        log_between(
            giver.pk,
            receiver.pk,
            kind=Interaction.Kind.REFERRAL,
            on=given_on,
            source=f"ledger.referral:{referral.pk}",
        )
        notify(
            receiver,
            "ledger.referral_received",
            {"giver": _person_name(giver), "prospect": prospect_name},
            url=_partner_url("referrals", referral.pk),
        )
    return referral


def _locked_for(referral: Referral, actor: User) -> bool:
    return week_closed(referral.group, referral.given_on) and not is_leader(actor, referral.group)


@transaction.atomic
def update_referral(referral: Referral, *, actor: User, changes: dict[str, Any]) -> Referral:
    """Correct a slip: its giver until the week is closed, then the group's leaders only.
    The receiver and the group stay (give a new slip instead)."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    unknown = set(changes) - set(SLIP_FIELDS)
    if unknown:
        raise LedgerError(
            _("These cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    leader = is_leader(actor, referral.group)
    if actor.pk != referral.giver_id and not leader:
        raise LedgerError(_("Only the giver corrects a referral slip."))
    if _locked_for(referral, actor):
        raise LedgerError(_("That week is closed: only the group's leaders change its slips."))
    if "kind" in changes and changes["kind"] not in Referral.Kind.values:
        raise LedgerError(_("Unknown kind of referral: %(kind)s") % {"kind": changes["kind"]})
    if "temperature" in changes:
        value = changes["temperature"]
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise LedgerError(_("The temperature goes from 1 to 5."))
    if "prospect_name" in changes and not _clean_text(changes["prospect_name"], 160):
        raise LedgerError(_("Name the prospect."))
    limits = {"prospect_name": 160, "prospect_company": 160, "prospect_email": 254}
    limits["prospect_phone"] = 32
    for name, value in changes.items():
        if name in limits:
            value = _clean_text(value, limits[name])
        elif name == "notes":
            value = (value or "").strip()
        elif name == "confidential":
            value = bool(value)
        setattr(referral, name, value)
    referral.save()
    # The prospect's details are not copied into the audit trail: only which fields changed.
    record(
        actor,
        "ledger.referral.updated",
        referral,
        {"fields": sorted(changes), "by_leader": leader and actor.pk != referral.giver_id},
    )
    return referral


@transaction.atomic
def advance_referral(
    referral: Referral, *, actor: User, status: str, note: str = "", lost_reason: str = ""
) -> Referral:
    """Move a referral along given → contacted → meeting → proposal → won / lost. The receiver
    moves it (the giver, when it went to someone without an account); both are told."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    mover = referral.receiver_id if referral.receiver_id is not None else referral.giver_id
    if actor.pk != mover and not is_leader(actor, referral.group):
        raise LedgerError(_("Only the receiver moves a referral along."))
    if status not in Referral.Status.values:
        raise LedgerError(_("Unknown status: %(status)s") % {"status": status})
    if referral.closed:
        raise LedgerError(
            _("This referral is %(status)s: it moves no further.")
            % {"status": referral.get_status_display().lower()}
        )
    if status in PIPELINE and PIPELINE.index(status) <= PIPELINE.index(referral.status):
        raise LedgerError(_("A referral only moves forward."))
    lost_reason = _clean_text(lost_reason, 240)
    if status == Referral.Status.LOST and not lost_reason:
        raise LedgerError(_("Say why the referral was lost."))
    referral.status = status
    referral.lost_reason = lost_reason if status == Referral.Status.LOST else ""
    referral.save(update_fields=["status", "lost_reason", "updated_at"])
    ReferralStep.objects.create(
        referral=referral, status=status, note=_clean_text(note, 240), by=actor
    )
    record(actor, "ledger.referral.advanced", referral, {"status": status})
    label = referral.get_status_display()
    for person in (referral.giver, referral.receiver):
        if person is not None:
            notify(
                person,
                "ledger.referral_step",
                {"prospect": referral.prospect_name, "status": label},
                url=_partner_url("referrals", referral.pk),
            )
    if referral.receiver is not None:
        complete_follow_ups(referral.giver, referral.receiver, via="referral")
    return referral


@transaction.atomic
def close_week(group: Group, *, actor: User, day: datetime.date) -> WeekClose:
    """Close the week holding ``day`` for ``group``: its slips become read-only except to the
    group's leaders."""
    if not is_leader(actor, group):
        raise LedgerError(_("Only the group's leaders close a week."))
    start = week_start(day)
    if start > timezone.localdate():
        raise LedgerError(_("A week still to come cannot be closed."))
    try:
        with transaction.atomic():
            closed = WeekClose.objects.create(group=group, week_start=start, closed_by=actor)
    except IntegrityError:
        raise LedgerError(
            _("The week of %(day)s is already closed.") % {"day": start.isoformat()}
        ) from None
    count = Referral.objects.filter(
        group=group, given_on__gte=start, given_on__lt=start + datetime.timedelta(days=7)
    ).count()
    record(actor, "ledger.week.closed", closed, {"week": start.isoformat(), "slips": count})
    return closed


# --- closed business ----------------------------------------------------------------------


def _clean_currency(currency: str, group: Group | None) -> str:
    """The amount's currency: as given, else the group's."""
    currency = (currency or (group.currency if group else "")).upper()
    if not currency:
        raise LedgerError(_("Give the currency of the amount."))
    try:
        validate_currency(currency)
    except ValidationError:
        raise LedgerError(_("Unknown currency: %(code)s") % {"code": currency}) from None
    return currency


def _clean_amount(amount_minor: Any) -> int:
    if not is_minor_amount(amount_minor, positive=True):
        raise LedgerError(_("The amount must be a positive whole number of minor units."))
    return int(amount_minor)


@transaction.atomic
def record_closed_business(
    receiver: User,
    *,
    amount_minor: int,
    referral: Referral | None = None,
    giver: User | None = None,
    group: Group | None = None,
    currency: str = "",
    kind: str = ClosedBusiness.Kind.NEW,
    closed_on: datetime.date | None = None,
    notes: str = "",
) -> ClosedBusiness:
    """Thank someone for business closed: against their referral (which becomes won), or as
    a thank-you to a member for business not tied to one slip."""
    closed_on = _check_day(closed_on, _("Closed business"))
    amount_minor = _clean_amount(amount_minor)
    if kind not in ClosedBusiness.Kind.values:
        raise LedgerError(_("Closed business is new or repeat."))
    if referral is not None:
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.receiver_id != receiver.pk:
            raise LedgerError(_("Only the receiver of a referral records its closed business."))
        if referral.status == Referral.Status.LOST:
            raise LedgerError(_("This referral was lost: it has no closed business."))
        if closed_on < referral.given_on:
            raise LedgerError(_("Business cannot close before the referral was given."))
        giver, group = referral.giver, referral.group
    elif giver is None:
        raise LedgerError(_("Choose whom you thank, or the referral it came from."))
    else:
        _check_counterpart(group, receiver, giver)
    assert giver is not None
    currency = _clean_currency(currency, group)
    closed = ClosedBusiness.objects.create(
        referral=referral,
        group=group,
        giver=giver,
        receiver=receiver,
        amount_minor=amount_minor,
        currency=currency,
        kind=kind,
        closed_on=closed_on,
        notes=(notes or "").strip(),
    )
    rollups.apply(rollups.contributions_of_closed(closed))
    record(
        receiver,
        "ledger.closed_business.recorded",
        closed,
        {"referral": referral.pk if referral else None, "amount_minor": amount_minor},
    )
    if referral is not None and not referral.closed:
        referral.status = Referral.Status.WON
        referral.save(update_fields=["status", "updated_at"])
        ReferralStep.objects.create(referral=referral, status=referral.status, by=receiver)
        record(receiver, "ledger.referral.advanced", referral, {"status": referral.status})
    complete_follow_ups(receiver, giver, via="closed_business", on=closed_on)
    notify(
        giver,
        "ledger.closed_business",
        {"receiver": _person_name(receiver), "amount": format_money(amount_minor, currency)},
        url="/ledger/",
    )
    return closed


# --- one-to-ones --------------------------------------------------------------------------


@transaction.atomic
def propose_one_to_one(
    proposer: User,
    *,
    partner: User,
    group: Group | None = None,
    scheduled_for: datetime.datetime | None = None,
    place: str = "",
    notes: str = "",
    held_on: datetime.date | None = None,
) -> OneToOne:
    """Propose a one-to-one, or log one already held (``held_on``)."""
    _check_counterpart(group, proposer, partner)
    one = OneToOne(
        group=group,
        proposer=proposer,
        partner=partner,
        scheduled_for=scheduled_for,
        place=_clean_text(place, 160),
        notes=(notes or "").strip(),
    )
    if held_on is not None:
        one.held_on = _check_day(held_on, _("A one-to-one"))
        one.status = OneToOne.Status.HELD
    one.save()
    rollups.apply(rollups.contributions_of_one_to_one(one))
    record(proposer, "ledger.one_to_one.created", one, {"status": one.status})
    if one.status == OneToOne.Status.HELD:
        complete_follow_ups(proposer, partner, via="one_to_one", on=one.held_on)
        _log_one_to_one(one)
    notify(
        partner,
        "ledger.one_to_one_proposed"
        if one.status == OneToOne.Status.PROPOSED
        else "ledger.one_to_one_held",
        {"person": _person_name(proposer)},
        url="/ledger/one-to-ones/",
    )
    return one


def _log_one_to_one(one: OneToOne) -> None:
    """A one-to-one held is an interaction with the partner, for each side's linked contact."""
    assert one.held_on is not None
    log_between(
        one.proposer_id,
        one.partner_id,
        kind=Interaction.Kind.ONE_TO_ONE,
        on=one.held_on,
        source=f"ledger.onetoone:{one.pk}",
    )


def _one_to_one_party(one: OneToOne, actor: User) -> None:
    if actor.pk not in (one.proposer_id, one.partner_id):
        raise LedgerError(_("Only the two people of a one-to-one change it."))


@transaction.atomic
def hold_one_to_one(
    one: OneToOne, *, actor: User, held_on: datetime.date | None = None, notes: str = ""
) -> OneToOne:
    one = OneToOne.objects.select_for_update().get(pk=one.pk)
    _one_to_one_party(one, actor)
    if one.status != OneToOne.Status.PROPOSED:
        raise LedgerError(
            _("This one-to-one is %(status)s already.")
            % {"status": one.get_status_display().lower()}
        )
    one.held_on = _check_day(held_on, _("A one-to-one"))
    one.status = OneToOne.Status.HELD
    if notes.strip():
        one.notes = (one.notes + "\n\n" + notes.strip()).strip()
    one.save()
    rollups.apply(rollups.contributions_of_one_to_one(one))
    record(actor, "ledger.one_to_one.held", one)
    other = one.partner if actor.pk == one.proposer_id else one.proposer
    complete_follow_ups(actor, other, via="one_to_one", on=one.held_on)
    _log_one_to_one(one)
    notify(
        other,
        "ledger.one_to_one_held",
        {"person": _person_name(actor)},
        url="/ledger/one-to-ones/",
    )
    return one


@transaction.atomic
def cancel_one_to_one(one: OneToOne, *, actor: User) -> OneToOne:
    one = OneToOne.objects.select_for_update().get(pk=one.pk)
    _one_to_one_party(one, actor)
    if one.status != OneToOne.Status.PROPOSED:
        raise LedgerError(_("Only a proposed one-to-one can be cancelled."))
    one.status = OneToOne.Status.CANCELLED
    one.save(update_fields=["status", "updated_at"])
    record(actor, "ledger.one_to_one.cancelled", one)
    other = one.partner if actor.pk == one.proposer_id else one.proposer
    notify(
        other,
        "ledger.one_to_one_cancelled",
        {"person": _person_name(actor)},
        url="/ledger/one-to-ones/",
    )
    return one


# --- connections and follow-ups -----------------------------------------------------------


def follow_up_days(group: Group | None) -> int:
    return (group.rules if group is not None else rules_for(Kind.INFORMAL)).follow_up_days


def _meeting_day(meeting: Any) -> datetime.date:
    return timezone.localdate(meeting.starts_at, ZoneInfo(meeting.group.time_zone))


def attended(user: User, meeting: Any) -> bool:
    """Checked in (or marked present or late) at the meeting."""
    from cerchia.meetings.models import Attendance, Registration

    return (
        Attendance.objects.filter(
            meeting=meeting, user=user, status__in=["present", "late"]
        ).exists()
        or Registration.objects.filter(
            meeting=meeting, user=user, checked_in_at__isnull=False
        ).exists()
    )


@transaction.atomic
def record_connection(
    owner: User,
    *,
    where: str,
    person: User | None = None,
    name: str = "",
    email: str = "",
    company: str = "",
    group: Group | None = None,
    meeting: Any = None,
    met_on: datetime.date | None = None,
    notes: str = "",
) -> Connection:
    """Someone I met. Due for a follow-up within the group's window (events: 3 days)."""
    if where not in Connection.Where.values:
        raise LedgerError(_("Unknown place: %(where)s") % {"where": where})
    if meeting is not None:
        if not attended(owner, meeting):
            raise LedgerError(_("You were not checked in at that meeting."))
        group = meeting.group
        met_on = _meeting_day(meeting)
        where = Connection.Where.MEETING
    elif group is not None and not rights_in(owner, group).active_member:
        raise LedgerError(_("You are not an active member of %(group)s.") % {"group": group.name})
    if group is not None and group.is_informal:
        group = None
    met_on = _check_day(met_on, _("A connection"))
    if person is not None:
        if person.pk == owner.pk:
            raise LedgerError(_("That is you: choose someone else."))
        # An account is linked only where the two really crossed paths (knows() counts
        # connections: anyone else could otherwise be made "known" and sent proposals).
        if meeting is not None and not attended(person, meeting):
            raise LedgerError(
                _("%(person)s was not checked in at that meeting.")
                % {"person": _person_name(person)}
            )
        if meeting is None and not knows(owner, person):
            raise LedgerError(
                _("You share no group with that person: enter their name and email instead.")
            )
        name = name.strip() or _person_name(person)
    name = _clean_text(name, 160)
    if not name:
        raise LedgerError(_("Name the person you met."))
    connection = Connection(
        owner=owner,
        person=person,
        name=name,
        email=_clean_text(email, 254),
        company=_clean_text(company, 160),
        where=where,
        group=group,
        meeting=meeting,
        met_on=met_on,
        notes=(notes or "").strip(),
        follow_up_due=met_on + datetime.timedelta(days=follow_up_days(group)),
    )
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError:
        raise LedgerError(
            _("You already noted meeting %(person)s there.") % {"person": name}
        ) from None
    rollups.apply(rollups.contributions_of_connection(connection))
    record(owner, "ledger.connection.created", connection, {"where": where})
    if person is not None:
        # Noting someone met is the owner's private record: only the owner's contact logs it.
        log_between(
            owner.pk,
            person.pk,
            kind=Interaction.Kind.MEETING,
            on=met_on,
            source=f"ledger.connection:{connection.pk}",
            both_ways=False,
        )
    return connection


def people_met_candidates(owner: User, meeting: Any) -> list[User]:
    """The people checked in at the meeting alongside ``owner`` whom they have not noted yet."""
    from cerchia.meetings.models import Attendance, Registration

    present = Attendance.objects.filter(meeting=meeting, status__in=["present", "late"]).values(
        "user_id"
    )
    checked = Registration.objects.filter(
        meeting=meeting, user__isnull=False, checked_in_at__isnull=False
    ).values("user_id")
    noted = Connection.objects.filter(owner=owner, meeting=meeting, person__isnull=False).values(
        "person_id"
    )
    return list(
        User.objects.filter(Q(pk__in=present) | Q(pk__in=checked))
        .exclude(pk=owner.pk)
        .exclude(pk__in=noted)
        .select_related("profile")
        .order_by("profile__display_name", "pk")
    )


@transaction.atomic
def confirm_people_met(owner: User, meeting: Any, *, person_ids: list[int]) -> list[Connection]:
    """Note every chosen person from the meeting's "people I met" list in one go."""
    if not attended(owner, meeting):
        raise LedgerError(_("You were not checked in at that meeting."))
    allowed = {u.pk: u for u in people_met_candidates(owner, meeting)}
    # Confirming twice notes nobody twice: people already noted are skipped.
    noted = set(
        Connection.objects.filter(
            owner=owner, meeting=meeting, person_id__in=person_ids
        ).values_list("person_id", flat=True)
    )
    wanted = [pk for pk in dict.fromkeys(person_ids) if pk not in noted]
    if any(pk not in allowed for pk in wanted):
        raise LedgerError(_("Some of these people were not checked in at that meeting."))
    return [
        record_connection(
            owner, where=Connection.Where.MEETING, person=allowed[pk], meeting=meeting
        )
        for pk in wanted
    ]


def _mark_done(connection: Connection, on: datetime.date, via: str) -> None:
    connection.followed_up_on = on
    connection.followed_up_via = via
    connection.save(update_fields=["followed_up_on", "followed_up_via"])
    rollups.apply(
        [rollups.Delta(connection.owner_id, connection.group, on, values={"follow_ups_done": 1})]
    )


@transaction.atomic
def mark_followed_up(
    connection: Connection, *, actor: User, on: datetime.date | None = None
) -> Connection:
    connection = (
        Connection.objects.select_for_update(of=("self",))
        .select_related("group")
        .get(pk=connection.pk)
    )
    if connection.owner_id != actor.pk:
        raise LedgerError(_("Only you follow up your own connections."))
    if connection.followed_up_on is not None:
        raise LedgerError(_("This follow-up is done already."))
    on = _check_day(on, _("A follow-up"))
    if on < connection.met_on:
        raise LedgerError(_("A follow-up cannot come before the meeting."))
    _mark_done(connection, on, "done")
    record(actor, "ledger.connection.followed_up", connection, {"via": "done"})
    if connection.person_id is not None:
        log_between(
            actor.pk,
            connection.person_id,
            kind=Interaction.Kind.FOLLOW_UP,
            on=on,
            source=f"ledger.connection:{connection.pk}",
            both_ways=False,
        )
    return connection


def complete_follow_ups(a: User, b: User, *, via: str, on: datetime.date | None = None) -> int:
    """Any interaction between two people completes the open follow-ups either owes the
    other."""
    on = on or timezone.localdate()
    open_ones = Connection.objects.filter(
        Q(owner=a, person=b) | Q(owner=b, person=a), followed_up_on__isnull=True, met_on__lte=on
    )
    # Most interactions answer no follow-up: a light look first, the locked read only if any.
    if not open_ones.exists():
        return 0
    done = 0
    for connection in open_ones.select_for_update(of=("self",)).select_related("group"):
        _mark_done(connection, on, via)
        record(None, "ledger.connection.followed_up", connection, {"via": via})
        done += 1
    return done


# --- investments --------------------------------------------------------------------------


def _clean_hours(hours: Any) -> Decimal:
    try:
        value = Decimal(str(hours or 0))
    except (InvalidOperation, ValueError):
        raise LedgerError(_("Hours must be a number.")) from None
    if value < 0 or value > MAX_HOURS or value != value.quantize(Decimal("0.01")):
        raise LedgerError(_("Hours go from 0 to 999.99, in hundredths at most."))
    return value


@transaction.atomic
def record_investment(
    user: User,
    *,
    kind: str,
    group: Group | None = None,
    amount_minor: int = 0,
    currency: str = "",
    hours: Any = 0,
    spent_on: datetime.date | None = None,
    notes: str = "",
) -> Investment:
    """Money or time put into networking by hand (dues, tickets and meetings come on their
    own)."""
    if kind not in MANUAL_KINDS:
        raise LedgerError(
            _(
                "%(kind)s is recorded automatically; choose travel, meals, materials, "
                "online hours, preparation or other."
            )
            % {"kind": kind}
        )
    if group is not None and group.is_informal:
        group = None
    if group is not None and not rights_in(user, group).membership:
        raise LedgerError(_("You are not a member of %(group)s.") % {"group": group.name})
    # Too large first: is_minor_amount refuses it too, with a message about the wrong thing.
    if type(amount_minor) is int and amount_minor > MAX_MINOR:
        raise LedgerError(_("The amount is too large."))
    if amount_minor and not is_minor_amount(amount_minor, positive=True):
        raise LedgerError(_("The amount must be a positive whole number of minor units."))
    value = _clean_hours(hours)
    if not amount_minor and not value:
        raise LedgerError(_("Give an amount, hours or both."))
    currency = _clean_currency(currency, group) if amount_minor else ""
    investment = Investment.objects.create(
        user=user,
        group=group,
        kind=kind,
        amount_minor=amount_minor or 0,
        currency=currency,
        hours=value,
        spent_on=_check_day(spent_on, _("An investment")),
        notes=_clean_text(notes, 240),
    )
    rollups.apply(rollups.contributions_of_investment(investment))
    record(user, "ledger.investment.created", investment, {"kind": kind})
    return investment


@transaction.atomic
def delete_investment(investment: Investment, *, actor: User) -> None:
    if investment.user_id != actor.pk:
        raise LedgerError(_("Only its owner removes an investment."))
    if investment.automatic:
        raise LedgerError(_("Automatic entries follow their payment or attendance."))
    rollups.apply(remove=rollups.contributions_of_investment(investment))
    record(actor, "ledger.investment.deleted", investment, {"kind": investment.kind})
    investment.delete()


@transaction.atomic
def record_credit(
    user: User,
    group: Group,
    *,
    kind: str,
    title: str,
    earned_on: datetime.date | None = None,
) -> Credit:
    """An education unit or a testimonial a member logs in a group they are active in."""
    if kind not in Credit.Kind.values:
        raise LedgerError(_("Choose an education unit or a testimonial."))
    if group.is_informal or not rights_in(user, group).active_member:
        raise LedgerError(_("You are not an active member of %(group)s.") % {"group": group.name})
    title = _clean_text(title, 200)
    if not title:
        raise LedgerError(_("Say what it was (a book, a course, whom the testimonial was for)."))
    credit = Credit.objects.create(
        user=user,
        group=group,
        kind=kind,
        title=title,
        earned_on=_check_day(earned_on, _("A credit")),
    )
    rollups.apply(rollups.contributions_of_credit(credit))
    record(user, "ledger.credit.created", credit, {"kind": kind})
    return credit


@transaction.atomic
def delete_credit(credit: Credit, *, actor: User) -> None:
    if credit.user_id != actor.pk:
        raise LedgerError(_("Only its owner removes a credit."))
    rollups.apply(remove=rollups.contributions_of_credit(credit))
    record(actor, "ledger.credit.deleted", credit, {"kind": credit.kind})
    credit.delete()
