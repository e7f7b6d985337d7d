"""Pages for referral slips and closed business: my slips, the quick log (three taps on a
phone, htmx with a plain-form fallback), a slip with its pipeline, a thank-you for closed
business, and a chapter's weekly slips for its leaders."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.accounts.models import User
from cerchia.groups.access import access_group
from cerchia.ledger import services
from cerchia.ledger.access import ReferralAccess, access_referral
from cerchia.ledger.forms_referrals import (
    LEADER_CHANGES,
    SLIP_CHANGES,
    ClosedBusinessForm,
    CorrectionForm,
    ExternalReceiverForm,
    ReferralForm,
    ThanksForm,
    first_error,
)
from cerchia.ledger.models import Referral
from cerchia.ledger.selectors_referrals import (
    DIRECTIONS,
    Partner,
    closed_business_for,
    closed_totals,
    group_closed_totals,
    group_weeks,
    my_groups,
    partner,
    partner_choices,
    recent_partners,
    referrals_for,
    search_partners,
    slip_groups,
    week_slips,
)
from cerchia.lib.http import AuthedRequest

PAGE_SIZE = 30


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _day(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- my slips -----------------------------------------------------------------------------


@login_required
def referral_list(request: AuthedRequest) -> HttpResponse:
    """The slips I gave and received, newest first; filter by direction and status."""
    direction = request.GET.get("direction", "")
    direction = direction if direction in DIRECTIONS else ""
    status = request.GET.get("status", "")
    status = status if status in Referral.Status.values else ""
    referrals = referrals_for(request.user, direction=direction, status=status)
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    keep = {k: v for k, v in {"direction": direction, "status": status}.items() if v}
    return render(
        request,
        "ledger/referrals/list.html",
        {
            "page": page,
            "direction": direction,
            "status": status,
            "statuses": Referral.Status.choices,
            "keep": urlencode(keep),
            "direction_keep": urlencode({"status": status} if status else {}),
        },
    )


# --- my closed business ------------------------------------------------------------------


@login_required
def closed_business(request: AuthedRequest) -> HttpResponse:
    """Closed business I recorded (received) or was thanked for (given), newest first, with
    its totals per currency; filter by direction and by one of my groups."""
    direction = request.GET.get("direction", "")
    direction = direction if direction in DIRECTIONS else ""
    groups = list(my_groups(request.user))
    group_id = _int(request.GET.get("group"))
    group_id = group_id if any(g.pk == group_id for g in groups) else None
    entries = closed_business_for(request.user, direction=direction, group_id=group_id)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {"direction": direction, "group": group_id or ""}
    keep = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "ledger/referrals/closed_business.html",
        {
            "page": page,
            "totals": closed_totals(entries),
            "direction": direction,
            "groups": groups,
            "group_id": group_id,
            "keep": urlencode(keep),
            "direction_keep": urlencode({"group": group_id} if group_id else {}),
        },
    )


# --- the quick log ------------------------------------------------------------------------


@login_required
def referral_new(request: AuthedRequest) -> HttpResponse:
    """Step one: recent partners and a search; step two (``to`` or ``external``): the slip."""
    data = request.POST if request.method == "POST" else request.GET
    if data.get("to") or data.get("external"):
        return _slip_step(request, data)
    if request.method == "POST":
        return redirect("ledger:referral_new")
    query = request.GET.get("q", "").strip()
    logged = None
    logged_id = _int(request.GET.get("logged"))
    if logged_id is not None:
        logged = (
            Referral.objects.filter(pk=logged_id, giver=request.user)
            .select_related("receiver__profile")
            .first()
        )
    return render(
        request,
        "ledger/referrals/new.html",
        {
            "partners": recent_partners(request.user),
            "q": query,
            "results": search_partners(request.user, query) if query else None,
            "logged": logged,
        },
    )


@login_required
def partner_search(request: AuthedRequest) -> HttpResponse:
    """The quick log's search, as a fragment for htmx (by name or profession)."""
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "ledger/referrals/_people.html",
        {"results": search_partners(request.user, query), "q": query},
    )


