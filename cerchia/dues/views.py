"""Pages for dues: a group's tiers, its dues (mine; everyone's for the treasurer) and my
invoices in every group. Each view parses, checks access, calls a service and redirects."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.dues import services
from cerchia.dues.access import access_dues, access_dues_group, access_invoice, access_tier
from cerchia.dues.forms import FeeForm, PaymentForm, TierForm, first_error
from cerchia.dues.models import Payment, Tier
from cerchia.dues.selectors import (
    INVOICE_FILTERS,
    dues_summary,
    invoice_list,
    member_standings,
    membership_invoices,
    my_invoices,
    standing_rows,
    with_paid,
)
from cerchia.groups.access import Rights, rights_in
from cerchia.groups.models import Group, Membership
from cerchia.lib.http import AuthedRequest

PAGE_SIZE = 50


def tiers(request: HttpRequest, slug: str) -> HttpResponse:
    """The tiers a group offers, for anyone who may see it; administrators add tiers here."""
    group = access_dues_group(request.user, slug)
    rights = rights_in(request.user, group)
    if request.method == "POST" and not rights.manager:
        raise PermissionDenied(_("Only the group's administrators may change its tiers."))
    form = TierForm(request.POST or None, group=group) if rights.manager else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            tier = services.create_tier(group, actor=request.user, **form.tier_fields())  # type: ignore[arg-type]
        except services.DuesError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Tier %(tier)s added.") % {"tier": tier.name})
            return redirect("dues:tiers", slug=group.slug)
    shown = Tier.objects.filter(group=group)
    if not rights.manager:
        shown = shown.filter(offered=True)
    return render(
        request,
        "dues/tiers.html",
        {"group": group, "tiers": list(shown), "form": form, "manager": rights.manager},
    )


@login_required
def tier_edit(request: AuthedRequest, slug: str, tier_id: int) -> HttpResponse:
    tier = access_tier(request.user, slug, tier_id)
    group = tier.group
    form = TierForm(request.POST or None, group=group, initial=TierForm.initial_for(tier))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_tier(tier, actor=request.user, changes=form.tier_fields())
        except services.DuesError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Tier %(tier)s saved.") % {"tier": tier.name})
            return redirect("dues:tiers", slug=group.slug)
    return render(request, "dues/tier_form.html", {"group": group, "tier": tier, "form": form})


def _own(rights: Rights) -> Membership | None:
    """The person's own active membership (not an administrator's from a group above)."""
    return rights.membership if rights.active_member else None


@login_required
def dues(request: AuthedRequest, slug: str) -> HttpResponse:
    """My dues in a group; for its treasurer, every invoice and every member's standing."""
    rights = access_dues(request.user, slug)
    group = rights.group
    today = timezone.localdate()
    own = _own(rights)
    context: dict[str, object] = {"group": group, "rights": rights, "today": today}
    if own is not None:
        own.group = group  # the engine reads the group's rules; it is loaded already
        context["summary"] = dues_summary(own, today)
        context["own_invoices"] = list(membership_invoices(own))
    if rights.treasurer:
        status = request.GET.get("status", "")
        status = status if status in INVOICE_FILTERS else ""
        invoices = Paginator(invoice_list(rights, status=status, today=today), PAGE_SIZE)
        invoices_page = invoices.get_page(request.GET.get("page"))
        members = Paginator(member_standings(group, today), PAGE_SIZE)
        members_page = members.get_page(request.GET.get("members_page"))
        # Each list's pager keeps the other list's page and the filter.
        keep = {"status": status} if status else {}
        context.update(
            {
                "status": status,
                "filters": [
                    ("issued", _("Issued")),
                    ("overdue", _("Overdue")),
                    ("paid", _("Paid")),
                    ("void", _("Void")),
                ],
                "invoices": invoices_page,
                "invoice_keep": urlencode({**keep, "members_page": members_page.number}),
                "member_keep": urlencode({**keep, "page": invoices_page.number}),
                "members": members_page,
                "member_rows": standing_rows(group, list(members_page.object_list), today),
                "group_tiers": list(Tier.objects.filter(group=group)),
                "methods": Payment.Method.choices,
            }
        )
    return render(request, "dues/dues.html", context)


def _back(group: Group) -> HttpResponse:
    return redirect("dues:dues", slug=group.slug)


