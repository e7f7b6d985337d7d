"""Pages for meetings: a group's meetings, one meeting, the forms to plan them and series,
and the calendar files (one meeting's download, a public group's feed, a person's private
feed and the page to manage it). Each view parses, checks access, calls a service and
renders or redirects."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.groups.access import Rights, access_group, rights_in
from cerchia.groups.models import Group
from cerchia.lib.http import AuthedRequest
from cerchia.meetings import calendars, services
from cerchia.meetings.access import access_meeting, access_meeting_to_run, can_run
from cerchia.meetings.forms import EndSeriesForm, ExceptionForm, MeetingForm, SeriesForm
from cerchia.meetings.models import Audience, CalendarToken, Meeting, Registration, Series
from cerchia.meetings.recurrence import parse_local
from cerchia.meetings.selectors import (
    is_public,
    meeting_with_counts,
    meetings_of,
    private_feed,
    public_feed,
    series_meetings,
    shows_online_link,
)

PAGE_SIZE = 30


def _member(rights: Rights) -> bool:
    """Members see members-only online links; so do the group's leaders."""
    return rights.active_member or can_run(rights)


def group_meetings(request: HttpRequest, slug: str) -> HttpResponse:
    """A group's upcoming meetings (``?past=1``: past ones), for anyone who may see it."""
    group = access_group(request.user, slug)
    rights = rights_in(request.user, group)
    past = request.GET.get("past") == "1"
    page = Paginator(meetings_of(group, viewer=request.user, past=past), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "meetings/list.html",
        {
            "group": group,
            "page": page,
            "past": past,
            "runner": can_run(rights),
            "public_feed": is_public(group),
            "statuses": Registration.Status.choices,
        },
    )


def _prices(meeting: Meeting) -> list[tuple[str, str]]:
    """Each audience's price, or nothing when the meeting is free for everyone."""
    if not (
        meeting.price_member_minor or meeting.price_non_member_minor or meeting.price_visitor_minor
    ):
        return []
    return [(str(label), meeting.price_display(code)) for code, label in Audience.choices]


def detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting, rights = access_meeting(request.user, meeting_id)
    meeting = meeting_with_counts(meeting, request.user)
    registered = getattr(meeting, "my_status", None) == Registration.Status.REGISTERED
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "group": meeting.group,
            "rights": rights,
            "runner": can_run(rights),
            "show_link": shows_online_link(meeting, member=_member(rights), registered=registered),
            "moved": meeting.original_start is not None
            and meeting.original_start != meeting.starts_at,
            "prices": _prices(meeting),
        },
    )


def _runner_group(request: AuthedRequest, slug: str) -> Group:
    group = access_group(request.user, slug)
    if not can_run(rights_in(request.user, group)):
        raise PermissionDenied(_("Only the group's leaders may plan its meetings."))
    return group


@login_required
def create(request: AuthedRequest, slug: str) -> HttpResponse:
    group = _runner_group(request, slug)
    form = MeetingForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(group, actor=request.user, **form.meeting_fields())
        except services.MeetingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(meeting)s is planned.") % {"meeting": meeting.title})
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"group": group, "form": form})