def _slip_step(request: AuthedRequest, data: Any) -> HttpResponse:
    receiver: Partner | None = None
    external_form: ExternalReceiverForm | None = None
    if data.get("to"):
        person_id = _int(data.get("to"))
        receiver = partner(request.user, person_id) if person_id is not None else None
        if receiver is None:
            raise Http404(_("No such person among the people you may pass a referral to."))
        groups = slip_groups(request.user, receiver.user)
    else:
        external_form = ExternalReceiverForm(request.POST if request.method == "POST" else None)
        groups = slip_groups(request.user)
    posted = request.method == "POST"
    form = ReferralForm(request.POST if posted else None, groups=groups)
    if posted and form.is_valid() and (external_form is None or external_form.is_valid()):
        receiving: dict[str, Any] = (
            {"receiver": receiver.user}
            if receiver is not None
            else {
                "receiver_name": external_form.cleaned_data["receiver_name"],  # type: ignore[union-attr]
                "receiver_email": external_form.cleaned_data["receiver_email"],  # type: ignore[union-attr]
            }
        )
        try:
            referral = services.record_referral(
                request.user, group=form.chosen_group(), **receiving, **form.slip()
            )
        except services.LedgerError as exc:
            form.add_error(None, str(exc))
        else:
            return _logged(request, referral, receiver)
    context = {
        "form": form,
        "external_form": external_form,
        "receiver": receiver,
        "groups": groups,
    }
    template = "_slip_form.html" if request.htmx else "new.html"
    return render(request, "ledger/referrals/" + template, context)


def _logged(request: AuthedRequest, referral: Referral, receiver: Partner | None) -> HttpResponse:
    name = receiver.name if receiver is not None else referral.receiver_name
    if request.htmx:
        return render(
            request,
            "ledger/referrals/_logged.html",
            {"logged": referral, "receiver_name": name},
        )
    messages.success(request, _("Referral passed to %(person)s.") % {"person": name})
    return redirect(reverse("ledger:referral_new") + f"?logged={referral.pk}")


# --- one slip -----------------------------------------------------------------------------


def _next_statuses(referral: Referral) -> list[tuple[str, str]]:
    if referral.closed:
        return []
    at = services.PIPELINE.index(referral.status)
    ahead = services.PIPELINE[at + 1 :] + [Referral.Status.WON]
    return [(s, str(Referral.Status(s).label)) for s in ahead]


def _edit_fields(access: ReferralAccess, user: User) -> tuple[str, ...]:
    """What ``user`` may correct on the slip now: the giver until the week is closed, the
    group's leaders always (a leader who is not a party never sees the prospect)."""
    referral = access.referral
    if access.leader:
        return SLIP_CHANGES if access.party and referral.giver_id == user.pk else LEADER_CHANGES
    if referral.giver_id == user.pk and not services.week_closed(referral.group, referral.given_on):
        return SLIP_CHANGES
    return ()


@login_required
def referral_detail(request: AuthedRequest, referral_id: int) -> HttpResponse:
    access = access_referral(request.user, referral_id)
    referral = access.referral
    user = request.user
    mover = referral.receiver_id if referral.receiver_id is not None else referral.giver_id
    fields = _edit_fields(access, user)
    context: dict[str, Any] = {
        "referral": referral,
        "access": access,
        "week_closed": services.week_closed(referral.group, referral.given_on),
        "can_move": user.pk == mover and not referral.closed,
        "next_statuses": _next_statuses(referral),
        "correction": (
            CorrectionForm(initial=CorrectionForm.initial_for(referral, fields), fields=fields)
            if fields
            else None
        ),
    }
    if access.party:
        context["steps"] = list(referral.steps.select_related("by__profile"))
        context["closed_business"] = list(referral.closed_business.all())
        if referral.receiver_id == user.pk and referral.status != Referral.Status.LOST:
            currency = referral.group.currency if referral.group else "EUR"
            context["closed_form"] = ClosedBusinessForm(currency=currency)
    return render(request, "ledger/referrals/detail.html", context)


def _back(referral: Referral) -> HttpResponse:
    return redirect("ledger:referral_detail", referral_id=referral.pk)


@login_required
@require_POST
def referral_advance(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = access_referral(request.user, referral_id).referral
    try:
        referral = services.advance_referral(
            referral,
            actor=request.user,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
            lost_reason=request.POST.get("lost_reason", ""),
        )
    except services.LedgerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Moved to %(status)s.") % {"status": referral.get_status_display().lower()},
        )
    return _back(referral)


