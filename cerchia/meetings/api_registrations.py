"""Registrations in the API: register (the caller, with guests), cancel, take an offered seat,
check in at the door, attendee lists and payments. Amounts are integer minor units."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cerchia.api.pagination import page
from cerchia.groups.access import rights_in
from cerchia.lib.http import ApiRequest
from cerchia.meetings import registrations as services
from cerchia.meetings.access import access_meeting, access_meeting_to_run, can_run
from cerchia.meetings.access_registrations import access_attendees, access_registration
from cerchia.meetings.models import Registration
from cerchia.meetings.selectors_registrations import (
    Attendee,
    leader_registrations,
    member_attendees,
    my_registrations,
)

router = Router(tags=["registrations"])


class RegistrationOut(Schema):
    id: int
    meeting: int
    user: int | None
    visitor: int | None
    registered_by: int | None
    name: str
    status: str
    message: str
    seat: int | None
    offer_expires_at: datetime.datetime | None
    audience: str
    price_minor: int
    paid_minor: int
    currency: str
    code: str
    checked_in_at: datetime.datetime | None
    no_show: bool
    answers: list[dict[str, str]]

    @staticmethod
    def resolve_meeting(obj: Registration) -> int:
        return obj.meeting_id

    @staticmethod
    def resolve_user(obj: Registration) -> int | None:
        return obj.user_id

    @staticmethod
    def resolve_visitor(obj: Registration) -> int | None:
        return obj.visitor_id

    @staticmethod
    def resolve_registered_by(obj: Registration) -> int | None:
        return obj.registered_by_id

    @staticmethod
    def resolve_currency(obj: Registration) -> str:
        return obj.meeting.group.currency

    @staticmethod
    def resolve_message(obj: Registration) -> str:
        return services.status_message(obj)


class RegisteredOut(RegistrationOut):
    guests: list[RegistrationOut]


class RegistrationPage(Schema):
    items: list[RegistrationOut]
    count: int


class AttendeeOut(Schema):
    """One attendee as a member sees them: a person whose name they may see."""

    user: int | None
    name: str | None

    @staticmethod
    def resolve_user(obj: Attendee) -> int | None:
        return obj.user_id


class AttendeeList(Schema):
    """Leaders get every registration in ``registrations``; members get ``attendees`` (names
    they may see) and ``others`` (how many more are coming: visitors, guests, hidden names)."""

    registrations: list[RegistrationOut] | None = None
    count: int
    attendees: list[AttendeeOut] | None = None
    others: int = 0


class GuestIn(Schema):
    name: str
    email: str = ""


class RegisterIn(Schema):
    answers: list[str] = []
    guests: list[GuestIn] = []


class CheckInIn(Schema):
    code: str


class PaymentIn(Schema):
    amount_minor: int
    method: str  # cash, bank_transfer, card_elsewhere
    reference: str = ""


def _with_meeting(registration: Registration) -> Registration:
    """Reload after a change, with what the schema reads."""
    return Registration.objects.select_related("meeting__group").get(pk=registration.pk)


@router.post(
    "/meetings/{meeting_id}/register",
    response={201: RegisteredOut},
    summary="Register myself (and guests): status registered, waitlisted or pending",
)
def register(
    request: ApiRequest, meeting_id: int, payload: RegisterIn | None = None
) -> Status[Registration]:
    meeting, _rights = access_meeting(request.auth, meeting_id)
    payload = payload or RegisterIn()
    guests = [(guest.name, guest.email) for guest in payload.guests]
    before = (
        set(
            Registration.objects.filter(meeting=meeting, registered_by=request.auth).values_list(
                "pk", flat=True
            )
        )
        if guests
        else set()
    )
    registration = services.register(
        meeting, actor=request.auth, user=request.auth, answers=payload.answers, guests=guests
    )
    guest_rows = (
        list(
            Registration.objects.filter(meeting=meeting, registered_by=request.auth)
            .exclude(pk__in=before | {registration.pk})
            .select_related("meeting__group")
            .order_by("pk")
        )
        if guests
        else []
    )
    registration.meeting = meeting
    # The schema reads the guests registered in this same call from the registration.
    setattr(registration, "guests", guest_rows)  # noqa: B010
    return Status(201, registration)


@router.post(
    "/meetings/{meeting_id}/cancel",
    response=RegistrationOut,
    summary="Cancel my registration (a late one counts as a no-show); the seat goes to the queue",
)
def cancel_mine(request: ApiRequest, meeting_id: int) -> Registration:
    meeting, _rights = access_meeting(request.auth, meeting_id)
    services.refresh_queue(meeting)
    registration = services.live_registration(meeting, request.auth)
    if registration is None:
        raise Http404(_("You are not registered for this meeting."))
    registration.meeting = meeting
    return _with_meeting(services.cancel_registration(registration, actor=request.auth))


@router.post(
    "/meetings/{meeting_id}/check-in",
    response=RegistrationOut,
    summary="Check a ticket in at the door by its code (leaders)",
)
def check_in(request: ApiRequest, meeting_id: int, payload: CheckInIn) -> Registration:
    meeting, _rights = access_meeting_to_run(request.auth, meeting_id)
    return _with_meeting(services.check_in(meeting, actor=request.auth, code=payload.code))


@router.get(
    "/meetings/{meeting_id}/registrations",
    response=AttendeeList,
    summary="Who is coming: every registration for leaders; names per privacy for members",
)
def list_registrations(
    request: ApiRequest, meeting_id: int, status: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    meeting, rights = access_attendees(request.auth, meeting_id)
    services.refresh_queue(meeting)
    if can_run(rights):
        if status and status not in Registration.Status.values:
            raise services.RegistrationError(_("Unknown status %(status)s.") % {"status": status})
        qs = leader_registrations(meeting, status=status).select_related("meeting__group")
        items, count = page(qs, limit, offset)
        return {"registrations": items, "count": count}
    shown, others = member_attendees(meeting, request.auth)
    return {"attendees": shown, "count": len(shown) + others, "others": others}


@router.get("/registrations", response=RegistrationPage, summary="My registrations and guests")
def list_mine(request: ApiRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    items, count = page(my_registrations(request.auth), limit, offset)
    return {"items": items, "count": count}


@router.get(
    "/registrations/{registration_id}",
    response=RegistrationOut,
    summary="A registration: mine, a guest's I registered, or any for the group's leaders",
)
def get_registration(request: ApiRequest, registration_id: int) -> Registration:
    registration = access_registration(request.auth, registration_id)
    if services.refresh_queue(registration.meeting):
        registration = access_registration(request.auth, registration_id)
    return registration


@router.post(
    "/registrations/{registration_id}/confirm",
    response=RegistrationOut,
    summary="Take the seat offered to me (before the offer runs out)",
)
def confirm(request: ApiRequest, registration_id: int) -> Registration:
    registration = access_registration(request.auth, registration_id)
    if request.auth.pk not in (registration.user_id, registration.registered_by_id):
        raise PermissionDenied(_("Only the person the seat is offered to may take it."))
    return _with_meeting(services.confirm_offer(registration, actor=request.auth))


@router.post(
    "/registrations/{registration_id}/cancel",
    response=RegistrationOut,
    summary="Cancel a registration: mine, a guest's I registered, or any (leaders)",
)
def cancel(request: ApiRequest, registration_id: int) -> Registration:
    registration = access_registration(request.auth, registration_id)
    return _with_meeting(services.cancel_registration(registration, actor=request.auth))


def _leader_registration(request: ApiRequest, registration_id: int) -> Registration:
    registration = access_registration(request.auth, registration_id)
    if not can_run(rights_in(request.auth, registration.meeting.group)):
        raise PermissionDenied(_("Only the group's leaders may do this."))
    return registration


@router.post(
    "/registrations/{registration_id}/approve",
    response=RegistrationOut,
    summary="Approve a pending registration (leaders): a seat if free, else the waiting list",
)
def approve(request: ApiRequest, registration_id: int) -> Registration:
    registration = _leader_registration(request, registration_id)
    return _with_meeting(services.approve_registration(registration, actor=request.auth))


@router.post(
    "/registrations/{registration_id}/decline",
    response=RegistrationOut,
    summary="Decline a pending registration (leaders)",
)
def decline(request: ApiRequest, registration_id: int) -> Registration:
    registration = _leader_registration(request, registration_id)
    return _with_meeting(services.decline_registration(registration, actor=request.auth))


@router.post(
    "/registrations/{registration_id}/payment",
    response=RegistrationOut,
    summary="Record a payment on a registration (leaders and the treasurer)",
)
def payment(request: ApiRequest, registration_id: int, payload: PaymentIn) -> Registration:
    registration = access_registration(request.auth, registration_id)
    rights = rights_in(request.auth, registration.meeting.group)
    if not (can_run(rights) or rights.treasurer):
        raise PermissionDenied(_("Only the group's leaders or treasurer record payments."))
    return _with_meeting(
        services.record_registration_payment(registration, actor=request.auth, **payload.dict())
    )
