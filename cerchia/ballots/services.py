"""Every write about ballots: creating, cancelling, voting. Each runs in a transaction and
leaves an audit entry; a secret ballot's audit never says what anyone chose."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cerchia.accounts.models import User
from cerchia.audit.services import record
from cerchia.ballots.models import MAX_OPTIONS, MIN_OPTIONS, Ballot, BallotOption, Vote
from cerchia.groups.access import rights_in
from cerchia.groups.models import GONE_STATUSES, Group, Membership

# A ballot runs at most this long: a question left open for years is a mistake.
MAX_DAYS_OPEN = 366


class BallotError(Exception):
    """A ballot action the rules refuse; the message is shown to the person."""


def why_cannot_vote(membership: Membership | None, today: datetime.date) -> str:
    """Why this person may not vote in the membership's group on ``today`` ("" if they may).

    Only full members in good standing on the day they vote: active (or in grace) by date and
    nothing overdue beyond the grace days — ``Membership.in_good_standing_on``, checked for
    each person. Associate members do not vote (they take part in everything else)."""
    if membership is None:
        return _("Only members in good standing may vote: you are not a member of this group.")
    if membership.status in GONE_STATUSES:
        return _(
            "Only members in good standing may vote: you are no longer a member of this group."
        )
    if membership.status != Membership.Status.ACTIVE:
        return _("Only members in good standing may vote: your membership has not begun yet.")
    if membership.category == Membership.Category.ASSOCIATE:
        return _(
            "Only full members vote: associate members take part in everything else, "
            "but do not vote."
        )
    standing = membership.standing_on(today)
    if standing == Membership.Standing.PENDING:
        return _(
            "Only members in good standing may vote: your first dues are not paid yet — "
            "pay them to vote."
        )
    if standing == Membership.Standing.LAPSED:
        return _(
            "Only members in good standing may vote: your membership has lapsed — renew to vote."
        )
    if not membership.in_good_standing_on(today):
        return _(
            "Only members in good standing may vote: you have a payment overdue beyond the "
            "grace period — settle it to vote."
        )
    return ""


def _require_manager(actor: Any, group: Group) -> None:
    if not rights_in(actor, group).manager:
        raise BallotError(_("Only the group's administrators may create or cancel ballots."))


def _aware(moment: datetime.datetime, group: Group) -> datetime.datetime:
    """A moment given without a time zone (an API caller's "2026-03-10T18:00") is the
    group's local time."""
    if timezone.is_naive(moment):
        return timezone.make_aware(moment, zoneinfo.ZoneInfo(group.time_zone))
    return moment


def clean_options(labels: list[str]) -> list[str]:
    """The options as typed, trimmed, blanks dropped: 2 to 10, each different."""
    cleaned = [" ".join(str(label).split()) for label in labels]
    cleaned = [label for label in cleaned if label]
    if not MIN_OPTIONS <= len(cleaned) <= MAX_OPTIONS:
        raise BallotError(
            _("A ballot needs %(low)s to %(high)s options; you gave %(count)s.")
            % {"low": MIN_OPTIONS, "high": MAX_OPTIONS, "count": len(cleaned)}
        )
    seen: set[str] = set()
    for label in cleaned:
        if len(label) > 200:
            raise BallotError(_("Each option may be at most 200 characters long."))
        if label.casefold() in seen:
            raise BallotError(_("Two options say the same: %(option)s") % {"option": label})
        seen.add(label.casefold())
    return cleaned


@transaction.atomic
def create_ballot(
    group: Group,
    *,
    actor: User,
    question: str,
    options: list[str],
    closes_at: datetime.datetime,
    opens_at: datetime.datetime | None = None,
    description: str = "",
    secret: bool = True,
    now: datetime.datetime | None = None,
) -> Ballot:
    """Put a question to the group's members. It opens at ``opens_at`` (now when left out or
    already past) and closes at ``closes_at``."""
    _require_manager(actor, group)
    if group.is_informal or not group.rules.accepts_members:
        raise BallotError(_("This group has no members to vote."))
    now = now or timezone.now()
    question = " ".join(question.split())
    if not question or len(question) > 300:
        raise BallotError(_("A ballot needs a question of at most 300 characters."))
    description = description.strip()
    if len(description) > 4000:
        raise BallotError(_("The description may be at most 4000 characters long."))
    labels = clean_options(options)
    opens = max(_aware(opens_at, group), now) if opens_at is not None else now
    closes = _aware(closes_at, group)
    if closes <= opens:
        raise BallotError(_("A ballot must close after it opens."))
    if closes - opens > datetime.timedelta(days=MAX_DAYS_OPEN):
        raise BallotError(
            _("A ballot may stay open at most %(days)s days.") % {"days": MAX_DAYS_OPEN}
        )
    ballot = Ballot.objects.create(
        group=group,
        question=question,
        description=description,
        opens_at=opens,
        closes_at=closes,
        secret=secret,
        created_by=actor,
    )
    BallotOption.objects.bulk_create(
        BallotOption(ballot=ballot, label=label, position=index)
        for index, label in enumerate(labels, start=1)
    )
    record(
        actor,
        "ballots.ballot.created",
        ballot,
        {"group": group.pk, "options": len(labels), "secret": secret},
    )
    return ballot


@transaction.atomic
def cancel_ballot(ballot: Ballot, *, actor: User, now: datetime.datetime | None = None) -> Ballot:
    """Administrators call off a ballot before it closes; its votes are kept but never
    counted for the members. A closed ballot stands."""
    _require_manager(actor, ballot.group)
    now = now or timezone.now()
    if ballot.cancelled_at is not None:
        raise BallotError(_("This ballot is already cancelled."))
    # Conditional: a ballot closing (or cancelled by someone else) meanwhile is not touched.
    changed = Ballot.objects.filter(
        pk=ballot.pk, cancelled_at__isnull=True, closes_at__gt=now
    ).update(cancelled_at=now)
    if not changed:
        raise BallotError(_("This ballot is closed: its result stands and it cannot be cancelled."))
    ballot.cancelled_at = now
    record(
        actor,
        "ballots.ballot.cancelled",
        ballot,
        {"group": ballot.group_id, "votes": Vote.objects.filter(ballot=ballot).count()},
    )
    return ballot


def _when(moment: datetime.datetime, group: Group) -> str:
    """A moment as the group's members read it: their local time, with its zone."""
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(group.time_zone))
    return f"{date_format(local, 'DATETIME_FORMAT')} ({group.time_zone})"


