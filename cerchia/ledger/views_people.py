"""Pages for one-to-ones, connections ("people I met") and follow-ups, the "people I met" list
after a meeting, and the follow-up rates leaders see (counts only, never who met whom). Each
view parses, checks access, calls a service and redirects or renders."""

from __future__ import annotations

import datetime
from typing import Any, NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cerchia.accounts.models import User
from cerchia.dues.forms import first_error
from cerchia.groups.access import access_group, rights_in
from cerchia.ledger import services
from cerchia.ledger.access import access_connection, access_one_to_one
from cerchia.ledger.forms_people import (
    ConnectionFilter,
    ConnectionForm,
    FollowUpForm,
    HoldForm,
    OneToOneFilter,
    OneToOneForm,
    PeopleMetForm,
    person_label,
)
from cerchia.ledger.models import Connection, OneToOne
from cerchia.ledger.selectors_people import (
    active_groups_of,
    connections_of,
    follow_ups_of,
    group_follow_up_by_event,
    group_follow_up_rate,
    meeting_follow_up_rate,
    one_to_ones_of,
    people_to_meet,
    user_follow_up_rate,
)
from cerchia.ledger.services import LedgerError
from cerchia.lib.http import AuthedRequest
from cerchia.meetings.access import access_meeting

PAGE_SIZE = 30
# The task list shows this many open follow-ups, the most urgent first.
FOLLOW_UPS_SHOWN = 50
# The leaders' report covers the last year unless told otherwise.
REPORT_DAYS = 365


class OneToOneRow(NamedTuple):
    one: OneToOne
    other: User  # the other person, whichever of the two I am
    proposed_by_me: bool


def _posted(request: AuthedRequest) -> Any:
    """The posted data, even when empty (``request.POST or None`` would leave the form
    unbound and its errors unsaid)."""
    return request.POST if request.method == "POST" else None


