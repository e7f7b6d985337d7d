"""Dues in the API: tiers, invoices, payments, renewal and standing. Amounts are integer
minor units (cents) with their currency."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cerchia.api.auth import OPTIONAL
from cerchia.api.pagination import page
from cerchia.dues import services
from cerchia.dues.access import access_dues, access_dues_group, access_invoice, access_tier
from cerchia.dues.models import Invoice, Payment, Tier
from cerchia.dues.selectors import (
    DuesSummary,
    dues_summary,
    invoice_list,
    my_invoices,
    with_paid,
)
from cerchia.groups.access import Rights, rights_in
from cerchia.groups.models import Membership
from cerchia.lib.http import ApiRequest

router = Router(tags=["dues"])

InvoiceFilter = Literal["", "issued", "overdue", "paid", "void"]


class TierOut(Schema):
    id: int
    group: int
    name: str
    dues_minor: int
    joining_fee_minor: int
    currency: str
    period: str
    term: str
    benefits: str
    listing: str
    offered: bool
    position: int

    @staticmethod
    def resolve_group(obj: Tier) -> int:
        return obj.group_id


class TierPage(Schema):
    items: list[TierOut]
    count: int


class TierIn(Schema):
    name: str
    dues_minor: int
    period: str  # month, quarter, year
    joining_fee_minor: int = 0
    term: str = "rolling"  # rolling, fixed
    benefits: str = ""
    listing: str = "basic"  # basic, enhanced
    offered: bool = True
    position: int = 0


class TierPatch(Schema):
    name: str | None = None
    dues_minor: int | None = None
    period: str | None = None
    joining_fee_minor: int | None = None
    term: str | None = None
    benefits: str | None = None
    listing: str | None = None
    offered: bool | None = None
    position: int | None = None


class PaymentOut(Schema):
    id: int
    amount_minor: int
    method: str
    reference: str
    received_on: datetime.date


class InvoiceOut(Schema):
    id: int
    group: int
    membership: int
    member: int
    number: str
    kind: str
    description: str
    tier: int | None
    amount_minor: int
    paid_minor: int
    balance_minor: int
    currency: str
    period_start: datetime.date | None
    period_end: datetime.date | None
    issued_on: datetime.date
    due_on: datetime.date
    status: str
    paid_on: datetime.date | None
    void_reason: str
    payments: list[PaymentOut]

    @staticmethod
    def resolve_group(obj: Invoice) -> int:
        return obj.group_id

    @staticmethod
    def resolve_membership(obj: Invoice) -> int:
        return obj.membership_id

    @staticmethod
    def resolve_member(obj: Invoice) -> int:
        return obj.membership.user_id

    @staticmethod
    def resolve_tier(obj: Invoice) -> int | None:
        return obj.tier_id

    @staticmethod
    def resolve_paid_minor(obj: Invoice) -> int:
        return _paid(obj)

    @staticmethod
    def resolve_balance_minor(obj: Invoice) -> int:
        return obj.amount_minor - _paid(obj)

    @staticmethod
    def resolve_payments(obj: Invoice) -> list[Payment]:
        return list(obj.payments.all())


def _paid(invoice: Invoice) -> int:
    """What was paid: the list's SQL total where it was annotated, else counted now."""
    paid = getattr(invoice, "paid_total", None)
    return paid if paid is not None else invoice.paid_minor()


class InvoicePage(Schema):
    items: list[InvoiceOut]
    count: int


class FeeIn(Schema):
    membership: int
    amount_minor: int
    description: str
    due_on: datetime.date


class PaymentIn(Schema):
    amount_minor: int
    method: str  # cash, bank_transfer, card_elsewhere
    reference: str = ""
    received_on: datetime.date | None = None  # today when left out


class VoidIn(Schema):
    reason: str


class AutoRenewIn(Schema):
    on: bool


class MemberTierIn(Schema):
    tier: int | None  # null: no dues


class StandingOut(Schema):
    group: int
    membership: int
    tier: TierOut | None
    standing: str
    expires_on: datetime.date | None
    grace_until: datetime.date | None
    renewal_opens_on: datetime.date | None
    in_good_standing: bool
    auto_renew: bool
    can_renew: bool


def _standing(summary: DuesSummary) -> dict[str, Any]:
    membership = summary.membership
    return {
        "group": membership.group_id,
        "membership": membership.pk,
        "tier": membership.tier,
        "standing": summary.standing,
        "expires_on": summary.expires_on,
        "grace_until": summary.grace_until,
        "renewal_opens_on": summary.renewal_opens_on,
        "in_good_standing": summary.in_good_standing,
        "auto_renew": membership.auto_renew,
        "can_renew": summary.can_renew,
    }


def _own(rights: Rights) -> Membership:
    """The caller's own active membership of the group (403 for its administrators from a
    group above, who have none)."""
    if not rights.active_member or rights.membership is None:
        raise PermissionDenied(_("Only members of this group have dues here."))
    rights.membership.group = rights.group
    return rights.membership


def _treasurer(rights: Rights) -> None:
    if not rights.treasurer:
        raise PermissionDenied(_("Only the group's treasurer or administrators may do this."))


def _reloaded(invoice: Invoice) -> Invoice:
    """The invoice as the lists show it, after a change (payments, totals)."""
    found = with_paid(
        Invoice.objects.filter(pk=invoice.pk)
        .select_related("membership", "tier")
        .prefetch_related("payments")
    ).first()
    if found is None:  # pragma: no cover - just written in this transaction
        raise Http404(_("No such invoice"))
    return found


