"""Every write about dues: tiers, invoices, payments, renewals and the daily status engine.

The engine is ``Membership.standing_on(day)``: a pure function of the membership's dates and its
group's rules (grace days). ``run_daily`` stores what it says, sends the notices each change
calls for, issues renewals, and can run any number of times a day with the same result."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.accounts.models import User
from cerchia.audit.services import record
from cerchia.dues.models import Invoice, Payment, Tier
from cerchia.groups.access import rights_in
from cerchia.groups.models import Group, Membership
from cerchia.ledger.automatic import on_payment
from cerchia.lib.money import format_money, is_minor_amount
from cerchia.notices.services import notify

# Days a new member has to pay their first invoices.
FIRST_INVOICE_DAYS = 14
# An automatic renewal is announced at least this many days ahead, whatever the renewal window.
AUTO_RENEW_WARNING_DAYS = 7
TIER_FIELDS = (
    "name",
    "dues_minor",
    "period",
    "joining_fee_minor",
    "term",
    "benefits",
    "listing",
    "offered",
    "position",
)


class DuesError(Exception):
    """A dues action the rules refuse; the message is shown to the person."""


def _require_manager(actor: Any, group: Group) -> None:
    if not rights_in(actor, group).manager:
        raise DuesError(_("Only the group's administrators may change its tiers."))


def _require_treasurer(actor: Any, group: Group) -> None:
    if not rights_in(actor, group).treasurer:
        raise DuesError(
            _("Only the group's treasurer or administrators may handle dues and invoices.")
        )


def _clean_tier(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(TIER_FIELDS)
    if unknown:
        raise DuesError(_("Unknown tier field: %(field)s") % {"field": sorted(unknown)[0]})
    cleaned = dict(fields)
    if "name" in cleaned:
        cleaned["name"] = str(cleaned["name"]).strip()
        if not cleaned["name"] or len(cleaned["name"]) > 80:
            raise DuesError(_("A tier needs a name of at most 80 characters."))
    for money in ("dues_minor", "joining_fee_minor"):
        if money in cleaned:
            value = cleaned[money]
            if not is_minor_amount(value):
                raise DuesError(
                    _("%(field)s must be a whole amount in minor units (cents), 0 or more.")
                    % {"field": money}
                )
    choices = {
        "period": Tier.Period.values,
        "term": Tier.Term.values,
        "listing": Tier.Listing.values,
    }
    for name, allowed in choices.items():
        if name in cleaned and cleaned[name] not in allowed:
            raise DuesError(
                _("%(field)s must be one of: %(choices)s")
                % {"field": name, "choices": ", ".join(allowed)}
            )
    if "benefits" in cleaned:
        cleaned["benefits"] = str(cleaned["benefits"]).strip()[:2000]
    return cleaned


@transaction.atomic
def create_tier(group: Group, *, actor: User, **fields: Any) -> Tier:
    _require_manager(actor, group)
    if group.is_informal or not group.rules.accepts_members:
        raise DuesError(_("This group has no members to charge."))
    missing = {"name", "dues_minor", "period"} - set(fields)
    if missing:
        raise DuesError(_("A tier needs %(field)s.") % {"field": sorted(missing)[0]})
    cleaned = _clean_tier(fields)
    if Tier.objects.filter(group=group, name=cleaned["name"]).exists():
        raise DuesError(
            _("%(group)s already has a tier called %(name)s.")
            % {
                "group": group.name,
                "name": cleaned["name"],
            }
        )
    tier = Tier.objects.create(group=group, **cleaned)
    record(actor, "dues.tier.created", tier, {"group": group.pk})
    return tier


@transaction.atomic
def update_tier(tier: Tier, *, actor: User, changes: dict[str, Any]) -> Tier:
    """Change a tier. New dues apply from each member's next invoice; issued ones stay."""
    _require_manager(actor, tier.group)
    cleaned = _clean_tier(changes)
    name = cleaned.get("name")
    if name and Tier.objects.filter(group=tier.group, name=name).exclude(pk=tier.pk).exists():
        raise DuesError(
            _("%(group)s already has a tier called %(name)s.")
            % {
                "group": tier.group.name,
                "name": name,
            }
        )
    for field, value in cleaned.items():
        setattr(tier, field, value)
    tier.save()
    record(actor, "dues.tier.updated", tier, {"fields": sorted(cleaned)})
    return tier