@login_required
@require_POST
def referral_edit(request: AuthedRequest, referral_id: int) -> HttpResponse:
    access = access_referral(request.user, referral_id)
    referral = access.referral
    fields = _edit_fields(access, request.user)
    if not fields:
        messages.error(
            request,
            _("That week is closed: only the group's leaders change its slips.")
            if referral.giver_id == request.user.pk
            else _("Only the giver corrects a referral slip."),
        )
        return _back(referral)
    form = CorrectionForm(request.POST, fields=fields)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _back(referral)
    changes = form.changes(referral)
    if not changes:
        messages.info(request, _("Nothing to change."))
        return _back(referral)
    try:
        services.update_referral(referral, actor=request.user, changes=changes)
    except services.LedgerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Slip corrected."))
    return _back(referral)


@login_required
@require_POST
def referral_closed_business(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = access_referral(request.user, referral_id).referral
    currency = referral.group.currency if referral.group else "EUR"
    form = ClosedBusinessForm(request.POST, currency=currency)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _back(referral)
    try:
        closed = services.record_closed_business(request.user, referral=referral, **form.business())
    except services.LedgerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Closed business recorded: %(amount)s.") % {"amount": closed.amount_display}
        )
    return _back(referral)


# --- thank-you for closed business --------------------------------------------------------


@login_required
def thanks_new(request: AuthedRequest) -> HttpResponse:
    """Thank a member for business closed thanks to them, not tied to one slip."""
    people = partner_choices(request.user)
    groups = slip_groups(request.user)
    initial = {"person": _int(request.GET.get("to"))}
    form = ThanksForm(request.POST or None, people=people, groups=groups, initial=initial)
    if request.method == "POST" and form.is_valid():
        giver = User.objects.get(pk=form.cleaned_data["person"])
        try:
            closed = services.record_closed_business(
                request.user, giver=giver, group=form.chosen_group(), **form.business()
            )
        except services.LedgerError as exc:
            form.add_error(None, str(exc))
        else:
            name = dict(people)[giver.pk]
            messages.success(
                request,
                _("Thank-you recorded: %(amount)s for %(person)s.")
                % {"amount": closed.amount_display, "person": name},
            )
            return redirect("ledger:thanks_new")
    return render(request, "ledger/referrals/thanks.html", {"form": form})


# --- a chapter's slips, for its leaders ---------------------------------------------------


def _leader_group(request: AuthedRequest, slug: str) -> Any:
    group = access_group(request.user, slug)
    if not services.is_leader(request.user, group):
        raise PermissionDenied(_("Only the group's leaders see its weekly slips."))
    return group


@login_required
def group_slips(request: AuthedRequest, slug: str) -> HttpResponse:
    """The group's weeks with slip counts and their closed state, one week's slips without
    prospects (confidential ones only counted), and the group's closed business totals."""
    group = _leader_group(request, slug)
    today = timezone.localdate()
    chosen = _day(request.GET.get("week")) or today
    start = services.week_start(min(chosen, today))
    weeks = group_weeks(group, until=today)
    slips, confidential = week_slips(group, start)
    return render(
        request,
        "ledger/referrals/group_slips.html",
        {
            "group": group,
            "weeks": weeks,
            "week_start": start,
            "week_end": start + datetime.timedelta(days=6),
            "week_closed": services.week_closed(group, start),
            "slips": slips,
            "confidential": confidential,
            "totals": group_closed_totals(group),
        },
    )


@login_required
@require_POST
def group_week_close(request: AuthedRequest, slug: str) -> HttpResponse:
    group = _leader_group(request, slug)
    day = _day(request.POST.get("day"))
    if day is None:
        messages.error(request, _("Choose the week to close."))
        return redirect("ledger_slips", slug=group.slug)
    try:
        closed = services.close_week(group, actor=request.user, day=day)
    except services.LedgerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The week of %(day)s is closed.") % {"day": closed.week_start.isoformat()},
        )
        day = closed.week_start
    return redirect(reverse("ledger_slips", kwargs={"slug": group.slug}) + f"?week={day}")