@router.get(
    "/groups/{group_id}/tiers",
    response=TierPage,
    auth=OPTIONAL,
    summary="A group's membership tiers: the offered ones; all of them for administrators",
)
def list_tiers(request: ApiRequest, group_id: int) -> dict[str, Any]:
    group = access_dues_group(request.auth, group_id)
    tiers = Tier.objects.filter(group=group).select_related("group")
    if not rights_in(request.auth, group).manager:
        tiers = tiers.filter(offered=True)
    items = list(tiers)
    return {"items": items, "count": len(items)}


@router.post(
    "/groups/{group_id}/tiers",
    response={201: TierOut},
    summary="Add a membership tier (administrators)",
)
def create_tier(request: ApiRequest, group_id: int, payload: TierIn) -> Status[Tier]:
    group = access_dues_group(request.auth, group_id, write=True)
    return Status(201, services.create_tier(group, actor=request.auth, **payload.dict()))


@router.patch(
    "/groups/{group_id}/tiers/{tier_id}",
    response=TierOut,
    summary="Change a tier (administrators); new dues apply from each member's next invoice",
)
def patch_tier(request: ApiRequest, group_id: int, tier_id: int, payload: TierPatch) -> Tier:
    tier = access_tier(request.auth, group_id, tier_id)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    return services.update_tier(tier, actor=request.auth, changes=changes)


@router.get("/invoices", response=InvoicePage, summary="My invoices in every group")
def list_my_invoices(
    request: ApiRequest, status: InvoiceFilter = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    qs = my_invoices(request.auth).select_related("membership")
    if status == "overdue":
        qs = qs.filter(status=Invoice.Status.ISSUED, due_on__lt=timezone.localdate())
    elif status:
        qs = qs.filter(status=status)
    items, count = page(with_paid(qs), limit, offset)
    return {"items": items, "count": count}


@router.get(
    "/groups/{group_id}/invoices",
    response=InvoicePage,
    summary="A group's invoices: all for its treasurer and administrators, my own for a member",
)
def list_group_invoices(
    request: ApiRequest,
    group_id: int,
    status: InvoiceFilter = "",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    rights = access_dues(request.auth, group_id)
    items, count = page(invoice_list(rights, status=status), limit, offset)
    return {"items": items, "count": count}


@router.post(
    "/groups/{group_id}/invoices",
    response={201: InvoiceOut},
    summary="Bill a member another fee (treasurer and administrators)",
)
def bill_fee(request: ApiRequest, group_id: int, payload: FeeIn) -> Status[Invoice]:
    rights = access_dues(request.auth, group_id)
    _treasurer(rights)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), group=rights.group, pk=payload.membership
    )
    membership.group = rights.group
    invoice = services.bill_fee(
        membership,
        actor=request.auth,
        amount_minor=payload.amount_minor,
        description=payload.description,
        due_on=payload.due_on,
    )
    return Status(201, _reloaded(invoice))


@router.post(
    "/groups/{group_id}/invoices/{invoice_id}/payments",
    response={201: InvoiceOut},
    summary="Record a payment on an invoice (treasurer and administrators); returns the invoice",
)
def record_payment(
    request: ApiRequest, group_id: int, invoice_id: int, payload: PaymentIn
) -> Status[Invoice]:
    rights = access_dues(request.auth, group_id)
    invoice = access_invoice(rights, invoice_id, write=True)
    services.record_payment(invoice, actor=request.auth, **payload.dict())
    return Status(201, _reloaded(invoice))


@router.post(
    "/groups/{group_id}/invoices/{invoice_id}/void",
    response=InvoiceOut,
    summary="Void an unpaid invoice, saying why (treasurer and administrators)",
)
def void_invoice(request: ApiRequest, group_id: int, invoice_id: int, payload: VoidIn) -> Invoice:
    rights = access_dues(request.auth, group_id)
    invoice = access_invoice(rights, invoice_id, write=True)
    services.void_invoice(invoice, actor=request.auth, reason=payload.reason)
    return _reloaded(invoice)


@router.post(
    "/groups/{group_id}/renewal",
    response={201: InvoiceOut},
    summary="Renew my membership: bills the next period (from when the renewal window opens)",
)
def renew(request: ApiRequest, group_id: int) -> Status[Invoice]:
    own = _own(access_dues(request.auth, group_id))
    return Status(201, _reloaded(services.renew(own, actor=request.auth)))


@router.put(
    "/groups/{group_id}/auto-renew",
    response=StandingOut,
    summary="Turn my automatic renewal on or off",
)
def put_auto_renew(request: ApiRequest, group_id: int, payload: AutoRenewIn) -> dict[str, Any]:
    own = _own(access_dues(request.auth, group_id))
    services.set_auto_renew(own, actor=request.auth, on=payload.on)
    return _standing(dues_summary(own))


@router.get(
    "/groups/{group_id}/standing",
    response=StandingOut,
    summary="My tier, standing and dates in a group",
)
def get_standing(request: ApiRequest, group_id: int) -> dict[str, Any]:
    own = _own(access_dues(request.auth, group_id))
    return _standing(dues_summary(own))


@router.put(
    "/groups/{group_id}/members/{membership_id}/tier",
    response=StandingOut,
    summary="Move a member to another tier, or none (treasurer and administrators)",
)
def put_member_tier(
    request: ApiRequest, group_id: int, membership_id: int, payload: MemberTierIn
) -> dict[str, Any]:
    rights = access_dues(request.auth, group_id)
    _treasurer(rights)
    membership = get_object_or_404(
        Membership.objects.select_related("tier"), group=rights.group, pk=membership_id
    )
    membership.group = rights.group
    tier = (
        get_object_or_404(Tier, group=rights.group, pk=payload.tier)
        if payload.tier is not None
        else None
    )
    services.set_tier(membership, actor=request.auth, tier=tier)
    return _standing(dues_summary(membership))