def offered_tiers(group: Group) -> list[Tier]:
    return list(Tier.objects.filter(group=group, offered=True).select_related("group"))


def tier_for_joining(group: Group, tier_id: int | None) -> Tier | None:
    """The tier a new member asks for: required where the group offers tiers."""
    tiers = offered_tiers(group)
    if not tiers:
        if tier_id:
            raise DuesError(_("%(group)s has no membership tiers.") % {"group": group.name})
        return None
    if tier_id is None:
        if len(tiers) == 1:
            return tiers[0]
        raise DuesError(_("Choose a membership tier of %(group)s.") % {"group": group.name})
    tier = next((t for t in tiers if t.pk == tier_id), None)
    if tier is None:
        raise DuesError(_("%(group)s offers no such tier.") % {"group": group.name})
    return tier


def _next_number(group: Group, day: datetime.date) -> str:
    """Invoice numbers run per group and year: 2026-0001, 2026-0002, …"""
    Group.objects.select_for_update().filter(pk=group.pk).first()  # one numberer at a time
    prefix = f"{day.year}-"
    # Invoices are never deleted (they are voided), so the count is the last number.
    sequence = Invoice.objects.filter(group=group, number__startswith=prefix).count() + 1
    return f"{prefix}{sequence:04d}"


def _params(membership: Membership, **extra: Any) -> dict[str, Any]:
    tier = membership.tier
    return {"group": membership.group.name, "tier": tier.name if tier else "", **extra}


def _issue(
    membership: Membership,
    *,
    kind: str,
    amount_minor: int,
    description: str,
    issued_on: datetime.date,
    due_on: datetime.date,
    actor: User | None,
    period: tuple[datetime.date, datetime.date] | None = None,
) -> Invoice:
    group = membership.group
    invoice = Invoice(
        group=group,
        membership=membership,
        tier=membership.tier if kind != Invoice.Kind.FEE else None,
        number=_next_number(group, issued_on),
        kind=kind,
        description=description[:200],
        amount_minor=amount_minor,
        currency=group.currency,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        issued_on=issued_on,
        due_on=due_on,
        created_by=actor,
    )
    invoice.save()
    record(
        actor,
        "dues.invoice.issued",
        invoice,
        {"group": group.pk, "membership": membership.pk, "amount_minor": amount_minor},
    )
    notify(
        membership.user,
        "dues.invoice_issued",
        _params(
            membership,
            number=invoice.number,
            amount=format_money(amount_minor, group.currency),
            date=due_on.isoformat(),
        ),
        url=f"/groups/{group.slug}/dues/",
    )
    return invoice


def _dues_invoice(
    membership: Membership,
    period: tuple[datetime.date, datetime.date],
    *,
    issued_on: datetime.date,
    due_on: datetime.date,
    actor: User | None,
) -> Invoice:
    """The dues invoice for ``period``: the live one if it exists already, else a new one."""
    existing = (
        Invoice.objects.filter(
            membership=membership, kind=Invoice.Kind.DUES, period_start=period[0]
        )
        .exclude(status=Invoice.Status.VOID)
        .first()
    )
    if existing is not None:
        return existing
    tier = membership.tier
    assert tier is not None
    description = _("%(tier)s dues, %(start)s to %(end)s") % {
        "tier": tier.name,
        "start": period[0].isoformat(),
        "end": period[1].isoformat(),
    }
    try:
        with transaction.atomic():
            return _issue(
                membership,
                kind=Invoice.Kind.DUES,
                amount_minor=tier.dues_minor,
                description=description,
                issued_on=issued_on,
                due_on=due_on,
                actor=actor,
                period=period,
            )
    except IntegrityError:  # billed at the same moment by another request
        return Invoice.objects.get(
            membership=membership,
            kind=Invoice.Kind.DUES,
            period_start=period[0],
            status__in=[Invoice.Status.ISSUED, Invoice.Status.PAID],
        )


