"""Stay-in-touch pages: the "losing touch" list, logging an interaction, a contact's interval
and snooze, and informal referrals recorded from a contact. Every page starts from the
signed-in person's own contacts (``access_contact``): anyone else's id is a 404."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.contacts.access import access_contact
from cerchia.contacts.errors import ContactsError
from cerchia.contacts.forms import contact_names
from cerchia.contacts.forms_touch import (
    MANUAL_KINDS,
    InteractionForm,
    ReferFromContactForm,
    SnoozeForm,
    StayInTouchForm,
)
from cerchia.contacts.interactions import (
    fading,
    log_interaction,
    losing_touch,
    set_stay_in_touch,
    snooze_contact,
)
from cerchia.contacts.models import Contact
from cerchia.contacts.referrals import refer_from_contact
from cerchia.dues.forms import first_error
from cerchia.ledger.services import LedgerError
from cerchia.lib.http import AuthedRequest

PAGE_SIZE = 50
# The list's one-tap snooze.
SNOOZE_DAYS = 7


def _back(request: AuthedRequest, contact: Contact) -> HttpResponse:
    """Back where the form was posted from (the losing-touch list or the contact's page)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("contacts:detail", contact_id=contact.pk)


@login_required
def losing_touch_page(request: AuthedRequest) -> HttpResponse:
    """Whom to call: the contacts due, the most overdue first, and those fading (no contact in
    30–45 days and no interval set)."""
    today = timezone.localdate()
    due = losing_touch(request.user, today)
    page = Paginator(due, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "contacts/touch_losing.html",
        {
            "page": page,
            "fading": list(fading(request.user, today)),
            "today": today,
            "snooze_until": today + datetime.timedelta(days=SNOOZE_DAYS),
            "kinds": MANUAL_KINDS,
        },
    )


@login_required
@require_POST
def interaction_new(request: AuthedRequest, contact_id: int) -> HttpResponse:
    contact = access_contact(request.user, contact_id)
    form = InteractionForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _back(request, contact)
    data = form.cleaned_data
    try:
        log_interaction(contact, kind=data["kind"], on=data["happened_on"], note=data["note"])
    except ContactsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Logged with %(name)s: stay in touch restarts.") % {"name": contact.name}
        )
    return _back(request, contact)


@login_required
@require_POST
def stay_in_touch(request: AuthedRequest, contact_id: int) -> HttpResponse:
    contact = access_contact(request.user, contact_id)
    form = StayInTouchForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _back(request, contact)
    days = form.cleaned_data["days"]
    try:
        set_stay_in_touch(contact, days=days)
    except ContactsError as exc:
        messages.error(request, str(exc))
    else:
        if days is None:
            messages.success(request, _("No more reminders for %(name)s.") % {"name": contact.name})
        else:
            messages.success(
                request,
                _("You will be reminded %(days)s days after each interaction with %(name)s.")
                % {"days": days, "name": contact.name},
            )
    return _back(request, contact)


@login_required
@require_POST
def snooze(request: AuthedRequest, contact_id: int) -> HttpResponse:
    contact = access_contact(request.user, contact_id)
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _back(request, contact)
    until = form.cleaned_data["until"]
    try:
        snooze_contact(contact, until=until)
    except ContactsError as exc:
        messages.error(request, str(exc))
    else:
        if until is None:
            messages.success(request, _("Snooze ended."))
        else:
            messages.success(
                request,
                _("No reminder about %(name)s before %(day)s.")
                % {"name": contact.name, "day": until.isoformat()},
            )
    return _back(request, contact)


@login_required
def refer(request: AuthedRequest, contact_id: int) -> HttpResponse:
    """Record an informal referral with this contact as the prospect or as the receiver."""
    contact = access_contact(request.user, contact_id)
    posted: Any = request.POST if request.method == "POST" else None
    form = ReferFromContactForm(posted, contact=contact, owner=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = refer_from_contact(
                contact,
                role=data["role"],
                receiver=data["receiver"],
                receiver_contact=data["receiver_contact"],
                receiver_name=data["receiver_name"],
                receiver_email=data["receiver_email"],
                prospect_name=data["prospect_name"],
                prospect_company=data["prospect_company"],
                prospect_email=data["prospect_email"],
                prospect_phone=data["prospect_phone"],
                notes=data["notes"],
                temperature=data["temperature"],
                given_on=data["given_on"],
            )
        except (ContactsError, LedgerError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Referral recorded in your informal network (%(prospect)s).")
                % {"prospect": referral.prospect_name},
            )
            return redirect("contacts:detail", contact_id=contact.pk)
    return render(
        request,
        "contacts/touch_refer.html",
        {
            "form": form,
            "contact": contact,
            "names": contact_names(request.user, exclude=contact),
        },
    )
