"""Stay in touch: what happened with a contact, how often the owner wants to be in touch, and
who is slipping away.

Any logged interaction — a call, a meeting, a message, a one-to-one, a referral, an
introduction — moves ``Contact.last_interaction_on`` forward and so restarts the interval
(the most requested feature of personal CRMs: Monica #1814). Interactions made from the
ledger carry their source, so the same ledger row is logged once however often it is seen.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.accounts.models import User
from cerchia.audit.services import record
from cerchia.contacts.errors import ContactsError
from cerchia.contacts.models import Contact, Interaction
from cerchia.ledger.reminders import digest_names
from cerchia.notices.services import notify

# An interval from a day to ten years; a snooze up to a year ahead.
MAX_INTERVAL_DAYS = 3650
MAX_SNOOZE_DAYS = 365
# "No contact in 30–45 days": people without an interval who are starting to fade.
FADING_FROM_DAYS = 30
FADING_TO_DAYS = 45
MAX_NOTE = 4000
MAX_SOURCE = 60  # Interaction.source's length
# The fields the stay-in-touch reads need (touch_due_on and a row of the list).
TOUCH_FIELDS = (
    "pk",
    "owner_id",
    "name",
    "company",
    "closeness",
    "relationship",
    "stay_in_touch_days",
    "last_interaction_on",
    "snoozed_until",
    "created_at",
)


# --- writes -------------------------------------------------------------------------------


def _touch(contact: Contact, on: datetime.date) -> None:
    """Move the last interaction forward to ``on`` (never back). A newer interaction also
    ends a snooze: the interval starts again from it."""
    moved = (
        Contact.objects.filter(pk=contact.pk)
        .filter(Q(last_interaction_on__isnull=True) | Q(last_interaction_on__lte=on))
        .update(last_interaction_on=on, snoozed_until=None)
    )
    if moved:
        contact.last_interaction_on = on
        contact.snoozed_until = None


def add_interaction(
    contact: Contact, *, actor: Any, kind: str, on: datetime.date, note: str, source: str
) -> Interaction:
    if source:
        try:
            with transaction.atomic():
                interaction = Interaction.objects.create(
                    owner_id=contact.owner_id,
                    contact=contact,
                    kind=kind,
                    happened_on=on,
                    note=note,
                    source=source,
                )
        except IntegrityError:
            # Logged already (the same ledger row seen twice): nothing changes.
            return Interaction.objects.get(contact=contact, source=source, kind=kind)
    else:
        interaction = Interaction.objects.create(
            owner_id=contact.owner_id, contact=contact, kind=kind, happened_on=on, note=note
        )
    _touch(contact, on)
    # The note stays out of the audit trail: it is the owner's private text.
    record(actor, "contacts.interaction.logged", interaction, {"kind": kind, "source": source})
    return interaction


@transaction.atomic
def log_interaction(
    contact: Contact, *, kind: str, on: datetime.date, note: str = "", source: str = ""
) -> Interaction:
    """Log something that happened with ``contact``; it resets stay-in-touch. With a
    ``source`` it is logged once: a second call returns the first interaction."""
    if kind not in Interaction.Kind.values:
        raise ContactsError(_("Unknown kind of interaction: %(kind)s") % {"kind": kind})
    if not isinstance(on, datetime.date):
        raise ContactsError(_("Give the day it happened."))
    if on > timezone.localdate():
        raise ContactsError(_("An interaction cannot be in the future."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ContactsError(
            _("The note is too long: %(max)s characters at most.") % {"max": MAX_NOTE}
        )
    source = (source or "").strip()
    if len(source) > MAX_SOURCE:
        raise ContactsError(_("The source is too long."))
    return add_interaction(contact, actor=contact.owner, kind=kind, on=on, note=note, source=source)


def log_between(
    a_id: int,
    b_id: int,
    *,
    kind: str,
    on: datetime.date,
    source: str,
    both_ways: bool = True,
) -> int:
    """The ledger's hook: a fact between two members (a referral, a one-to-one, a follow-up)
    is an interaction on the contacts of person ``a_id`` linked to ``b_id`` — and,
    ``both_ways``, on ``b_id``'s contacts linked to ``a_id``. One light query when nobody
    is linked (the usual case). Returns how many contacts it logged on."""
    linked = Q(owner_id=a_id, member_id=b_id)
    if both_ways:
        linked |= Q(owner_id=b_id, member_id=a_id)
    contacts = list(Contact.objects.filter(linked).only("pk", "owner_id", "last_interaction_on"))
    for contact in contacts:
        add_interaction(contact, actor=None, kind=kind, on=on, note="", source=source)
    return len(contacts)


@transaction.atomic
def set_stay_in_touch(contact: Contact, *, days: int | None) -> Contact:
    """Be reminded every ``days`` after the last interaction; None stops the reminders."""
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_INTERVAL_DAYS
    ):
        raise ContactsError(
            _("Stay in touch every 1 to %(max)s days.") % {"max": MAX_INTERVAL_DAYS}
        )
    contact.stay_in_touch_days = days
    if days is None:
        contact.snoozed_until = None
    contact.save(update_fields=["stay_in_touch_days", "snoozed_until", "updated_at"])
    record(contact.owner, "contacts.stay_in_touch.set", contact, {"days": days})
    return contact


@transaction.atomic
def snooze_contact(contact: Contact, *, until: datetime.date | None) -> Contact:
    """Not now: no reminder before ``until`` (None ends the snooze)."""
    if until is not None:
        today = timezone.localdate()
        if contact.stay_in_touch_days is None:
            raise ContactsError(_("Set how often to stay in touch first."))
        if until <= today:
            raise ContactsError(_("Snooze until a day after today."))
        if until > today + datetime.timedelta(days=MAX_SNOOZE_DAYS):
            raise ContactsError(_("Snooze for %(max)s days at most.") % {"max": MAX_SNOOZE_DAYS})
    contact.snoozed_until = until
    contact.save(update_fields=["snoozed_until", "updated_at"])
    record(
        contact.owner,
        "contacts.stay_in_touch.snoozed",
        contact,
        {"until": until.isoformat() if until else None},
    )
    return contact


# --- reads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TouchRow:
    """A contact due for a call: when it was due and when we last heard of each other."""

    contact: Contact
    due_on: datetime.date
    today: datetime.date

    @property
    def overdue_days(self) -> int:
        return (self.today - self.due_on).days

    @property
    def days_since(self) -> int | None:
        last = self.contact.last_interaction_on
        return None if last is None else (self.today - last).days


def _with_interval(today: datetime.date) -> QuerySet[Contact]:
    """Contacts on an interval that can be due today: not snoozed past today, and last heard
    of before today (an interval is a day at least)."""
    return (
        Contact.objects.filter(stay_in_touch_days__isnull=False)
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today))
        .filter(Q(last_interaction_on__isnull=True) | Q(last_interaction_on__lt=today))
        .only(*TOUCH_FIELDS)
        .order_by()
    )


def _most_overdue_first(row: TouchRow) -> tuple[Any, ...]:
    return (row.due_on, -row.contact.closeness, row.contact.name.lower(), row.contact.pk)


def losing_touch(owner: User, today: datetime.date) -> list[TouchRow]:
    """``owner``'s contacts due for a call today, the most overdue first (then the closest).
    One query: the due day is ``touch_due_on``, computed here rather than in SQL so the
    rule lives in one place."""
    rows = []
    for contact in _with_interval(today).filter(owner=owner):
        due = contact.touch_due_on()
        if due is not None and due <= today:
            rows.append(TouchRow(contact=contact, due_on=due, today=today))
    return sorted(rows, key=_most_overdue_first)


def fading(owner: User, today: datetime.date, *, limit: int = 50) -> QuerySet[Contact]:
    """Contacts without an interval last heard of 30–45 days ago: the moment to call before
    the thread goes cold (longest silent first)."""
    return (
        Contact.objects.filter(
            owner=owner,
            stay_in_touch_days__isnull=True,
            last_interaction_on__gte=today - datetime.timedelta(days=FADING_TO_DAYS),
            last_interaction_on__lte=today - datetime.timedelta(days=FADING_FROM_DAYS),
        )
        .only(*TOUCH_FIELDS)
        .order_by("last_interaction_on", "name", "pk")[:limit]
    )


def due_by_owner(today: datetime.date) -> dict[int, list[str]]:
    """For the weekly digest: each owner's due contacts' names, the most overdue first."""
    rows: dict[int, list[TouchRow]] = defaultdict(list)
    for contact in _with_interval(today).iterator(chunk_size=2000):
        due = contact.touch_due_on()
        if due is not None and due <= today:
            rows[contact.owner_id].append(TouchRow(contact=contact, due_on=due, today=today))
    return {
        owner_id: [row.contact.name for row in sorted(found, key=_most_overdue_first)]
        for owner_id, found in rows.items()
    }


def digest_key(owner_id: int, today: datetime.date) -> str:
    year, week, _day = today.isocalendar()
    return f"touch:{owner_id}:{year}-W{week:02d}"


def send_touch_digest(today: datetime.date) -> dict[str, int]:
    """The daily job's step: one "losing touch" digest per person and ISO week, sent on the
    first run of the week that finds someone due. Idempotent through the notice's key."""
    due = due_by_owner(today)
    people = User.objects.filter(pk__in=list(due), is_active=True).in_bulk()
    sent = 0
    for owner_id, names in due.items():
        user = people.get(owner_id)
        if user is None:
            continue
        notice = notify(
            user,
            "contacts.losing_touch",
            {"count": len(names), "names": digest_names(names)},
            url="/contacts/losing-touch/",
            key=digest_key(owner_id, today),
        )
        sent += notice is not None
    return {"touch_digests": sent}