def start_dues(
    membership: Membership, *, actor: User | None, today: datetime.date
) -> list[Invoice]:
    """On admission: bill the joining fee and the first period. Until they are paid the
    membership is pending. Members without a tier (honorary, free groups) owe nothing."""
    tier = membership.tier
    membership.expires_on = None
    if tier is None:
        _store_standing(membership, today, actor=actor, quiet=True)
        return []
    due = today + datetime.timedelta(days=FIRST_INVOICE_DAYS)
    invoices = []
    if tier.joining_fee_minor:
        invoices.append(
            _issue(
                membership,
                kind=Invoice.Kind.JOINING_FEE,
                amount_minor=tier.joining_fee_minor,
                description=_("Joining fee, %(tier)s") % {"tier": tier.name},
                issued_on=today,
                due_on=due,
                actor=actor,
            )
        )
    invoices.append(
        _dues_invoice(membership, tier.period_from(today), issued_on=today, due_on=due, actor=actor)
    )
    _store_standing(membership, today, actor=actor, quiet=True)
    return invoices


def _renewal_period(
    membership: Membership, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The period a renewal pays for: the one after the paid-up term, or — once lapsed — a
    fresh one from today (reinstatement)."""
    tier = membership.tier
    assert tier is not None
    expires = membership.expires_on
    if expires is None or membership.standing_on(today) == Membership.Standing.LAPSED:
        return tier.period_from(today)
    # The day after the paid-up term starts the next period (aligned already when fixed).
    return tier.period_from(expires + datetime.timedelta(days=1))


def renewal_opens_on(membership: Membership) -> datetime.date | None:
    if membership.expires_on is None:
        return None
    days = membership.group.rules.renewal_window_days
    return membership.expires_on - datetime.timedelta(days=days)


@transaction.atomic
def renew(membership: Membership, *, actor: User, today: datetime.date | None = None) -> Invoice:
    """Bill the next period: by the member within the renewal window or after expiry (a
    lapsed member is reinstated from the day they pay), or by a treasurer at any time."""
    today = today or timezone.localdate()
    own = membership.user_id == actor.pk
    if not own:
        _require_treasurer(actor, membership.group)
    if not membership.is_active:
        raise DuesError(_("Only an active membership can be renewed."))
    if membership.tier is None:
        raise DuesError(_("This membership has no dues to renew."))
    if membership.expires_on is None:
        raise DuesError(_("Pay the first invoice before renewing."))
    opens = renewal_opens_on(membership)
    if own and opens is not None and today < opens:
        raise DuesError(_("Renewal opens on %(date)s.") % {"date": opens.isoformat()})
    period = _renewal_period(membership, today)
    if membership.standing_on(today) == Membership.Standing.LAPSED:
        _void_superseded_dues(membership, before=period[0], actor=actor)
    due = max(today, membership.expires_on)
    invoice = _dues_invoice(membership, period, issued_on=today, due_on=due, actor=actor)
    record(actor, "dues.membership.renewal_billed", membership, {"invoice": invoice.pk})
    return invoice


def _void_superseded_dues(membership: Membership, *, before: datetime.date, actor: User) -> None:
    """A reinstatement bills a fresh period from today: dues billed for the lapsed term and
    never paid are void, or they would stay overdue and keep the reinstated member out of
    good standing. Invoices with money paid against them are left to a treasurer."""
    stale = Invoice.objects.select_for_update().filter(
        membership=membership,
        kind=Invoice.Kind.DUES,
        status=Invoice.Status.ISSUED,
        period_start__lt=before,
    )
    for invoice in stale:
        if invoice.payments.exists():
            continue
        invoice.status = Invoice.Status.VOID
        invoice.void_reason = "reinstated"
        invoice.save(update_fields=["status", "void_reason"])
        record(actor, "dues.invoice.voided", invoice, {"reason": invoice.void_reason})


@transaction.atomic
def bill_fee(
    membership: Membership,
    *,
    actor: User,
    amount_minor: int,
    description: str,
    due_on: datetime.date,
    today: datetime.date | None = None,
) -> Invoice:
    """Bill a member another fee (a reinstatement fee, a dinner, …)."""
    _require_treasurer(actor, membership.group)
    today = today or timezone.localdate()
    if not is_minor_amount(amount_minor, positive=True):
        raise DuesError(_("The amount must be a positive whole number of minor units."))
    if not description.strip():
        raise DuesError(_("Say what the fee is for."))
    if due_on < today:
        raise DuesError(_("The due date cannot be in the past."))
    if membership.status != Membership.Status.ACTIVE:
        raise DuesError(_("Only active members can be billed."))
    return _issue(
        membership,
        kind=Invoice.Kind.FEE,
        amount_minor=amount_minor,
        description=description.strip(),
        issued_on=today,
        due_on=due_on,
        actor=actor,
    )


@transaction.atomic
def record_payment(
    invoice: Invoice,
    *,
    actor: User,
    amount_minor: int,
    method: str,
    reference: str = "",
    received_on: datetime.date | None = None,
) -> Payment:
    """Record money received. A fully paid dues invoice extends the membership to its
    period's end, which may bring it back from grace or lapse."""
    _require_treasurer(actor, invoice.group)
    today = timezone.localdate()
    received_on = received_on or today
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.ISSUED:
        raise DuesError(
            _("Invoice %(number)s is %(status)s: it takes no payments.")
            % {"number": invoice.number, "status": invoice.get_status_display().lower()}
        )
    if method not in Payment.Method.values:
        raise DuesError(_("Unknown payment method: %(method)s") % {"method": method})
    if not is_minor_amount(amount_minor, positive=True):
        raise DuesError(_("The amount must be a positive whole number of minor units."))
    balance = invoice.amount_minor - invoice.paid_minor()
    if amount_minor > balance:
        raise DuesError(
            _("Invoice %(number)s has %(balance)s left to pay; %(amount)s is more.")
            % {
                "number": invoice.number,
                "balance": format_money(balance, invoice.currency),
                "amount": format_money(amount_minor, invoice.currency),
            }
        )
    if received_on > today:
        raise DuesError(_("A payment cannot be received in the future."))
    payment = Payment.objects.create(
        invoice=invoice,
        amount_minor=amount_minor,
        method=method,
        reference=reference.strip()[:120],
        received_on=received_on,
        recorded_by=actor,
    )
    on_payment(payment)
    membership = invoice.membership
    if amount_minor == balance:
        invoice.status = Invoice.Status.PAID
        invoice.paid_on = received_on
        invoice.save(update_fields=["status", "paid_on"])
        if invoice.kind == Invoice.Kind.DUES and invoice.period_end is not None:
            membership = Membership.objects.select_for_update().get(pk=membership.pk)
            if membership.expires_on is None or invoice.period_end > membership.expires_on:
                membership.expires_on = invoice.period_end
                membership.save(update_fields=["expires_on", "updated_at"])
    record(
        actor,
        "dues.payment.recorded",
        payment,
        {"invoice": invoice.pk, "amount_minor": amount_minor, "method": method},
    )
    notify(
        membership.user,
        "dues.payment_recorded",
        _params(
            membership,
            number=invoice.number,
            amount=format_money(amount_minor, invoice.currency),
        ),
        url=f"/groups/{invoice.group.slug}/dues/",
    )
    _store_standing(membership, today, actor=actor)
    return payment


@transaction.atomic
def void_invoice(invoice: Invoice, *, actor: User, reason: str) -> Invoice:
    _require_treasurer(actor, invoice.group)
    if invoice.status != Invoice.Status.ISSUED:
        raise DuesError(_("Only an unpaid invoice can be voided."))
    if invoice.payments.exists():
        raise DuesError(_("This invoice has payments: it cannot be voided."))
    if not reason.strip():
        raise DuesError(_("Say why the invoice is void."))
    invoice.status = Invoice.Status.VOID
    invoice.void_reason = reason.strip()[:200]
    invoice.save(update_fields=["status", "void_reason"])
    record(actor, "dues.invoice.voided", invoice, {"reason": invoice.void_reason})
    return invoice


@transaction.atomic
def set_auto_renew(membership: Membership, *, actor: User, on: bool) -> Membership:
    if membership.user_id != actor.pk:
        raise DuesError(_("Only the member may change their automatic renewal."))
    membership.auto_renew = on
    membership.save(update_fields=["auto_renew", "updated_at"])
    record(actor, "dues.membership.auto_renew", membership, {"on": on})
    return membership


@transaction.atomic
def set_tier(membership: Membership, *, actor: User, tier: Tier | None) -> Membership:
    """Move a member to another tier (None: no dues). It applies from the next invoice."""
    _require_treasurer(actor, membership.group)
    if tier is not None and tier.group_id != membership.group_id:
        raise DuesError(_("That tier belongs to another group."))
    previous = membership.tier_id
    membership.tier = tier
    membership.save(update_fields=["tier", "updated_at"])
    record(
        actor,
        "dues.membership.tier_changed",
        membership,
        {"from": previous, "to": tier.pk if tier else None},
    )
    today = timezone.localdate()
    if tier is None:
        # No dues from now on: unpaid dues bills without payments are dropped with the tier.
        Invoice.objects.filter(
            membership=membership,
            kind=Invoice.Kind.DUES,
            status=Invoice.Status.ISSUED,
            payments__isnull=True,
        ).update(status=Invoice.Status.VOID, void_reason="no dues")
    if tier is not None and membership.is_active and membership.expires_on is None:
        # A member who owed nothing so far gets their first period to pay (no joining fee:
        # they are a member already); without it they would be pending with nothing to pay.
        billed = Invoice.objects.filter(membership=membership, kind=Invoice.Kind.DUES)
        if not billed.exclude(status=Invoice.Status.VOID).exists():
            due = today + datetime.timedelta(days=FIRST_INVOICE_DAYS)
            _dues_invoice(
                membership, tier.period_from(today), issued_on=today, due_on=due, actor=actor
            )
    _store_standing(membership, today, actor=actor, quiet=True)
    return membership


def _store_standing(
    membership: Membership, today: datetime.date, *, actor: User | None, quiet: bool = False
) -> bool:
    """Save what the engine says about ``membership`` today; on a change, audit it and tell
    the member (once per change: notice keys carry the paid-up date). True if it changed."""
    now = membership.standing_on(today)
    if now == membership.standing:
        return False
    previous = membership.standing
    membership.standing = now
    membership.save(update_fields=["standing", "updated_at"])
    record(
        actor,
        "dues.membership.standing_changed",
        membership,
        {"from": previous, "to": now, "day": today.isoformat()},
    )
    if quiet:
        return True
    expires = membership.expires_on
    url = f"/groups/{membership.group.slug}/dues/"
    if now == Membership.Standing.GRACE and expires is not None:
        until = expires + datetime.timedelta(days=membership.group.rules.grace_days)
        notify(
            membership.user,
            "dues.grace",
            _params(membership, date=expires.isoformat(), until=until.isoformat()),
            url=url,
            key=f"dues.grace:{membership.pk}:{expires.isoformat()}",
        )
    elif now == Membership.Standing.LAPSED and expires is not None:
        lapsed_on = expires + datetime.timedelta(days=membership.group.rules.grace_days + 1)
        notify(
            membership.user,
            "dues.lapsed",
            _params(membership, date=lapsed_on.isoformat()),
            url=url,
            key=f"dues.lapsed:{membership.pk}:{expires.isoformat()}",
        )
    elif (
        now == Membership.Standing.ACTIVE
        and previous
        in (
            Membership.Standing.PENDING,
            Membership.Standing.GRACE,
            Membership.Standing.LAPSED,
        )
        and expires is not None
    ):
        notify(
            membership.user,
            "dues.reinstated",
            _params(membership, date=expires.isoformat()),
            url=url,
            key=f"dues.active:{membership.pk}:{expires.isoformat()}",
        )
    return True


def _remind(membership: Membership, today: datetime.date) -> int:
    """Renewal reminders from the start of the renewal window; members who renew
    automatically get a warning instead, at least a week ahead. Once per paid-up date."""
    expires = membership.expires_on
    tier = membership.tier
    if expires is None or tier is None or today > expires:
        return 0
    window = membership.group.rules.renewal_window_days
    if membership.auto_renew:
        window = max(window, AUTO_RENEW_WARNING_DAYS)
    if today < expires - datetime.timedelta(days=window):
        return 0
    kind = "dues.auto_renew_warning" if membership.auto_renew else "dues.renewal_reminder"
    sent = notify(
        membership.user,
        kind,
        _params(
            membership,
            date=expires.isoformat(),
            amount=format_money(tier.dues_minor, membership.group.currency),
        ),
        url=f"/groups/{membership.group.slug}/dues/",
        key=f"{kind}:{membership.pk}:{expires.isoformat()}",
    )
    return 1 if sent else 0


def _auto_renew(membership: Membership, today: datetime.date) -> int:
    """On the expiry day, bill the next period for members who renew automatically — only
    if they were warned on an earlier day, so nobody is billed by surprise."""
    expires = membership.expires_on
    if not membership.auto_renew or membership.tier is None or expires is None:
        return 0
    if today < expires or membership.standing_on(today) == Membership.Standing.LAPSED:
        return 0
    from cerchia.notices.models import Notice

    warned = Notice.objects.filter(
        key=f"dues.auto_renew_warning:{membership.pk}:{expires.isoformat()}",
        kind="dues.auto_renew_warning",
        created_at__date__lt=today,
    ).exists()
    if not warned:
        return 0
    start = expires + datetime.timedelta(days=1)
    if Invoice.objects.filter(
        membership=membership, kind=Invoice.Kind.DUES, period_start=start
    ).exists():
        return 0  # billed already (or billed and voided: a person decided)
    _dues_invoice(
        membership,
        _renewal_period(membership, today),
        issued_on=today,
        due_on=max(today, expires),
        actor=None,
    )
    return 1


def run_daily_dues(today: datetime.date) -> dict[str, int]:
    """The dues part of the daily job: reminders, automatic renewals, standings."""
    summary = {"reminders": 0, "renewals": 0, "standing_changes": 0}
    memberships = (
        Membership.objects.filter(status=Membership.Status.ACTIVE)
        .select_related("group__parent__parent", "tier", "user")
        .order_by("pk")
    )
    for membership in memberships.iterator(chunk_size=500):
        with transaction.atomic():
            summary["reminders"] += _remind(membership, today)
            summary["renewals"] += _auto_renew(membership, today)
            summary["standing_changes"] += int(_store_standing(membership, today, actor=None))
    # Rows that stopped being members keep a standing that says so.
    for status, standing in (
        (Membership.Status.LEFT, Membership.Standing.RESIGNED),
        (Membership.Status.TERMINATED, Membership.Standing.TERMINATED),
    ):
        summary["standing_changes"] += (
            Membership.objects.filter(status=status)
            .exclude(standing=standing)
            .update(standing=standing)
        )
    return summary
