"""Pages for visitors: a group's visitors page (the hosts' list, tasks and report; a member's
invitations), one visitor's visits, and the public visitor page of a meeting (no account
needed). Each view parses, checks access, calls a service and redirects or renders."""

from __future__ import annotations

import datetime
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.accounts.models import User
from cerchia.dues.forms import first_error
from cerchia.groups.access import access_group, rights_in
from cerchia.groups.kinds import GroupVisibility
from cerchia.lib.http import AuthedRequest
from cerchia.meetings import visitors as services
from cerchia.meetings.access import access_meeting_to_run
from cerchia.meetings.forms_visitors import InviteForm, VisitForm
from cerchia.meetings.models import Audience, Meeting
from cerchia.meetings.registrations import RegistrationError, status_message

PAGE_SIZE = 50
# Visitor-page submissions per address (IP) per hour, before the page asks them to wait.
POSTS_PER_IP_PER_HOUR = 20
# The inviter report's default period.
REPORT_DAYS = 182


def _period(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    """The report's period from ?since=&until= (dates, until inclusive); the last six months
    by default."""
    today = timezone.localdate()
    since = parse_date(request.GET.get("since", "") or "") or today - datetime.timedelta(
        days=REPORT_DAYS
    )
    until = parse_date(request.GET.get("until", "") or "") or today
    if until < since:
        since, until = until, since
    return since, until


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@login_required
def visitors(request: AuthedRequest, slug: str) -> HttpResponse:
    """The group's visitors: hosts and leaders see everyone with visit counts, the tasks to do
    and who brought whom; members invite and see the visitors they invited and the names of
    those coming to the next meetings."""
    rights = services.access_visitors(request.user, slug)
    group = rights.group
    host = services.sees_visitors(rights)
    meetings = services.open_meetings(group)
    initial = {}
    chosen = request.GET.get("meeting", "")
    if chosen.isdigit():
        initial["meeting"] = meetings.filter(pk=int(chosen)).first()
    form = InviteForm(request.POST or None, meetings=meetings, initial=initial)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise services.VisitorError(first_error(form))
            meeting = form.cleaned_data["meeting"]
            if meeting is None:
                visitor = services.add_visitor(group, actor=request.user, **form.person())
                messages.success(
                    request, _("%(name)s is on the visitor list.") % {"name": visitor.name}
                )
            else:
                meeting.group = group
                visitor, registration = services.invite_visitor(
                    meeting,
                    actor=request.user,
                    register_now=form.cleaned_data["register_now"],
                    **form.person(),
                )
                messages.success(
                    request,
                    _("%(name)s is invited to %(meeting)s: the invitation is on its way.")
                    % {"name": visitor.name, "meeting": meeting.title},
                )
                if registration is not None:
                    messages.info(request, status_message(registration))
        except RegistrationError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("visitors:list", slug=group.slug)
    now = timezone.now()
    page = Paginator(services.visitor_list(rights, now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    since, until = _period(request)
    context: dict[str, object] = {
        "group": group,
        "rights": rights,
        "host": host,
        "form": form,
        "page": page,
        "limit": group.rules.visitor_visit_limit,
        "tasks": list(services.tasks_for(rights)),
        "upcoming": services.upcoming_visits(group, now),
    }
    if host:
        context.update(
            {
                "brought": services.visitors_brought(
                    group, _moment(since), _moment(until + datetime.timedelta(days=1))
                ),
                "since": since,
                "until": until,
                "recent": list(services.recent_meetings(group, now)),
            }
        )
    return render(request, "meetings/visitors/list.html", context)


@login_required
def visitor_detail(request: AuthedRequest, slug: str, visitor_id: int) -> HttpResponse:
    """One visitor's contacts, visits and tasks: 404 for anyone who may not see them."""
    visitor = services.access_visitor(
        request.user, visitor_id, group=access_group(request.user, slug)
    )
    group = visitor.group
    return render(
        request,
        "meetings/visitors/detail.html",
        {
            "group": group,
            "visitor": visitor,
            "visits": services.visits_of(visitor),
            "tasks": list(visitor.tasks.select_related("meeting", "assignee__profile")),
            "host": services.sees_visitors(rights_in(request.user, group)),
        },
    )


@login_required
@require_POST
def task_done(request: AuthedRequest, slug: str, task_id: int) -> HttpResponse:
    found = services.access_task(request.user, task_id)
    if found.group.slug != slug:
        raise Http404(_("No such task"))
    try:
        services.complete_task(found, actor=request.user)
    except RegistrationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Done: %(task)s (%(visitor)s).")
            % {"task": found.get_kind_display(), "visitor": found.visitor.name},
        )
    return redirect("visitors:list", slug=found.group.slug)


@login_required
@require_POST
def close(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """Follow up a meeting's visits now (the daily job would tomorrow)."""
    meeting, _rights = access_meeting_to_run(request.user, meeting_id)
    try:
        tasks = services.close_visits(meeting, actor=request.user)
    except RegistrationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(count)s follow-up tasks created for %(meeting)s.")
            % {"count": len(tasks), "meeting": meeting.title},
        )
    return redirect("visitors:list", slug=meeting.group.slug)


def _too_many_posts(request: HttpRequest) -> bool:
    """A rough guard for the public page: submissions per client address per hour (the
    per-address limit on registrations is in the service, in the database)."""
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    key = "visit-posts:" + hashlib.sha256(address.encode()).hexdigest()[:32]
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > POSTS_PER_IP_PER_HOUR


def _join_url(meeting: Meeting) -> str:
    """Where a visitor past the limit can join: the group's page, unless it is private
    (then only the member who invited them can help)."""
    group = meeting.group
    return "" if group.visibility == GroupVisibility.PRIVATE else group.get_absolute_url()


def _closed_reason(meeting: Meeting) -> str:
    if meeting.is_cancelled:
        return _("This meeting was cancelled.")
    if meeting.ends_at <= timezone.now():
        return _("This meeting is over.")
    if meeting.members_only:
        return _("This meeting is for members only: visitors cannot come.")
    return ""


def visit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The public visitor page: name, email, company, profession → registered, no account
    needed. Public groups' meetings open to anyone; other groups' only with an invitation."""
    token = (request.POST.get("t") or request.GET.get("t") or "").strip()
    meeting, invitation = services.access_visit_page(meeting_id, token)
    group = meeting.group
    user = request.user
    context: dict[str, object] = {
        "meeting": meeting,
        "group": group,
        "token": token,
        "invitation": invitation,
        "visitor_price": meeting.price_display(Audience.VISITOR),
        "non_member_price": meeting.price_display(Audience.NON_MEMBER),
        "closed": _closed_reason(meeting),
        "join_url": _join_url(meeting),
    }
    rights = rights_in(user, group)
    if rights.active_member:
        context["member"] = True
        return render(request, "meetings/visitors/visit.html", context)
    known = invitation.visitor if invitation is not None else None
    initial: dict[str, object] = {}
    if known is not None:
        initial = {
            "name": known.name,
            "email": known.email,
            "company": known.company,
            "profession": known.profession_id,
        }
    elif isinstance(user, User):
        profile = getattr(user, "profile", None)
        initial = {
            "name": getattr(profile, "display_name", ""),
            "email": user.email,
            "company": getattr(profile, "company", ""),
            "profession": getattr(profile, "profession_id", None),
        }
    form = VisitForm(request.POST or None, initial=initial)
    if known is not None and request.method != "POST":
        # Say it before they confirm: past the limit, a visit costs the non-member price.
        check = services.check_visit(meeting, known)
        context["check"] = check
    if request.method == "POST" and not context["closed"]:
        if form.is_robot:
            # Look like it worked; save nothing.
            return render(request, "meetings/visitors/visit_done.html", context)
        if _too_many_posts(request):
            context["form"] = form
            messages.error(request, _("Too many attempts from your connection: try again later."))
            return render(request, "meetings/visitors/visit.html", context, status=429)
        try:
            if not form.is_valid():
                raise services.VisitorError(first_error(form))
            registration = services.register_visit(
                meeting,
                user=user if getattr(user, "is_authenticated", False) else None,
                invitation=invitation,
                accept_non_member_price=form.cleaned_data["accept_price"],
                **form.person(),
            )
        except services.NonMemberPriceOnly as exc:
            context["price_offer"] = str(exc)
        except services.VisitLimitReached as exc:
            context["refused"] = str(exc)
        except RegistrationError as exc:
            form.add_error(None, str(exc))
        else:
            context.update({"registration": registration, "message": status_message(registration)})
            return render(request, "meetings/visitors/visit_done.html", context)
    context["form"] = form
    return render(request, "meetings/visitors/visit.html", context)