@login_required
def edit(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting, _rights = access_meeting_to_run(request.user, meeting_id)
    group = meeting.group
    zone = ZoneInfo(group.time_zone)
    form = MeetingForm(
        request.POST or None, group=group, initial=MeetingForm.initial_for(meeting, zone)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(meeting, actor=request.user, changes=form.meeting_fields())
        except services.MeetingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(meeting)s saved.") % {"meeting": meeting.title})
            return redirect(meeting)
    return render(
        request, "meetings/meeting_form.html", {"group": group, "form": form, "meeting": meeting}
    )


@login_required
@require_POST
def cancel(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting, _rights = access_meeting_to_run(request.user, meeting_id)
    try:
        services.cancel_meeting(meeting, actor=request.user, reason=request.POST.get("reason", ""))
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(
            request,
            _("%(meeting)s is cancelled; everyone registered is told.")
            % {"meeting": meeting.title},
        )
    return redirect(meeting)


@login_required
def series_create(request: AuthedRequest, slug: str) -> HttpResponse:
    group = _runner_group(request, slug)
    form = SeriesForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            series = services.create_series(group, actor=request.user, **form.series_fields())
        except services.MeetingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(series)s is planned.") % {"series": series.title})
            return redirect("meetings:series", slug=group.slug, series_id=series.pk)
    return render(request, "meetings/series_form.html", {"group": group, "form": form})


def _series(user: object, slug: str, series_id: int) -> tuple[Series, Rights]:
    group = access_group(user, slug)
    series = get_object_or_404(Series.objects.select_related("group"), group=group, pk=series_id)
    series.group = group
    return series, rights_in(user, group)


def series_detail(request: HttpRequest, slug: str, series_id: int) -> HttpResponse:
    """A series: its rule, its next meetings and exceptions; leaders add or remove exceptions
    and end it here."""
    series, rights = _series(request.user, slug, series_id)
    runner = can_run(rights)
    return render(
        request,
        "meetings/series.html",
        {
            "group": series.group,
            "series": series,
            "runner": runner,
            "weeks": list(series_meetings(series)[:PAGE_SIZE]),
            # Naive local times: shown as they are, in the series' time zone.
            "exceptions": [(parse_local(value), value) for value in series.exdates or []],
            "statuses": Registration.Status.choices,
            "exception_form": ExceptionForm() if runner else None,
            "end_form": EndSeriesForm() if runner and series.ended_at is None else None,
        },
    )


def _runner_series(request: AuthedRequest, slug: str, series_id: int) -> Series:
    series, rights = _series(request.user, slug, series_id)
    if not can_run(rights):
        raise PermissionDenied(_("Only the group's leaders may plan its meetings."))
    return series


@login_required
@require_POST
def series_exception(request: AuthedRequest, slug: str, series_id: int) -> HttpResponse:
    """Add an exception (a date with no meeting) or, with ``remove``, take one back."""
    series = _runner_series(request, slug, series_id)
    back = redirect("meetings:series", slug=series.group.slug, series_id=series.pk)
    removing = request.POST.get("remove", "")
    try:
        if removing:
            services.update_series(series, actor=request.user, remove_exdates=[removing])
            messages.info(request, _("The series meets that week again."))
            return back
        form = ExceptionForm(request.POST)
        if not form.is_valid():
            raise services.MeetingError(_("Choose the date without a meeting."))
        services.update_series(series, actor=request.user, add_exdates=[form.cleaned_data["day"]])
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("No meeting that day."))
    return back


@login_required
@require_POST
def series_end(request: AuthedRequest, slug: str, series_id: int) -> HttpResponse:
    series = _runner_series(request, slug, series_id)
    form = EndSeriesForm(request.POST)
    try:
        if not form.is_valid():
            raise services.MeetingError(_("Choose the day of the last meeting."))
        services.update_series(series, actor=request.user, end_on=form.cleaned_data["last_day"])
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The series ends after %(date)s.")
            % {"date": form.cleaned_data["last_day"].isoformat()},
        )
    return redirect("meetings:series", slug=series.group.slug, series_id=series.pk)


# --- calendars ----------------------------------------------------------------------------


def _calendar(body: bytes, filename: str = "") -> HttpResponse:
    response = HttpResponse(body, content_type=calendars.CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Feed addresses are secrets or public pages; either way search engines keep out.
    response["X-Robots-Tag"] = "noindex"
    return response


def meeting_ics(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """One meeting as a calendar file, for whoever may see the meeting."""
    meeting, rights = access_meeting(request.user, meeting_id)
    registered = request.user.is_authenticated and (
        Registration.objects.filter(
            meeting=meeting, user=request.user.pk, status=Registration.Status.REGISTERED
        ).exists()
    )
    member = _member(rights)
    body = calendars.build(
        meeting.title,
        [],
        singles=[meeting],
        link=lambda item: shows_online_link(item, member=member, registered=registered),
    )
    return _calendar(body, f"meeting-{meeting.pk}.ics")


def group_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """A public group's meetings: a feed anyone may subscribe to (404 for other groups)."""
    group = Group.objects.filter(slug=slug).first()
    if group is None or not is_public(group):
        raise Http404(_("No such calendar"))
    body = calendars.build(
        group.name,
        public_feed(group),
        link=lambda item: bool(item.online_url) and not item.members_only,
    )
    return _calendar(body)


def my_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's private feed: the meetings of their groups and those they registered for.
    The address is the secret; a revoked one is not found."""
    found = (
        CalendarToken.objects.filter(token=token, user__is_active=True)
        .select_related("user")
        .first()
    )
    if found is None:
        raise Http404(_("No such calendar"))
    members, elsewhere = private_feed(found.user)
    body = calendars.build(
        _("My meetings"),
        members,
        singles=elsewhere,
        link=lambda item: bool(item.online_url),
    )
    return _calendar(body)


@login_required
def calendar_token(request: AuthedRequest) -> HttpResponse:
    """The account page for the private feed: create, see, replace or revoke its address."""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if services.revoke_calendar_token(request.user):
                messages.info(request, _("Your private calendar address no longer works."))
        else:
            services.create_calendar_token(request.user)
            messages.success(request, _("Your private calendar address is ready."))
        return redirect("meetings:calendar_token")
    token = CalendarToken.objects.filter(user=request.user).first()
    feed_url = (
        request.build_absolute_uri(reverse("meetings:my_feed", args=[token.token])) if token else ""
    )
    return render(request, "meetings/calendar_token.html", {"token": token, "feed_url": feed_url})
