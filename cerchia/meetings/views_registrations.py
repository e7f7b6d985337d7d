"""Pages for registrations: register, my tickets, a ticket with its QR code, the attendee list
(leaders act on it there) and the check-in page at the door. Each view parses, checks access,
calls a service and redirects or renders."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.dues.forms import first_error
from cerchia.lib.money import format_money
from cerchia.meetings import registrations as services
from cerchia.meetings.access import access_meeting, access_meeting_to_run, can_run
from cerchia.meetings.access_registrations import (
    access_attendees,
    access_registration_to_run,
    access_ticket,
)
from cerchia.meetings.forms_registrations import (
    CheckInForm,
    RegisterForm,
    RegistrationPaymentForm,
)
from cerchia.meetings.models import Audience, Meeting, Registration
from cerchia.meetings.selectors_registrations import (
    leader_registrations,
    member_attendees,
    my_registrations,
)
from cerchia.meetings.tickets import qr_svg

PAGE_SIZE = 50
Status = Registration.Status


def _prices(meeting: Meeting) -> list[tuple[str, str]]:
    return [(str(label), meeting.price_display(code)) for code, label in Audience.choices]


@login_required
def register(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The registration form: the person's own price, the questions, and guests (each guest
    priced by their own standing)."""
    meeting, rights = access_meeting(request.user, meeting_id)
    services.refresh_queue(meeting)
    existing = services.live_registration(meeting, request.user)
    form = RegisterForm(request.POST if request.method == "POST" else None, meeting=meeting)
    if request.method == "POST" and existing is None:
        try:
            if not form.is_valid():
                raise services.RegistrationError(first_error(form))
            registration = services.register(
                meeting,
                actor=request.user,
                user=request.user,
                answers=form.answers(),
                guests=form.guests(),
            )
        except services.RegistrationError as exc:
            messages.error(request, str(exc))
        else:
            level = messages.success if registration.status == Status.REGISTERED else messages.info
            level(request, services.status_message(registration))
            return redirect("registrations:ticket", code=registration.code)
    return render(
        request,
        "meetings/registrations/register.html",
        {
            "meeting": meeting,
            "group": meeting.group,
            "form": form,
            "existing": existing,
            "my_price": meeting.price_display(services.audience_for(meeting, request.user)),
            "prices": _prices(meeting),
            "guest_rows": range(3),
            "counts": services.counts(meeting),
            "leader": can_run(rights),
        },
    )


def ticket(request: HttpRequest, code: str) -> HttpResponse:
    """A ticket: its QR code (while it holds a seat), its status and what can be done."""
    registration = access_ticket(request.user, code)
    meeting = registration.meeting
    if services.refresh_queue(meeting):
        registration = access_ticket(request.user, code)
    holds_seat = registration.status in services.HOLDING
    return render(
        request,
        "meetings/registrations/ticket.html",
        {
            "registration": registration,
            "meeting": meeting,
            "group": meeting.group,
            "message": services.status_message(registration),
            # segno writes the SVG itself (the title is escaped): nothing of the person's in it.
            "qr": mark_safe(qr_svg(registration)) if holds_seat else "",  # noqa: S308
            "may_cancel": registration.status in services.LIVE
            and services.may_cancel(registration, request.user, by_code=True),
            "may_confirm": registration.status == Status.OFFERED
            and services.holds_ticket(registration, request.user, by_code=True),
            "price": meeting.price_display(registration.audience),
            "late_cancel": services.is_late_cancellation(registration, timezone.now()),
        },
    )


@require_POST
def cancel(request: HttpRequest, code: str) -> HttpResponse:
    """Cancel from the ticket. Opened by its code: an attendee without an account may too."""
    registration = access_ticket(request.user, code)
    try:
        registration = services.cancel_registration(registration, actor=request.user, by_code=True)
    except services.RegistrationError as exc:
        messages.error(request, str(exc))
    else:
        if registration.no_show:
            messages.warning(
                request,
                _(
                    "Registration cancelled. It was less than %(hours)s hours before the start, "
                    "so it counts as a no-show."
                )
                % {"hours": registration.meeting.group.rules.late_cancel_hours},
            )
        else:
            messages.success(request, _("Registration cancelled."))
    return redirect("registrations:ticket", code=registration.code)


