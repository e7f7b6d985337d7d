"""Referral slips and closed business in the API. The prospect's details (and the slip's
notes) go to the giver and the receiver only: a group's leader reads them as null, and a
confidential slip is not found at all by anyone else."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from cerchia.accounts.models import User
from cerchia.api.pagination import page
from cerchia.groups.access import access_group
from cerchia.groups.models import Group, Membership
from cerchia.ledger import services
from cerchia.ledger.access import access_referral
from cerchia.ledger.forms_referrals import LEADER_CHANGES
from cerchia.ledger.models import ClosedBusiness, Referral, WeekClose
from cerchia.ledger.selectors_referrals import (
    closed_business_for,
    passable_users,
    referrals_for,
)
from cerchia.lib.http import ApiRequest

router = Router(tags=["referrals"])

# Shown to the giver and the receiver only.
PRIVATE_FIELDS = (
    "prospect_name",
    "prospect_company",
    "prospect_email",
    "prospect_phone",
    "notes",
    "lost_reason",
    "receiver_email",
)


class StepOut(Schema):
    status: str
    note: str
    by: int | None
    at: datetime.datetime


class ReferralOut(Schema):
    id: int
    group: int | None
    giver: int
    receiver: int | None
    receiver_name: str
    kind: str
    temperature: int
    status: str
    confidential: bool
    given_on: datetime.date
    created_at: datetime.datetime
    updated_at: datetime.datetime
    prospect_name: str | None
    prospect_company: str | None
    prospect_email: str | None
    prospect_phone: str | None
    notes: str | None
    lost_reason: str | None
    receiver_email: str | None


class ReferralDetailOut(ReferralOut):
    steps: list[StepOut] | None  # the pipeline's history, for the two parties


class ReferralPage(Schema):
    items: list[ReferralOut]
    count: int


class ReferralFilter(Schema):
    group_id: int | None = None
    direction: Literal["", "given", "received"] = ""
    status: str = ""
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")
    limit: int = 50
    offset: int = 0


class ReferralIn(Schema):
    prospect_name: str
    receiver_id: int | None = None
    receiver_name: str = ""  # someone without an account (instead of receiver_id)
    receiver_email: str = ""
    group_id: int | None = None  # none: outside any group (the informal network)
    kind: str = Referral.Kind.OUTSIDE
    prospect_company: str = ""
    prospect_email: str = ""
    prospect_phone: str = ""
    temperature: int = 3
    notes: str = ""
    confidential: bool = False
    given_on: datetime.date | None = None  # today when left out


class ReferralPatch(Schema):
    kind: str | None = None
    prospect_name: str | None = None
    prospect_company: str | None = None
    prospect_email: str | None = None
    prospect_phone: str | None = None
    temperature: int | None = None
    notes: str | None = None
    confidential: bool | None = None
    # Move it along the pipeline: contacted, meeting, proposal, won or lost (with a reason).
    status: str | None = None
    lost_reason: str = ""
    note: str = ""


class ClosedOut(Schema):
    id: int
    referral: int | None
    group: int | None
    giver: int
    receiver: int
    amount_minor: int
    currency: str
    kind: str
    closed_on: datetime.date
    notes: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_referral(obj: ClosedBusiness) -> int | None:
        return obj.referral_id

    @staticmethod
    def resolve_group(obj: ClosedBusiness) -> int | None:
        return obj.group_id

    @staticmethod
    def resolve_giver(obj: ClosedBusiness) -> int:
        return obj.giver_id

    @staticmethod
    def resolve_receiver(obj: ClosedBusiness) -> int:
        return obj.receiver_id


class ClosedPage(Schema):
    items: list[ClosedOut]
    count: int


class ClosedFilter(Schema):
    group_id: int | None = None
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")
    limit: int = 50
    offset: int = 0


class ClosedIn(Schema):
    amount_minor: int
    currency: str = ""  # the group's currency when left out
    kind: str = ClosedBusiness.Kind.NEW
    closed_on: datetime.date | None = None
    notes: str = ""


class ThanksIn(ClosedIn):
    giver_id: int  # the person thanked
    group_id: int | None = None


class WeekCloseIn(Schema):
    day: datetime.date


class WeekCloseOut(Schema):
    group: int
    week_start: datetime.date
    closed_by: int | None
    closed_at: datetime.datetime

    @staticmethod
    def resolve_group(obj: WeekClose) -> int:
        return obj.group_id

    @staticmethod
    def resolve_closed_by(obj: WeekClose) -> int | None:
        return obj.closed_by_id


def _shown(referral: Referral, *, party: bool, steps: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": referral.pk,
        "group": referral.group_id,
        "giver": referral.giver_id,
        "receiver": referral.receiver_id,
        "receiver_name": referral.receiver_name,
        "kind": referral.kind,
        "temperature": referral.temperature,
        "status": referral.status,
        "confidential": referral.confidential,
        "given_on": referral.given_on,
        "created_at": referral.created_at,
        "updated_at": referral.updated_at,
    }
    for name in PRIVATE_FIELDS:
        out[name] = getattr(referral, name) if party else None
    if steps:
        out["steps"] = (
            [
                {"status": s.status, "note": s.note, "by": s.by_id, "at": s.at}
                for s in referral.steps.all()
            ]
            if party
            else None
        )
    return out


def _person(user: User, person_id: int, role: str, group: Group | None) -> User:
    """Someone ``user`` may pass a slip to or thank — in ``group``, an active member of it —
    with the same answer whether the id does not exist or belongs to a stranger, so the API
    does not tell who has an account (nor, in an error, their name)."""
    if group is not None:
        in_group = Membership.objects.active().filter(group=group, user_id=person_id)
        found = User.objects.filter(pk__in=in_group.values("user_id"), is_active=True).first()
    else:
        found = passable_users(user).filter(pk=person_id).first()
    if found is None:
        raise services.LedgerError(
            _(
                "Unknown %(role)s %(id)s: choose someone you share a group with, a connection "
                "or someone you met."
            )
            % {"role": role, "id": person_id}
        )
    return found


def _my_group(user: User, group_id: int | None) -> Group | None:
    if group_id is None:
        return None
    mine = Membership.objects.active().filter(user=user).values("group_id")
    group = Group.objects.filter(pk=group_id, pk__in=mine).first()
    if group is None:
        raise services.LedgerError(
            _("No group %(id)s among the groups you are an active member of.") % {"id": group_id}
        )
    return group


def _detail(request: ApiRequest, referral_id: int) -> dict[str, Any]:
    access = access_referral(request.auth, referral_id)
    return _shown(access.referral, party=access.party, steps=True)


@router.get("/referrals", response=ReferralPage, summary="The referrals I gave and received")
def list_referrals(request: ApiRequest, filters: Query[ReferralFilter]) -> dict[str, Any]:
    if filters.status and filters.status not in Referral.Status.values:
        raise services.LedgerError(_("Unknown status: %(status)s") % {"status": filters.status})
    qs = referrals_for(
        request.auth,
        group_id=filters.group_id,
        direction=filters.direction,
        status=filters.status,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    items, count = page(qs, filters.limit, filters.offset)
    return {"items": [_shown(r, party=True) for r in items], "count": count}


@router.post(
    "/referrals",
    response={201: ReferralDetailOut},
    summary="Pass a referral: to a person (receiver_id) or someone without an account "
    "(receiver_name); the receiver sees it at once",
)
def create_referral(request: ApiRequest, payload: ReferralIn) -> Status[dict[str, Any]]:
    user = request.auth
    if payload.receiver_id is not None and payload.receiver_name.strip():
        raise services.LedgerError(_("Give receiver_id or receiver_name, not both."))
    group = _my_group(user, payload.group_id)
    receiver = (
        _person(user, payload.receiver_id, _("receiver"), group)
        if payload.receiver_id is not None
        else None
    )
    data = payload.dict(exclude={"receiver_id", "group_id"})
    referral = services.record_referral(user, receiver=receiver, group=group, **data)
    # The giver is a party: the slip as written, without looking it up again.
    return Status(201, _shown(referral, party=True, steps=True))


@router.get(
    "/referrals/{referral_id}",
    response=ReferralDetailOut,
    summary="A referral: everything for the giver and the receiver; a leader of its group "
    "sees it without the prospect",
)
def get_referral(request: ApiRequest, referral_id: int) -> dict[str, Any]:
    return _detail(request, referral_id)


@router.patch(
    "/referrals/{referral_id}",
    response=ReferralDetailOut,
    summary="Correct a slip (the giver until its week is closed, leaders after) and/or move it "
    "along the pipeline (the receiver)",
)
def patch_referral(request: ApiRequest, referral_id: int, payload: ReferralPatch) -> dict[str, Any]:
    access = access_referral(request.auth, referral_id)
    sent = payload.dict(exclude_unset=True)
    move = sent.pop("status", None)
    lost_reason, note = sent.pop("lost_reason", ""), sent.pop("note", "")
    changes = {k: v for k, v in sent.items() if v is not None}
    if not access.party and set(changes) - set(LEADER_CHANGES):
        raise PermissionDenied(
            _("Only the giver and the receiver change the prospect's details or the notes.")
        )
    if not changes and move is None:
        raise services.LedgerError(_("Nothing to change: send slip fields or a status."))
    with transaction.atomic():
        referral = access.referral
        if changes:
            referral = services.update_referral(referral, actor=request.auth, changes=changes)
        if move is not None:
            services.advance_referral(
                referral, actor=request.auth, status=move, note=note, lost_reason=lost_reason
            )
    return _detail(request, referral_id)


@router.post(
    "/referrals/{referral_id}/closed-business",
    response={201: ClosedOut},
    summary="Record closed business against a referral (its receiver); the referral is won",
)
def create_closed_for_referral(
    request: ApiRequest, referral_id: int, payload: ClosedIn
) -> Status[ClosedBusiness]:
    referral = access_referral(request.auth, referral_id).referral
    closed = services.record_closed_business(request.auth, referral=referral, **payload.dict())
    return Status(201, closed)


@router.get(
    "/closed-business",
    response=ClosedPage,
    summary="Closed business I recorded or was thanked for",
)
def list_closed_business(request: ApiRequest, filters: Query[ClosedFilter]) -> dict[str, Any]:
    qs = closed_business_for(
        request.auth,
        group_id=filters.group_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    items, count = page(qs, filters.limit, filters.offset)
    return {"items": items, "count": count}


@router.post(
    "/closed-business",
    response={201: ClosedOut},
    summary="Thank someone (giver_id) for business not tied to one referral",
)
def create_thanks(request: ApiRequest, payload: ThanksIn) -> Status[ClosedBusiness]:
    user = request.auth
    group = _my_group(user, payload.group_id)
    giver = _person(user, payload.giver_id, _("person"), group)
    data = payload.dict(exclude={"giver_id", "group_id"})
    return Status(201, services.record_closed_business(user, giver=giver, group=group, **data))


@router.post(
    "/groups/{group_id}/weeks/close",
    response={201: WeekCloseOut},
    summary="Close a week of a chapter's slips (its leaders): read-only except to leaders",
)
def close_week(request: ApiRequest, group_id: int, payload: WeekCloseIn) -> Status[WeekClose]:
    group = access_group(request.auth, group_id)
    if not services.is_leader(request.auth, group):
        raise PermissionDenied(_("Only the group's leaders close a week."))
    return Status(201, services.close_week(group, actor=request.auth, day=payload.day))