def _closed_reason(ballot: Ballot, now: datetime.datetime) -> str:
    state = ballot.state_at(now)
    if state == Ballot.State.CANCELLED:
        return _("This ballot was cancelled: it takes no votes.")
    if state == Ballot.State.UPCOMING:
        return _("This ballot opens on %(moment)s.") % {
            "moment": _when(ballot.opens_at, ballot.group)
        }
    if state == Ballot.State.CLOSED:
        return _("This ballot closed on %(moment)s: votes are no longer taken.") % {
            "moment": _when(ballot.closes_at, ballot.group)
        }
    return ""


@transaction.atomic
def cast_vote(
    ballot: Ballot, *, voter: User, option_id: int, now: datetime.datetime | None = None
) -> Vote:
    """``voter`` chooses one option. Only while the ballot is open, only full members in good
    standing on the day they vote, once each (the database holds it, whatever the timing)."""
    now = now or timezone.now()
    # Read afresh: a cancellation may have landed since the page was loaded.
    current = Ballot.objects.select_related("group").filter(pk=ballot.pk).first()
    if current is None:
        raise BallotError(_("No such ballot."))
    closed = _closed_reason(current, now)
    if closed:
        raise BallotError(closed)
    group = current.group
    membership = Membership.objects.filter(group=group, user=voter).first()
    if membership is not None:
        membership.group = group  # the standing engine reads the group's rules
    refusal = why_cannot_vote(membership, timezone.localdate(now))
    if refusal:
        raise BallotError(refusal)
    option = BallotOption.objects.filter(ballot=current, pk=option_id).first()
    if option is None:
        raise BallotError(_("Choose one of this ballot's options."))
    already = _("You have already voted on this ballot: each member votes once.")
    if Vote.objects.filter(ballot=current, voter=voter).exists():
        raise BallotError(already)
    try:
        with transaction.atomic():
            vote = Vote.objects.create(ballot=current, option=option, voter=voter)
    except IntegrityError:
        # Two requests at the same moment: the other one's vote counts.
        raise BallotError(already) from None
    # What a voter chose stays out of the audit trail of a secret ballot.
    data: dict[str, Any] = {"group": group.pk}
    if not current.secret:
        data["option"] = option.pk
    record(voter, "ballots.vote.cast", current, data)
    return vote
