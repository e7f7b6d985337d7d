"""Pages of "who is worth meeting": a group's and a meeting's matches (members and attendees
only: 404 for anyone else), "Not interested" and "Connect", and my connection requests."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.accounts.selectors import card_for
from cerchia.community import connections as services
from cerchia.community.errors import CommunityError
from cerchia.community.selectors_matching import (
    access_group_matches,
    access_meeting_matches,
    group_people,
    suggestions_for,
)
from cerchia.groups.models import Group, Membership
from cerchia.lib.http import AuthedRequest

PAGE_SIZE = 30


def _back(request: AuthedRequest, fallback: Any) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _my_group(user: Any, group_id: str) -> Group | None:
    """The group a request is made from, if the person is an active member of it."""
    if not group_id.isdigit():
        return None
    mine = Membership.objects.active().filter(user=user).values("group_id")
    return Group.objects.filter(pk=int(group_id), pk__in=mine).first()


@login_required
def group_matches(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_group_matches(request.user, slug)
    return render(
        request,
        "community/matches.html",
        {
            "title": group.title,
            "back": group.get_absolute_url(),
            "context_group": group,
            "suggestions": suggestions_for(request.user, group_people(group)),
        },
    )


@login_required
def meeting_matches(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting, people = access_meeting_matches(request.user, meeting_id)
    return render(
        request,
        "community/matches.html",
        {
            "title": meeting.title,
            "back": meeting.get_absolute_url(),
            "context_group": _my_group(request.user, str(meeting.group_id)),
            "suggestions": suggestions_for(request.user, people),
        },
    )


@login_required
@require_POST
def dismiss(request: AuthedRequest, user_id: int) -> HttpResponse:
    profile, card = card_for(request.user, user_id)
    try:
        services.dismiss_suggestion(request.user, other=profile.user)
    except CommunityError as exc:
        messages.error(request, str(exc))
        return _back(request, "matching:requests")
    if request.htmx:
        return HttpResponse("")  # the suggestion's card goes away
    messages.info(
        request,
        _("%(name)s will not be suggested to you again.") % {"name": card["display_name"]},
    )
    return _back(request, "matching:requests")


@login_required
@require_POST
def connect(request: AuthedRequest, user_id: int) -> HttpResponse:
    # Only someone whose card I can see: the answer must not reveal who exists.
    profile, card = card_for(request.user, user_id)
    group = _my_group(request.user, request.POST.get("group", ""))
    try:
        services.send_connection_request(
            request.user,
            profile.user,
            message=request.POST.get("message", ""),
            group=group,
        )
    except CommunityError as exc:
        error, done = str(exc), ""
    else:
        error, done = "", _("Request sent to %(name)s.") % {"name": card["display_name"]}
    if request.htmx:
        return render(request, "community/_connect_result.html", {"error": error, "done": done})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return _back(request, "matching:requests")


@login_required
def requests_page(request: AuthedRequest) -> HttpResponse:
    outgoing = Paginator(services.requests_of(request.user, incoming=False), PAGE_SIZE)
    return render(
        request,
        "community/requests.html",
        {
            "incoming": list(services.requests_of(request.user, incoming=True)[:200]),
            "page": outgoing.get_page(request.GET.get("page")),
        },
    )


@login_required
@require_POST
def request_action(request: AuthedRequest, request_id: int, action: str) -> HttpResponse:
    found = services.access_connection_request(request.user, request_id)
    act = {
        "accept": (services.accept_connection_request, _("You are now connected.")),
        "decline": (services.decline_connection_request, _("Request declined.")),
        "withdraw": (services.withdraw_connection_request, _("Request withdrawn.")),
    }[action]
    try:
        act[0](found, actor=request.user)
    except CommunityError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, act[1])
    return redirect("matching:requests")