@login_required
@require_POST
def renew(request: AuthedRequest, slug: str) -> HttpResponse:
    rights = access_dues(request.user, slug)
    own = _own(rights)
    if own is None:
        raise PermissionDenied(_("Only members renew their membership."))
    try:
        invoice = services.renew(own, actor=request.user)
    except services.DuesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Renewal billed: invoice %(number)s, %(amount)s, due on %(date)s.")
            % {
                "number": invoice.number,
                "amount": invoice.amount_display,
                "date": invoice.due_on.isoformat(),
            },
        )
    return _back(rights.group)


@login_required
@require_POST
def auto_renew(request: AuthedRequest, slug: str) -> HttpResponse:
    rights = access_dues(request.user, slug)
    own = _own(rights)
    if own is None:
        raise PermissionDenied(_("Only members renew their membership."))
    on = request.POST.get("on") == "1"
    services.set_auto_renew(own, actor=request.user, on=on)
    if on:
        messages.success(request, _("Your membership will renew automatically."))
    else:
        messages.info(request, _("Automatic renewal is off: renew by hand before it expires."))
    return _back(rights.group)


@login_required
@require_POST
def record_payment(request: AuthedRequest, slug: str, invoice_id: int) -> HttpResponse:
    rights = access_dues(request.user, slug)
    invoice = access_invoice(rights, invoice_id, write=True)
    form = PaymentForm(request.POST, currency=invoice.currency)
    try:
        if not form.is_valid():
            raise services.DuesError(first_error(form))
        services.record_payment(
            invoice,
            actor=request.user,
            amount_minor=form.cleaned_data["amount"],
            method=form.cleaned_data["method"],
            reference=form.cleaned_data["reference"],
            received_on=form.cleaned_data["received_on"],
        )
    except services.DuesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Payment recorded on invoice %(number)s.") % {"number": invoice.number}
        )
    return _back(rights.group)


@login_required
@require_POST
def void(request: AuthedRequest, slug: str, invoice_id: int) -> HttpResponse:
    rights = access_dues(request.user, slug)
    invoice = access_invoice(rights, invoice_id, write=True)
    try:
        services.void_invoice(invoice, actor=request.user, reason=request.POST.get("reason", ""))
    except services.DuesError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("Invoice %(number)s is void.") % {"number": invoice.number})
    return _back(rights.group)


def _treasurer_membership(request: AuthedRequest, slug: str, membership_id: int) -> Membership:
    """A member of the group, for its treasurer or administrators to bill or move."""
    rights = access_dues(request.user, slug)
    if not rights.treasurer:
        raise PermissionDenied(_("Only the group's treasurer or administrators may do this."))
    membership = get_object_or_404(
        Membership.objects.select_related("user__profile", "tier"),
        group=rights.group,
        pk=membership_id,
    )
    membership.group = rights.group
    return membership


@login_required
@require_POST
def bill_fee(request: AuthedRequest, slug: str, membership_id: int) -> HttpResponse:
    membership = _treasurer_membership(request, slug, membership_id)
    form = FeeForm(request.POST, currency=membership.group.currency)
    try:
        if not form.is_valid():
            raise services.DuesError(first_error(form))
        invoice = services.bill_fee(
            membership,
            actor=request.user,
            amount_minor=form.cleaned_data["amount"],
            description=form.cleaned_data["description"],
            due_on=form.cleaned_data["due_on"],
        )
    except services.DuesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
    return _back(membership.group)


@login_required
@require_POST
def set_tier(request: AuthedRequest, slug: str, membership_id: int) -> HttpResponse:
    membership = _treasurer_membership(request, slug, membership_id)
    choice = request.POST.get("tier", "")
    tier = None
    if choice:
        if not choice.isdigit():
            messages.error(request, _("Choose a tier from the list."))
            return _back(membership.group)
        tier = get_object_or_404(Tier, group=membership.group, pk=int(choice))
    try:
        services.set_tier(membership, actor=request.user, tier=tier)
    except services.DuesError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Tier changed; it applies from the next invoice."))
    return _back(membership.group)


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    """My invoices in every group, newest first."""
    page = Paginator(with_paid(my_invoices(request.user)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "dues/my_invoices.html", {"page": page, "today": timezone.localdate()})
