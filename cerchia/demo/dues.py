"""The demo's money: tiers and a year of dues history, so every standing shows.

Built straight into the tables (the services would send a notice per invoice): the history is
what a year of the services would have left behind. Dates are relative to the build day."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from typing import Any

from django.utils import timezone

from cerchia.dues.models import Invoice, Payment, Tier, add_months
from cerchia.groups.models import Group, Membership

CHAMBER_TIERS = [
    # name, dues (cents), period, joining fee, term, listing, benefits
    (
        "Individual",
        18000,
        "year",
        5000,
        "rolling",
        "basic",
        "Directory listing, members' prices at events, the leads group.",
    ),
    (
        "Business",
        45000,
        "year",
        5000,
        "rolling",
        "enhanced",
        "Enhanced listing with your description and website, two free event passes.",
    ),
    (
        "Corporate",
        120000,
        "year",
        0,
        "fixed",
        "enhanced",
        "Enhanced listing, ten event passes, a seat at the annual members' dinner.",
    ),
]


def _tiers(group: Group, rows: list[tuple[Any, ...]]) -> list[Tier]:
    return [
        Tier.objects.create(
            group=group,
            name=name,
            dues_minor=dues,
            period=period,
            joining_fee_minor=fee,
            term=term,
            listing=listing,
            benefits=benefits,
            position=index,
        )
        for index, (name, dues, period, fee, term, listing, benefits) in enumerate(rows)
    ]


class _Ledger:
    """Invoices and payments to write in bulk, numbered per group and year as the services do."""

    def __init__(self) -> None:
        self.invoices: list[Invoice] = []
        self.payments: list[tuple[int, Payment]] = []

    def bill(
        self,
        membership: Membership,
        tier: Tier,
        *,
        kind: str,
        amount: int,
        issued: datetime.date,
        due: datetime.date,
        period: tuple[datetime.date, datetime.date] | None = None,
        paid: datetime.date | None = None,
        method: str = "bank_transfer",
    ) -> None:
        description = (
            f"{tier.name} dues, {period[0].isoformat()} to {period[1].isoformat()}"
            if period
            else f"Joining fee, {tier.name}"
        )
        invoice = Invoice(
            group=membership.group,
            membership=membership,
            tier=tier,
            kind=kind,
            description=description,
            amount_minor=amount,
            currency=membership.group.currency,
            period_start=period[0] if period else None,
            period_end=period[1] if period else None,
            issued_on=issued,
            due_on=due,
            status=Invoice.Status.PAID if paid else Invoice.Status.ISSUED,
            paid_on=paid,
        )
        self.invoices.append(invoice)
        if paid:
            payment = Payment(
                amount_minor=amount,
                method=method,
                reference=f"DEMO-{len(self.invoices):05d}",
                received_on=paid,
            )
            self.payments.append((len(self.invoices) - 1, payment))

    def save(self) -> None:
        counters: dict[tuple[int, int], int] = defaultdict(int)
        for invoice in sorted(self.invoices, key=lambda i: (i.issued_on, i.membership_id)):
            year = invoice.issued_on.year
            counters[(invoice.group_id, year)] += 1
            invoice.number = f"{year}-{counters[(invoice.group_id, year)]:04d}"
        saved = Invoice.objects.bulk_create(self.invoices)
        for index, payment in self.payments:
            payment.invoice = saved[index]
        Payment.objects.bulk_create([p for _i, p in self.payments])


def _history(
    ledger: _Ledger,
    membership: Membership,
    tier: Tier,
    *,
    joined: datetime.date,
    today: datetime.date,
    pay_first: bool,
    pay_last: bool,
    rng: random.Random,
) -> datetime.date | None:
    """Bill a member from ``joined`` to today, period after period, each paid on time —
    except the current renewal when ``pay_last`` is False, and everything when ``pay_first``
    is False (a new member who has not paid yet). Returns the day they are paid up to."""
    start, end = tier.period_from(joined)
    first_due = joined + datetime.timedelta(days=14)
    if tier.joining_fee_minor:
        ledger.bill(
            membership,
            tier,
            kind="joining_fee",
            amount=tier.joining_fee_minor,
            issued=joined,
            due=first_due,
            paid=joined + datetime.timedelta(days=rng.randint(1, 10)) if pay_first else None,
        )
    paid_up: datetime.date | None = None
    first = True
    while start <= today:
        current = tier.period_from(end + datetime.timedelta(days=1))[0] > today
        settle = pay_first if first else (pay_last or not current)
        issued = joined if first else start - datetime.timedelta(days=30)
        ledger.bill(
            membership,
            tier,
            kind="dues",
            amount=tier.dues_minor,
            issued=issued,
            due=first_due if first else start - datetime.timedelta(days=1),
            period=(start, end),
            paid=min(issued + datetime.timedelta(days=rng.randint(2, 25)), today)
            if settle
            else None,
            method=rng.choice(["bank_transfer", "bank_transfer", "cash", "card_elsewhere"]),
        )
        if settle:
            paid_up = end
        first = False
        start, end = tier.period_from(end + datetime.timedelta(days=1))
    return paid_up


def build_dues(
    chamber: Group,
    association: Group,
    chapters: list[Group],
    lapsed: Any,
    rng: random.Random,
    *,
    veterans: frozenset[int] = frozenset(),
) -> None:
    """Tiers for the chamber, the association and the chapters; a year and more of invoices
    and payments; members renewed, in grace, lapsed (``lapsed@``), resigned, pending. The
    ``veterans`` (the personas) joined more than a year ago and are paid up, whatever the
    day the demo is built: their stories cover the whole year."""
    today = timezone.localdate()
    chamber_tiers = _tiers(chamber, CHAMBER_TIERS)
    association_tier = _tiers(
        association,
        [
            (
                "Member",
                12000,
                "year",
                0,
                "fixed",
                "basic",
                "Mentoring, jobs board, overflow network.",
            )
        ],
    )[0]
    chapter_tiers = [
        _tiers(
            chapter,
            [
                (
                    "Chapter seat",
                    4000,
                    "month",
                    15000,
                    "rolling",
                    "enhanced",
                    "Your profession's seat, weekly meetings, referral slips.",
                )
            ],
        )[0]
        for chapter in chapters
    ]
    ledger = _Ledger()
    updates: list[Membership] = []

    def run(
        group: Group, tiers: list[Tier], *, resign: int, grace: int, lapse: int, pending: int = 0
    ) -> None:
        rows = list(
            Membership.objects.filter(group=group, status=Membership.Status.ACTIVE)
            .select_related("group")
            .order_by("pk")
        )
        runners = [m for m in rows if m.role != Membership.Role.MEMBER]
        plain = [
            m
            for m in rows
            if m.role == Membership.Role.MEMBER
            and m.user_id != lapsed.pk
            and m.user_id not in veterans
        ]
        rng.shuffle(plain)
        late = {m.pk for m in plain[:grace]}
        gone = {m.pk for m in plain[grace : grace + lapse]}
        resigned = {m.pk for m in plain[grace + lapse : grace + lapse + resign]}
        new = {m.pk for m in plain[grace + lapse + resign : grace + lapse + resign + pending]}
        for membership in rows:
            behind = (
                membership.pk in late or membership.pk in gone or membership.user_id == lapsed.pk
            )
            # Those behind with their dues are on the first (rolling) tier.
            tier = tiers[0] if behind else tiers[membership.pk % len(tiers)]
            if membership.pk in new:
                joined = today - datetime.timedelta(days=3)
            elif membership.pk in late:
                # Expired 5–25 days ago; the renewal is billed but unpaid: grace.
                joined = _back(tier, today - datetime.timedelta(days=rng.randint(5, 25)))
            elif membership.pk in gone or membership.user_id == lapsed.pk:
                # Expired well beyond the grace days, renewal unpaid: lapsed.
                joined = _back(tier, today - datetime.timedelta(days=rng.randint(45, 90)))
            else:
                since = 400 if membership.user_id in veterans else 20
                joined = today - datetime.timedelta(days=rng.randint(since, 700))
            membership.tier = tier
            membership.joined_at = _aware(joined)
            membership.expires_on = _history(
                ledger,
                membership,
                tier,
                joined=joined,
                today=today,
                pay_first=membership.pk not in new,
                pay_last=not behind,
                rng=rng,
            )
            membership.auto_renew = rng.random() < 0.6
            if membership.pk in resigned and membership not in runners:
                left = today - datetime.timedelta(days=rng.randint(10, 330))
                membership.status = Membership.Status.LEFT
                membership.left_at = _aware(max(left, joined + datetime.timedelta(days=30)))
                membership.leave_reason = rng.choice(Membership.LeaveReason.values)
                membership.seat_profession = None
            updates.append(membership)

    run(chamber, chamber_tiers, resign=9, grace=6, lapse=4, pending=2)
    # Calendar-year dues: whoever has not paid this year's is past the grace days.
    run(association, [association_tier], resign=3, grace=0, lapse=2)
    for chapter, tier in zip(chapters, chapter_tiers, strict=True):
        run(chapter, [tier], resign=0, grace=1, lapse=0)
    ledger.save()
    for membership in updates:
        membership.standing = membership.standing_on(today)
    Membership.objects.bulk_update(
        updates,
        [
            "tier",
            "joined_at",
            "expires_on",
            "auto_renew",
            "status",
            "left_at",
            "leave_reason",
            "seat_profession",
            "standing",
        ],
        batch_size=200,
    )


def _back(tier: Tier, expired_on: datetime.date) -> datetime.date:
    """A joining day such that the last paid period ended on ``expired_on`` (rolling terms)."""
    months = {"month": 1, "quarter": 3, "year": 12}[tier.period]
    return add_months(expired_on + datetime.timedelta(days=1), -months)


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
