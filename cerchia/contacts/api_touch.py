"""Stay in touch and introductions in the API. Contact routes start from the caller's own
contacts and introductions from their owner or member sides: any other id is the same 404,
whoever asks. A member side sees the introducer and the reason, and the other side's details
only once both accepted."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cerchia.accounts.models import User
from cerchia.api.pagination import page
from cerchia.contacts.access import access_contact
from cerchia.contacts.errors import ContactsError
from cerchia.contacts.interactions import (
    fading,
    log_interaction,
    losing_touch,
    set_stay_in_touch,
    snooze_contact,
)
from cerchia.contacts.introductions import (
    IntroductionAccess,
    access_introduction,
    answer_introduction,
    introduce,
    introducer_name,
    introductions_made,
    introductions_to,
    record_outcome,
    side_name,
    side_view,
    withdraw_introduction,
)
from cerchia.contacts.models import Contact, Interaction, Introduction
from cerchia.contacts.referrals import refer_from_contact
from cerchia.lib.http import ApiRequest

router = Router(tags=["stay in touch and introductions"])


# --- schemas ------------------------------------------------------------------------------


class InteractionOut(Schema):
    id: int
    contact_id: int
    kind: str
    happened_on: datetime.date
    note: str
    source: str
    url: str  # where the ledger fact or introduction it came from lives ("" by hand)

    @staticmethod
    def resolve_url(obj: Interaction) -> str:
        return obj.source_url


class InteractionPage(Schema):
    items: list[InteractionOut]
    count: int


class InteractionIn(Schema):
    kind: str
    happened_on: datetime.date | None = None  # default: today
    note: str = ""


class TouchOut(Schema):
    contact_id: int
    name: str
    closeness: int
    stay_in_touch_days: int | None
    last_interaction_on: datetime.date | None
    snoozed_until: datetime.date | None
    due_on: datetime.date | None
    url: str


class DueOut(TouchOut):
    overdue_days: int
    days_since: int | None


class LosingTouchOut(Schema):
    items: list[DueOut]
    count: int
    fading: list[TouchOut]  # no interval, last contact 30–45 days ago


class IntervalIn(Schema):
    days: int | None  # null: no more reminders


class SnoozeIn(Schema):
    until: datetime.date | None  # null: end the snooze


class ReferralIn(Schema):
    role: Literal["prospect", "receiver"]
    receiver_member_id: int | None = None  # role prospect: to a member I know...
    receiver_contact_id: int | None = None  # ... or to another of my contacts...
    receiver_name: str = ""  # ... or to someone by name
    receiver_email: str = ""
    prospect_name: str = ""  # role receiver: whom I referred to the contact
    prospect_company: str = ""
    prospect_email: str = ""
    prospect_phone: str = ""
    temperature: int = 3
    notes: str = ""
    given_on: datetime.date | None = None


class ReferralOut(Schema):
    id: int
    group: int | None
    prospect_name: str
    receiver: int | None
    receiver_name: str
    given_on: datetime.date
    url: str


class DetailsOut(Schema):
    name: str
    emails: list[str]
    phones: list[str]
    company: str


class SideOut(Schema):
    contact_id: int | None
    member_id: int | None
    name: str
    answer: str


class IntroductionOut(Schema):
    """``role`` says whose view this is. The owner sees both sides (``a``, ``b``) and the
    outcome; a side sees its own answer and, once both accepted, ``other``."""

    id: int
    role: Literal["owner", "a", "b"]
    introducer: str
    reason: str
    status: str
    created_at: datetime.datetime
    a: SideOut | None = None
    b: SideOut | None = None
    close_tie_warned: bool | None = None
    outcome: str | None = None
    outcome_note: str | None = None
    outcome_on: datetime.date | None = None
    my_answer: str | None = None
    other: DetailsOut | None = None
    url: str


class IntroductionPage(Schema):
    items: list[IntroductionOut]
    count: int


class IntroductionIn(Schema):
    a_contact_id: int | None = None
    a_member_id: int | None = None
    b_contact_id: int | None = None
    b_member_id: int | None = None
    reason: str
    confirm_close_tie: bool = False  # needed when either side is a close tie


class AnswerIn(Schema):
    accept: bool


class OutcomeIn(Schema):
    outcome: Literal["good", "neutral", "bad"]
    note: str = ""
    on: datetime.date | None = None  # default: today


# --- helpers ------------------------------------------------------------------------------


def _touch_row(contact: Contact) -> dict[str, Any]:
    return {
        "contact_id": contact.pk,
        "name": contact.name,
        "closeness": contact.closeness,
        "stay_in_touch_days": contact.stay_in_touch_days,
        "last_interaction_on": contact.last_interaction_on,
        "snoozed_until": contact.snoozed_until,
        "due_on": contact.touch_due_on(),
        "url": f"/contacts/{contact.pk}/",
    }


def _member(user_id: int) -> User:
    """A member named by id, as a 400 rather than a 404: whether an account exists is not for
    a stranger to learn (the service refuses anyone the caller may not see)."""
    member = User.objects.filter(pk=user_id).select_related("profile").first()
    if member is None:
        raise ContactsError(_("No such person among the people you can see."))
    return member


def _side(request: ApiRequest, contact_id: int | None, member_id: int | None) -> Contact | User:
    if (contact_id is None) == (member_id is None):
        raise ContactsError(_("Give each side as a contact_id or a member_id, not both."))
    if contact_id is not None:
        return access_contact(request.auth, contact_id)
    assert member_id is not None
    return _member(member_id)


def _side_out(introduction: Introduction, side: Literal["a", "b"]) -> dict[str, Any]:
    return {
        "contact_id": getattr(introduction, f"{side}_contact_id"),
        "member_id": getattr(introduction, f"{side}_member_id"),
        "name": side_name(introduction, side),
        "answer": getattr(introduction, f"{side}_answer"),
    }


def introduction_out(access: IntroductionAccess) -> dict[str, Any]:
    """The one shape of an introduction in the API, by who is looking."""
    introduction = access.introduction
    url = f"/introductions/{introduction.pk}/"
    if not access.is_owner:
        view = side_view(introduction, access.side)
        return {**view, "role": access.role, "url": url}
    return {
        "id": introduction.pk,
        "role": "owner",
        "introducer": introducer_name(introduction),
        "reason": introduction.reason,
        "status": introduction.status,
        "created_at": introduction.created_at,
        "a": _side_out(introduction, "a"),
        "b": _side_out(introduction, "b"),
        "close_tie_warned": introduction.close_tie_warned,
        "outcome": introduction.outcome,
        "outcome_note": introduction.outcome_note,
        "outcome_on": introduction.outcome_on,
        "url": url,
    }


# --- stay in touch ------------------------------------------------------------------------


@router.get(
    "/contacts/losing-touch",
    response=LosingTouchOut,
    summary="My contacts due for a call (most overdue first) and those fading",
)
def list_losing_touch(request: ApiRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    today = timezone.localdate()
    due = losing_touch(request.auth, today)
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    items = [
        {
            **_touch_row(row.contact),
            "due_on": row.due_on,
            "overdue_days": row.overdue_days,
            "days_since": row.days_since,
        }
        for row in due[offset : offset + limit]
    ]
    return {
        "items": items,
        "count": len(due),
        "fading": [_touch_row(c) for c in fading(request.auth, today)],
    }


@router.get(
    "/contacts/{int:contact_id}/interactions",
    response=InteractionPage,
    summary="A contact's interactions, newest first",
)
def list_interactions(
    request: ApiRequest, contact_id: int, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    contact = access_contact(request.auth, contact_id)
    items, count = page(contact.interactions.all(), limit, offset)
    return {"items": items, "count": count}


@router.post(
    "/contacts/{int:contact_id}/interactions",
    response={201: InteractionOut},
    summary="Log an interaction (it resets stay-in-touch)",
)
def create_interaction(
    request: ApiRequest, contact_id: int, payload: InteractionIn
) -> Status[Interaction]:
    contact = access_contact(request.auth, contact_id)
    interaction = log_interaction(
        contact,
        kind=payload.kind,
        on=payload.happened_on or timezone.localdate(),
        note=payload.note,
    )
    return Status(201, interaction)


@router.put(
    "/contacts/{int:contact_id}/stay-in-touch",
    response=TouchOut,
    summary="Stay in touch every N days (null: no reminders)",
)
def put_interval(request: ApiRequest, contact_id: int, payload: IntervalIn) -> dict[str, Any]:
    contact = set_stay_in_touch(access_contact(request.auth, contact_id), days=payload.days)
    return _touch_row(contact)


@router.put(
    "/contacts/{int:contact_id}/snooze",
    response=TouchOut,
    summary="No reminder before a day (null: end the snooze)",
)
def put_snooze(request: ApiRequest, contact_id: int, payload: SnoozeIn) -> dict[str, Any]:
    contact = snooze_contact(access_contact(request.auth, contact_id), until=payload.until)
    return _touch_row(contact)


@router.post(
    "/contacts/{int:contact_id}/referrals",
    response={201: ReferralOut},
    summary="An informal referral with this contact as the prospect or the receiver",
)
def create_contact_referral(
    request: ApiRequest, contact_id: int, payload: ReferralIn
) -> Status[dict[str, Any]]:
    contact = access_contact(request.auth, contact_id)
    receiver_contact = (
        access_contact(request.auth, payload.receiver_contact_id)
        if payload.receiver_contact_id is not None
        else None
    )
    receiver = (
        _member(payload.receiver_member_id) if payload.receiver_member_id is not None else None
    )
    referral = refer_from_contact(
        contact,
        role=payload.role,
        receiver=receiver,
        receiver_contact=receiver_contact,
        receiver_name=payload.receiver_name,
        receiver_email=payload.receiver_email,
        prospect_name=payload.prospect_name,
        prospect_company=payload.prospect_company,
        prospect_email=payload.prospect_email,
        prospect_phone=payload.prospect_phone,
        temperature=payload.temperature,
        notes=payload.notes,
        given_on=payload.given_on,
    )
    return Status(
        201,
        {
            "id": referral.pk,
            "group": referral.group_id,
            "prospect_name": referral.prospect_name,
            "receiver": referral.receiver_id,
            "receiver_name": referral.receiver_name,
            "given_on": referral.given_on,
            "url": f"/ledger/referrals/{referral.pk}/",
        },
    )


# --- introductions ------------------------------------------------------------------------


@router.get(
    "/introductions",
    response=IntroductionPage,
    summary="Introductions I made (role=owner) or that ask me (asked=true), newest first",
)
def list_introductions(
    request: ApiRequest, asked: bool = False, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    user = request.auth
    found = introductions_to(user) if asked else introductions_made(user)
    items, count = page(found, limit, offset)
    out = []
    for introduction in items:
        if asked:
            role: Literal["owner", "a", "b"] = "a" if introduction.a_member_id == user.pk else "b"
        else:
            role = "owner"
        out.append(introduction_out(IntroductionAccess(introduction, role)))
    return {"items": out, "count": count}


@router.post(
    "/introductions",
    response={201: IntroductionOut},
    summary="Introduce two people (double opt-in; a close tie needs confirm_close_tie)",
)
def create_introduction(request: ApiRequest, payload: IntroductionIn) -> Status[dict[str, Any]]:
    introduction = introduce(
        request.auth,
        a=_side(request, payload.a_contact_id, payload.a_member_id),
        b=_side(request, payload.b_contact_id, payload.b_member_id),
        reason=payload.reason,
        confirm_close_tie=payload.confirm_close_tie,
    )
    return Status(201, introduction_out(access_introduction(request.auth, introduction.pk)))


@router.get(
    "/introductions/{int:introduction_id}",
    response=IntroductionOut,
    summary="One introduction, as its owner or a member side may see it",
)
def get_introduction(request: ApiRequest, introduction_id: int) -> dict[str, Any]:
    return introduction_out(access_introduction(request.auth, introduction_id))


@router.post(
    "/introductions/{int:introduction_id}/answer",
    response=IntroductionOut,
    summary="Accept or decline, as a member side",
)
def post_answer(request: ApiRequest, introduction_id: int, payload: AnswerIn) -> dict[str, Any]:
    access = access_introduction(request.auth, introduction_id)
    if access.is_owner:
        raise ContactsError(_("Only the people introduced answer."))
    answer_introduction(
        access.introduction, side=access.side, accept=payload.accept, actor=request.auth
    )
    return introduction_out(access_introduction(request.auth, introduction_id))


@router.post(
    "/introductions/{int:introduction_id}/withdraw",
    response=IntroductionOut,
    summary="Withdraw an introduction still waiting for answers",
)
def post_withdraw(request: ApiRequest, introduction_id: int) -> dict[str, Any]:
    access = access_introduction(request.auth, introduction_id)
    withdraw_introduction(access.introduction, actor=request.auth)
    return introduction_out(access_introduction(request.auth, introduction_id))


@router.post(
    "/introductions/{int:introduction_id}/outcome",
    response=IntroductionOut,
    summary="Record how an accepted introduction went (kept in the contacts' history)",
)
def post_outcome(request: ApiRequest, introduction_id: int, payload: OutcomeIn) -> dict[str, Any]:
    access = access_introduction(request.auth, introduction_id)
    record_outcome(
        access.introduction,
        actor=request.auth,
        outcome=payload.outcome,
        note=payload.note,
        on=payload.on,
    )
    return introduction_out(access_introduction(request.auth, introduction_id))