@require_POST
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    registration = access_ticket(request.user, code)
    try:
        services.confirm_offer(registration, actor=request.user, by_code=True)
    except services.RegistrationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The seat is yours: see you there."))
    return redirect("registrations:ticket", code=registration.code)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My tickets and the guests I registered, in every group."""
    pages = Paginator(my_registrations(request.user), PAGE_SIZE)
    return render(
        request,
        "meetings/registrations/mine.html",
        {"registrations": pages.get_page(request.GET.get("page"))},
    )


STATUS_FILTERS = [
    ("registered", Status.REGISTERED.label),
    ("waitlisted", Status.WAITLISTED.label),
    ("offered", Status.OFFERED.label),
    ("pending", Status.PENDING.label),
    ("cancelled", Status.CANCELLED.label),
]


def attendees(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Who is coming: every registration for the leaders (with the queue, prices, payments
    and actions); for members, the names they may see and a count of the others."""
    meeting, rights = access_attendees(request.user, meeting_id)
    services.refresh_queue(meeting)
    context: dict[str, object] = {
        "meeting": meeting,
        "group": meeting.group,
        "counts": services.counts(meeting),
        "leader": can_run(rights),
    }
    if can_run(rights):
        status = request.GET.get("status", "")
        status = status if status in dict(STATUS_FILTERS) else ""
        pages = Paginator(leader_registrations(meeting, status=status), PAGE_SIZE)
        context.update(
            {
                "registrations": pages.get_page(request.GET.get("page")),
                "status": status,
                "filters": STATUS_FILTERS,
                "keep": urlencode({"status": status}) if status else "",
                "methods": services.PAYMENT_METHODS.choices,
            }
        )
    else:
        shown, others = member_attendees(meeting, request.user)
        context.update({"shown": shown, "others": others})
    return render(request, "meetings/registrations/attendees.html", context)


def _back_to_list(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("?"):
        return redirect(f"{_list_url(meeting)}{target}")
    return redirect(_list_url(meeting))


def _list_url(meeting: Meeting) -> str:
    return reverse("registrations:attendees", args=[meeting.pk])


@login_required
@require_POST
def leader_action(
    request: HttpRequest, meeting_id: int, registration_id: int, action: str
) -> HttpResponse:
    """Approve, decline or cancel one registration (leaders)."""
    registration, meeting, _rights = access_registration_to_run(
        request.user, meeting_id, registration_id
    )
    try:
        if action == "approve":
            registration = services.approve_registration(registration, actor=request.user)
        elif action == "decline":
            registration = services.decline_registration(registration, actor=request.user)
        else:
            registration = services.cancel_registration(registration, actor=request.user)
    except services.RegistrationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s.")
            % {"name": registration.name, "status": registration.get_status_display()},
        )
    return _back_to_list(request, meeting)


@login_required
@require_POST
def payment(request: HttpRequest, meeting_id: int, registration_id: int) -> HttpResponse:
    registration, meeting, _rights = access_registration_to_run(
        request.user, meeting_id, registration_id
    )
    form = RegistrationPaymentForm(request.POST, currency=meeting.group.currency)
    try:
        if not form.is_valid():
            raise services.RegistrationError(first_error(form))
        services.record_registration_payment(
            registration,
            actor=request.user,
            amount_minor=form.cleaned_data["amount"],
            method=form.cleaned_data["method"],
            reference=form.cleaned_data["reference"],
        )
    except services.RegistrationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Payment recorded for %(name)s.") % {"name": registration.name})
    return _back_to_list(request, meeting)


def _door(meeting: Meeting) -> dict[str, object]:
    return {"meeting": meeting, "counts": services.counts(meeting)}


@login_required
def check_in(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The door: type or scan a ticket code. With htmx only the result and the count are
    swapped in, and the field is ready for the next ticket."""
    meeting, _rights = access_meeting_to_run(request.user, meeting_id)
    services.refresh_queue(meeting)
    result: dict[str, object] = {}
    if request.method == "POST":
        form = CheckInForm(request.POST)
        try:
            if not form.is_valid():
                raise services.RegistrationError(first_error(form))
            registration = services.check_in(
                meeting, actor=request.user, code=form.cleaned_data["code"]
            )
        except services.RegistrationError as exc:
            result = {"ok": False, "text": str(exc)}
        else:
            text = _("Welcome, %(name)s!") % {"name": registration.name}
            if registration.seat:
                text += " " + _("Seat %(seat)s.") % {"seat": registration.seat}
            owed = registration.price_minor - registration.paid_minor
            if owed > 0:
                text += " " + _("Still to pay: %(owed)s.") % {
                    "owed": format_money(owed, meeting.group.currency)
                }
            result = {"ok": True, "text": text}
        if getattr(request, "htmx", False):
            return render(
                request,
                "meetings/registrations/_check_in_result.html",
                {**_door(meeting), "result": result},
            )
        (messages.success if result["ok"] else messages.error)(request, str(result["text"]))
        return redirect("registrations:check_in", meeting_id=meeting.pk)
    code = services.normalise_code(request.GET.get("code", ""))
    return render(
        request,
        "meetings/registrations/check_in.html",
        {**_door(meeting), "group": meeting.group, "code": code},
    )


@login_required
def check_in_count(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The live count at the door (polled by the check-in page)."""
    meeting, _rights = access_meeting_to_run(request.user, meeting_id)
    return render(request, "meetings/registrations/_check_in_count.html", _door(meeting))


@login_required
@require_POST
def close_check_in(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting, _rights = access_meeting_to_run(request.user, meeting_id)
    try:
        count = services.close_check_in(meeting, actor=request.user)
    except services.RegistrationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Check-in closed: %(count)s no-shows recorded.") % {"count": count}
        )
    return redirect("registrations:check_in", meeting_id=meeting.pk)
