"""Introduction pages: mine and the ones asking me, a new one (with the close-tie warning),
one introduction as its owner or as a member side sees it, answering, withdrawing, recording
how it went — and the public page a contact side answers on through its link, which shows
the introducer's name and the reason and nothing about the other side until both accept."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cerchia.contacts.access import owned_contacts
from cerchia.contacts.errors import ContactsError
from cerchia.contacts.forms import contact_names
from cerchia.contacts.forms_touch import IntroductionForm, OutcomeForm
from cerchia.contacts.introductions import (
    CloseTieWarning,
    access_introduction,
    answer_introduction,
    introduce,
    introduction_by_token,
    introductions_made,
    introductions_to,
    record_outcome,
    side_name,
    side_view,
    withdraw_introduction,
)
from cerchia.dues.forms import first_error
from cerchia.lib.http import AuthedRequest, HtmxRequest

PAGE_SIZE = 30


def _answer(request: HtmxRequest) -> bool | None:
    """The button pressed: accept (True), decline (False) or neither (None)."""
    return {"accept": True, "decline": False}.get(request.POST.get("answer", ""))


@login_required
def introduction_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    page = Paginator(introductions_made(user), PAGE_SIZE).get_page(request.GET.get("page"))
    asked = list(introductions_to(user)[:PAGE_SIZE])
    return render(
        request,
        "contacts/introduction_list.html",
        {
            "page": page,
            "rows": [
                (intro, side_name(intro, "a"), side_name(intro, "b")) for intro in page.object_list
            ],
            "asked": [
                side_view(intro, "a" if intro.a_member_id == user.pk else "b") for intro in asked
            ],
        },
    )


@login_required
def introduction_new(request: AuthedRequest) -> HttpResponse:
    user = request.user
    initial: dict[str, Any] = {}
    chosen = request.GET.get("a", "")
    first = owned_contacts(user).filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if first is not None:
        initial["a"] = first.name
    posted: Any = request.POST if request.method == "POST" else None
    form = IntroductionForm(posted, owner=user, initial=initial)
    warning = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            introduction = introduce(
                user,
                a=data["a"],
                b=data["b_contact"] or data["b_member"],
                reason=data["reason"],
                confirm_close_tie=data["confirm_close_tie"],
            )
        except CloseTieWarning as exc:
            warning = str(exc)
        except ContactsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Introduction sent: both sides are asked, and neither sees the other "
                    "until both accept."
                ),
            )
            return redirect("touch:introduction", introduction_id=introduction.pk)
    return render(
        request,
        "contacts/introduction_new.html",
        {"form": form, "warning": warning, "names": contact_names(user)},
    )


@login_required
def introduction_detail(request: AuthedRequest, introduction_id: int) -> HttpResponse:
    access = access_introduction(request.user, introduction_id)
    introduction = access.introduction
    if access.is_owner:
        return render(
            request,
            "contacts/introduction_detail.html",
            {
                "introduction": introduction,
                "a_name": side_name(introduction, "a"),
                "b_name": side_name(introduction, "b"),
                "outcome_form": OutcomeForm(
                    initial={
                        "outcome": introduction.outcome,
                        "note": introduction.outcome_note,
                        "on": introduction.outcome_on or timezone.localdate(),
                    }
                ),
            },
        )
    return render(
        request,
        "contacts/introduction_side.html",
        {"view": side_view(introduction, access.side), "signed_in": True},
    )


@login_required
@require_POST
def introduction_answer(request: AuthedRequest, introduction_id: int) -> HttpResponse:
    access = access_introduction(request.user, introduction_id)
    accept = _answer(request)
    if access.is_owner or accept is None:
        messages.error(request, _("Only the people introduced answer, with accept or decline."))
        return redirect("touch:introduction", introduction_id=introduction_id)
    try:
        answer_introduction(
            access.introduction, side=access.side, accept=accept, actor=request.user
        )
    except ContactsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you: your answer is recorded."))
    return redirect("touch:introduction", introduction_id=introduction_id)


@login_required
@require_POST
def introduction_withdraw(request: AuthedRequest, introduction_id: int) -> HttpResponse:
    access = access_introduction(request.user, introduction_id)
    try:
        withdraw_introduction(access.introduction, actor=request.user)
    except ContactsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Introduction withdrawn."))
    return redirect("touch:introduction", introduction_id=introduction_id)


@login_required
@require_POST
def introduction_outcome(request: AuthedRequest, introduction_id: int) -> HttpResponse:
    access = access_introduction(request.user, introduction_id)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("touch:introduction", introduction_id=introduction_id)
    data = form.cleaned_data
    try:
        record_outcome(
            access.introduction,
            actor=request.user,
            outcome=data["outcome"],
            note=data["note"],
            on=data["on"],
        )
    except ContactsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Recorded in the history of the contacts involved."))
    return redirect("touch:introduction", introduction_id=introduction_id)


@never_cache
def introduction_by_link(request: HtmxRequest, token: str) -> HttpResponse:
    """The page a contact side opens from its email: no account needed, the link is the key.
    It shows who introduces them and why; the other side only once both accepted."""
    introduction, side = introduction_by_token(token)
    error = ""
    if request.method == "POST":
        accept = _answer(request)
        try:
            if accept is None:
                raise ContactsError(_("Choose accept or decline."))
            introduction = answer_introduction(introduction, side=side, accept=accept)
        except ContactsError as exc:
            error = str(exc)
        else:
            return redirect("touch:introduction_link", token=token)
    response = render(
        request,
        "contacts/introduction_side.html",
        {"view": side_view(introduction, side), "signed_in": False, "error": error},
        status=400 if error else 200,
    )
    # The link is a secret: never sent on to another site, never indexed.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