def _keep(request: AuthedRequest) -> str:
    """The list's filters, for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- one-to-ones --------------------------------------------------------------------------


@login_required
def one_to_ones(request: AuthedRequest) -> HttpResponse:
    """My one-to-ones (both directions) and the form to propose one or log one held."""
    user = request.user
    groups = active_groups_of(user)
    form = OneToOneForm(_posted(request), people=people_to_meet(user), groups=groups)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            one = services.propose_one_to_one(
                user,
                partner=data["partner"],
                group=data["group"],
                scheduled_for=data["scheduled_for"],
                place=data["place"],
                notes=data["notes"],
                held_on=data["held_on"],
            )
        except LedgerError as exc:
            form.add_error(None, str(exc))
        else:
            name = person_label(data["partner"])
            if one.status == OneToOne.Status.HELD:
                text = _("Your one-to-one with %(person)s is logged.") % {"person": name}
            else:
                text = _("One-to-one proposed to %(person)s.") % {"person": name}
            messages.success(request, text)
            return redirect("ledger:one_to_ones")
    filters = OneToOneFilter(request.GET, groups=groups, auto_id="filter_%s")
    page = Paginator(one_to_ones_of(user, **filters.filters()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        OneToOneRow(
            one=one,
            other=one.partner if one.proposer_id == user.pk else one.proposer,
            proposed_by_me=one.proposer_id == user.pk,
        )
        for one in page.object_list
    ]
    return render(
        request,
        "ledger/people/one_to_ones.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "keep": _keep(request),
        },
    )


@login_required
@require_POST
def one_to_one_held(request: AuthedRequest, one_id: int) -> HttpResponse:
    one = access_one_to_one(request.user, one_id)
    form = HoldForm(request.POST)
    try:
        if not form.is_valid():
            raise LedgerError(first_error(form))
        services.hold_one_to_one(
            one,
            actor=request.user,
            held_on=form.cleaned_data["held_on"],
            notes=form.cleaned_data["notes"],
        )
    except LedgerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The one-to-one is recorded as held."))
    return redirect("ledger:one_to_ones")


@login_required
@require_POST
def one_to_one_cancel(request: AuthedRequest, one_id: int) -> HttpResponse:
    one = access_one_to_one(request.user, one_id)
    try:
        services.cancel_one_to_one(one, actor=request.user)
    except LedgerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The one-to-one is cancelled."))
    return redirect("ledger:one_to_ones")


# --- connections and follow-ups -----------------------------------------------------------


@login_required
def connections(request: AuthedRequest) -> HttpResponse:
    """The people I met, the form to add one, and the follow-ups I owe (the task list)."""
    user = request.user
    groups = active_groups_of(user)
    form = ConnectionForm(_posted(request), people=people_to_meet(user), groups=groups)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            connection = services.record_connection(
                user,
                where=data["where"],
                person=data["person"],
                name=data["name"],
                email=data["email"],
                company=data["company"],
                group=data["group"],
                met_on=data["met_on"],
                notes=data["notes"],
            )
        except LedgerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(person)s noted: follow up by %(day)s.")
                % {"person": connection.name, "day": connection.follow_up_due.isoformat()},
            )
            return redirect("ledger:connections")
    filters = ConnectionFilter(request.GET, groups=groups, auto_id="filter_%s")
    today = timezone.localdate()
    page = Paginator(connections_of(user, today=today, **filters.filters()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    follow_ups = list(follow_ups_of(user)[: FOLLOW_UPS_SHOWN + 1])
    return render(
        request,
        "ledger/people/connections.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "keep": _keep(request),
            "follow_ups": follow_ups[:FOLLOW_UPS_SHOWN],
            "more_follow_ups": len(follow_ups) > FOLLOW_UPS_SHOWN,
            "rate": user_follow_up_rate(user, today=today),
            "today": today,
        },
    )


def _via_label(via: str) -> str:
    """What completed a follow-up, in words (blank when marked done by hand)."""
    labels = {
        "referral": _("a referral"),
        "one_to_one": _("a one-to-one"),
        "closed_business": _("closed business"),
    }
    return labels.get(via, "")


@login_required
def connection_detail(request: AuthedRequest, connection_id: int) -> HttpResponse:
    connection = access_connection(request.user, connection_id)
    return render(
        request,
        "ledger/people/connection.html",
        {
            "connection": connection,
            "today": timezone.localdate(),
            "via_label": _via_label(connection.followed_up_via),
        },
    )


def _back(request: AuthedRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "ledger:connections"


@login_required
@require_POST
def follow_up(request: AuthedRequest, connection_id: int) -> HttpResponse:
    """Mark a follow-up done: one tap. With htmx the task's row comes back, done."""
    connection = access_connection(request.user, connection_id)
    form = FollowUpForm(request.POST)
    error = ""
    try:
        if not form.is_valid():
            raise LedgerError(first_error(form))
        connection = services.mark_followed_up(
            connection, actor=request.user, on=form.cleaned_data["on"]
        )
    except LedgerError as exc:
        error = str(exc)
    if request.htmx:
        return render(
            request,
            "ledger/people/_follow_up.html",
            {"item": connection, "today": timezone.localdate(), "error": error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Followed up: %(person)s.") % {"person": connection.name})
    return redirect(_back(request))


# --- after a meeting ----------------------------------------------------------------------


@login_required
def people_met(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """After a meeting or event: the people checked in alongside me, all ticked, to note as
    people I met in one tap."""
    meeting, _rights = access_meeting(request.user, meeting_id)
    user = request.user
    was_there = services.attended(user, meeting)
    candidates = services.people_met_candidates(user, meeting) if was_there else []
    form = PeopleMetForm(_posted(request), candidates=candidates)
    if request.method == "POST" and was_there and form.is_valid():
        try:
            made = services.confirm_people_met(
                user, meeting, person_ids=form.cleaned_data["people"]
            )
        except LedgerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s person noted from %(meeting)s.",
                    "%(count)s people noted from %(meeting)s.",
                    len(made),
                )
                % {"count": len(made), "meeting": meeting.title},
            )
            return redirect("ledger:connections")
    noted: list[Connection] = []
    if was_there:
        noted = list(connections_of(user, meeting_id=meeting.pk))
    return render(
        request,
        "ledger/people/people_met.html",
        {
            "meeting": meeting,
            "group": meeting.group,
            "was_there": was_there,
            "form": form,
            "candidates": candidates,
            "noted": noted,
        },
    )


# --- follow-up rates for leaders ----------------------------------------------------------


def _leaders_only(user: Any, group: Any) -> None:
    if not rights_in(user, group).manager:
        raise PermissionDenied(_("Only the group's leaders see its follow-up rates."))


@login_required
def meeting_follow_ups(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting, _rights = access_meeting(request.user, meeting_id)
    _leaders_only(request.user, meeting.group)
    return render(
        request,
        "ledger/people/meeting_follow_ups.html",
        {"meeting": meeting, "group": meeting.group, "rate": meeting_follow_up_rate(meeting)},
    )


def _period(request: AuthedRequest) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    since = parse_date(request.GET.get("date_from", "") or "") or today - datetime.timedelta(
        days=REPORT_DAYS
    )
    until = parse_date(request.GET.get("date_to", "") or "") or today
    if until < since:
        since, until = until, since
    return since, until


@login_required
def group_follow_ups(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    _leaders_only(request.user, group)
    since, until = _period(request)
    return render(
        request,
        "ledger/people/group_follow_ups.html",
        {
            "group": group,
            "since": since,
            "until": until,
            "rate": group_follow_up_rate(group, date_from=since, date_to=until),
            "events": group_follow_up_by_event(group, date_from=since, date_to=until),
        },
    )
