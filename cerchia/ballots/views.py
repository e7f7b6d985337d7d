"""Pages for ballots: a group's list (open / closed), one ballot with its vote form or its
results, and the form administrators use to put a question. Each view parses, checks access,
calls a service and redirects. Times read in the group's time zone."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.ballots import services
from cerchia.ballots.access import access_ballot, access_ballots, access_ballots_group
from cerchia.ballots.forms import BallotForm
from cerchia.ballots.models import Ballot
from cerchia.ballots.selectors import (
    SHOWS,
    ballot_list,
    ballot_results,
    may_see_results,
    my_vote,
    votes_by_voter,
)
from cerchia.lib.http import AuthedRequest

PAGE_SIZE = 25
VOTERS_PAGE_SIZE = 100
# How long a new ballot stays open unless the administrator says otherwise.
DEFAULT_DAYS_OPEN = 7


@login_required
def ballots(request: AuthedRequest, slug: str) -> HttpResponse:
    """The group's ballots, open ones first (the default) or closed ones."""
    rights = access_ballots(request.user, slug)
    group = rights.group
    show = request.GET.get("show", "")
    show = show if show in SHOWS else "open"
    now = timezone.now()
    page = Paginator(ballot_list(rights, show=show, now=now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for ballot in page.object_list:
        ballot.group = group  # for its address: the group is loaded already
        state = ballot.state_at(now)
        rows.append(
            {
                "ballot": ballot,
                "state": state,
                "state_label": Ballot.State(state).label,
                # How many voted is part of the result: members see it once the ballot closes.
                "show_count": may_see_results(rights, ballot, now),
            }
        )
    with timezone.override(group.time_zone):
        return render(
            request,
            "ballots/list.html",
            {
                "group": group,
                "show": show,
                "page": page,
                "rows": rows,
                "manager": rights.manager,
                "keep": f"show={show}",
            },
        )


@login_required
def create(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_ballots_group(request.user, slug, write=True)
    with timezone.override(group.time_zone):
        closes = timezone.localtime() + datetime.timedelta(days=DEFAULT_DAYS_OPEN)
        form = BallotForm(
            request.POST or None, initial={"closes_at": closes.replace(second=0, microsecond=0)}
        )
        if request.method == "POST" and form.is_valid():
            try:
                ballot = services.create_ballot(group, actor=request.user, **form.ballot_fields())
            except services.BallotError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The ballot is ready."))
                return redirect(ballot)
        return render(request, "ballots/create.html", {"group": group, "form": form})


@login_required
def detail(request: AuthedRequest, slug: str, ballot_id: int) -> HttpResponse:
    """A ballot: the vote form while it is open (or why one may not vote), my vote once cast,
    and the results to those who may see them."""
    rights = access_ballots(request.user, slug)
    ballot = access_ballot(rights, ballot_id)
    group = rights.group
    now = timezone.now()
    state = ballot.state_at(now)
    mine = my_vote(ballot, request.user)
    refusal = ""
    if state == Ballot.State.OPEN and mine is None:
        if rights.membership is not None:
            rights.membership.group = group  # the standing engine reads the rules
        refusal = services.why_cannot_vote(rights.membership, timezone.localdate(now))
    voters = None
    if rights.manager and not ballot.secret:
        voters = Paginator(votes_by_voter(ballot), VOTERS_PAGE_SIZE).get_page(
            request.GET.get("voters_page")
        )
    context = {
        "group": group,
        "ballot": ballot,
        "state": state,
        "state_label": Ballot.State(state).label,
        "options": list(ballot.options.all()),
        "my_vote": mine,
        "can_vote": state == Ballot.State.OPEN and mine is None and not refusal,
        "refusal": refusal,
        # Members kept from voting by their dues find what to pay there.
        "dues_link": bool(refusal)
        and rights.membership is not None
        and rights.active_member
        and rights.membership.category == rights.membership.Category.FULL,
        "results": ballot_results(ballot, now) if may_see_results(rights, ballot, now) else None,
        "voters": voters,
        "manager": rights.manager,
        "can_cancel": rights.manager and state in (Ballot.State.UPCOMING, Ballot.State.OPEN),
    }
    with timezone.override(group.time_zone):
        return render(request, "ballots/detail.html", context)


@login_required
@require_POST
def vote(request: AuthedRequest, slug: str, ballot_id: int) -> HttpResponse:
    rights = access_ballots(request.user, slug, voting=True)
    ballot = access_ballot(rights, ballot_id)
    choice = request.POST.get("option", "")
    if not choice.isdigit():
        messages.error(request, _("Choose one of this ballot's options."))
        return redirect(ballot)
    try:
        services.cast_vote(ballot, voter=request.user, option_id=int(choice))
    except services.BallotError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your vote is counted. Thank you for voting."))
    return redirect(ballot)


@login_required
@require_POST
def cancel(request: AuthedRequest, slug: str, ballot_id: int) -> HttpResponse:
    rights = access_ballots(request.user, slug)
    ballot = access_ballot(rights, ballot_id, write=True)
    try:
        services.cancel_ballot(ballot, actor=request.user)
    except services.BallotError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("The ballot is cancelled: it takes no more votes."))
    return redirect(ballot)
