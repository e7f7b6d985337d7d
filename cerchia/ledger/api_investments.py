"""Ledger API: investments — the money and hours a person put into networking. Each person
sees only their own; amounts are integer minor units with their currency, hours a decimal
string ("1.50")."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from cerchia.api.pagination import page
from cerchia.groups.models import Group
from cerchia.ledger import services
from cerchia.ledger.access import access_investment
from cerchia.ledger.models import Investment
from cerchia.ledger.selectors_ledger import check_range, investment_groups, investments_of
from cerchia.lib.http import ApiRequest

router = Router(tags=["investments"])


class InvestmentOut(Schema):
    id: int
    group: int | None
    kind: str
    amount_minor: int
    currency: str
    hours: str
    spent_on: datetime.date
    notes: str
    automatic: bool

    @staticmethod
    def resolve_group(obj: Investment) -> int | None:
        return obj.group_id

    @staticmethod
    def resolve_hours(obj: Investment) -> str:
        return f"{obj.hours:.2f}"


class InvestmentPage(Schema):
    items: list[InvestmentOut]
    count: int


class InvestmentIn(Schema):
    kind: str  # travel, meals, materials, online_hours, preparation, other
    group_id: int | None = None  # none: the informal network
    amount_minor: int = 0
    currency: str = ""  # default: the group's currency
    hours: Decimal = Decimal("0")
    spent_on: datetime.date | None = None  # default: today
    notes: str = ""


def _own_group(user: Any, group_id: int | None) -> Group | None:
    if group_id is None:
        return None
    group = next((g for g in investment_groups(user) if g.pk == group_id), None)
    if group is None:
        raise services.LedgerError(
            _("You are not an active member of group %(id)s.") % {"id": group_id}
        )
    return group


class InvestmentFilters(Schema):
    group_id: int | None = None
    kind: str = ""
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")
    limit: int = 50
    offset: int = 0


@router.get(
    "/investments",
    response=InvestmentPage,
    summary="My investments, newest first; filter by group_id, from, to (inclusive), kind",
)
def list_investments(request: ApiRequest, filters: Query[InvestmentFilters]) -> dict[str, Any]:
    check_range(filters.date_from, filters.date_to)
    kind = filters.kind
    if kind and kind not in Investment.Kind.values:
        raise services.LedgerError(_("Unknown kind of investment: %(kind)s") % {"kind": kind})
    qs = investments_of(
        request.auth,
        group_id=filters.group_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
        kind=kind,
    )
    items, count = page(qs, filters.limit, filters.offset)
    return {"items": items, "count": count}


@router.post(
    "/investments",
    response={201: InvestmentOut},
    summary="Record money or hours spent on networking by hand",
)
def create_investment(request: ApiRequest, payload: InvestmentIn) -> Status[Investment]:
    investment = services.record_investment(
        request.auth,
        kind=payload.kind,
        group=_own_group(request.auth, payload.group_id),
        amount_minor=payload.amount_minor,
        currency=payload.currency,
        hours=payload.hours,
        spent_on=payload.spent_on,
        notes=payload.notes,
    )
    return Status(201, investment)


@router.get("/investments/{investment_id}", response=InvestmentOut, summary="One investment")
def get_investment(request: ApiRequest, investment_id: int) -> Investment:
    return access_investment(request.auth, investment_id)


@router.delete(
    "/investments/{investment_id}",
    response={204: None},
    summary="Remove an investment entered by hand (automatic ones follow their source)",
)
def delete_investment(request: ApiRequest, investment_id: int) -> Status[None]:
    investment = access_investment(request.auth, investment_id)
    services.delete_investment(investment, actor=request.auth)
    return Status(204, None)
