"""Pages for reviewing applications beyond approve/reject, and for ending memberships:
reviewers ask an applicant for more, the applicant answers, administrators terminate."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.groups import services
from cerchia.groups.access import access_group, access_membership, membership_of
from cerchia.groups.views import _after_action
from cerchia.lib.http import AuthedRequest


@login_required
@require_POST
def ask(request: AuthedRequest, slug: str, membership_id: int) -> HttpResponse:
    """A reviewer asks the applicant a question before deciding."""
    group = access_group(request.user, slug)
    membership = access_membership(request.user, group, membership_id, write=True)
    try:
        services.ask_applicant(
            membership, actor=request.user, question=request.POST.get("question", "")
        )
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your question is sent to the applicant."))
    return redirect(group)


@login_required
@require_POST
def answer(request: AuthedRequest, slug: str) -> HttpResponse:
    """The applicant answers the reviewers' question (from the membership panel)."""
    group = access_group(request.user, slug)
    membership = membership_of(request.user, group)
    if membership is None:
        raise Http404(_("No such membership"))
    try:
        services.answer_reviewers(
            membership, actor=request.user, answer=request.POST.get("answer", "")
        )
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your answer is with the reviewers."))
    return _after_action(request, group)


@login_required
@require_POST
def terminate(request: AuthedRequest, slug: str, membership_id: int) -> HttpResponse:
    """Administrators end someone's membership, saying why."""
    group = access_group(request.user, slug, write=True)
    membership = access_membership(request.user, group, membership_id, write=True)
    try:
        services.terminate_membership(
            membership, actor=request.user, reason=request.POST.get("reason", "")
        )
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("The membership has ended; the member is told why."))
    return redirect(group)
