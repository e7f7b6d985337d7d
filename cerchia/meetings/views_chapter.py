"""Pages for running a chapter: the shared agenda, the speaker rotation, meeting mode, quick
attendance, self check-in and the attendance report. Each view parses, checks access, calls a
service and renders or redirects; in meeting mode htmx swaps the changed part in place."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.groups.access import rights_in
from cerchia.lib.http import AuthedRequest
from cerchia.meetings import agenda as agenda_services
from cerchia.meetings import attendance as attendance_services
from cerchia.meetings.access import access_meeting, access_meeting_to_run, can_run
from cerchia.meetings.access_chapter import (
    access_agenda_group,
    access_chapter_members,
    access_segment,
)
from cerchia.meetings.agenda import AgendaError
from cerchia.meetings.attendance import AttendanceError
from cerchia.meetings.forms_chapter import (
    AdjustForm,
    CheckInForm,
    MarkForm,
    PlanForm,
    SegmentForm,
    SpeakerForm,
    SwapForm,
    first_error,
    sheet_marks,
)
from cerchia.meetings.models import (
    AgendaSegment,
    AgendaTemplate,
    Attendance,
    Meeting,
    SpeakerOptOut,
)

# --- the agenda ------------------------------------------------------------------------------


def agenda(request: HttpRequest, slug: str) -> HttpResponse:
    """The agenda a group's meetings follow. The organisation's administrators edit it here;
    a chapter's leaders adjust the segments the organisation allows."""
    group = access_agenda_group(request.user, slug)
    rights = rights_in(request.user, group)
    owner = agenda_services.agenda_owner(group)
    template = AgendaTemplate.objects.filter(group=owner).first()
    segments = agenda_services.agenda_for(group, template) if template is not None else []
    owns = owner.pk == group.pk
    return render(
        request,
        "meetings/chapter/agenda.html",
        {
            "group": group,
            "owner": owner,
            "template": template,
            "segments": segments,
            "total": agenda_services.total_minutes(segments),
            "can_edit": owns and rights.manager,
            "can_adjust": not owns and rights.manager,
            "leads": AgendaSegment.Lead.choices,
            "member_view": rights.active_member or can_run(rights),
        },
    )


def _to_agenda(slug: str) -> HttpResponse:
    return redirect("chapter:agenda", slug=slug)


@login_required
@require_POST
def agenda_create(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_agenda_group(request.user, slug)
    try:
        agenda_services.create_agenda(
            group, actor=request.user, standard=request.POST.get("standard") != "0"
        )
    except AgendaError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The agenda is ready: every chapter follows it."))
    return _to_agenda(group.slug)


@login_required
@require_POST
def segment_add(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_agenda_group(request.user, slug)
    template = AgendaTemplate.objects.filter(group=group).select_related("group").first()
    if template is None:
        raise PermissionDenied(_("This group does not set an agenda of its own."))
    form = SegmentForm(request.POST)
    try:
        if not form.is_valid():
            raise AgendaError(first_error(form))
        data = form.cleaned_data
        segment = agenda_services.add_segment(
            template,
            actor=request.user,
            title=data["title"],
            minutes=data["minutes"],
            lead=data["lead"],
            adjustable=data["adjustable"],
            position=data["position"],
        )
    except AgendaError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Segment “%(title)s” added.") % {"title": segment.title})
    return _to_agenda(group.slug)


@login_required
@require_POST
def segment_edit(request: AuthedRequest, slug: str, segment_id: int) -> HttpResponse:
    group, segment = access_segment(request.user, slug, segment_id)
    form = SegmentForm(request.POST)
    try:
        if not form.is_valid():
            raise AgendaError(first_error(form))
        agenda_services.update_segment(segment, actor=request.user, changes=form.cleaned_data)
    except AgendaError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Segment “%(title)s” saved.") % {"title": segment.title})
    return _to_agenda(group.slug)


@login_required
@require_POST
def segment_delete(request: AuthedRequest, slug: str, segment_id: int) -> HttpResponse:
    group, segment = access_segment(request.user, slug, segment_id)
    try:
        agenda_services.delete_segment(segment, actor=request.user)
    except AgendaError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Segment “%(title)s” removed.") % {"title": segment.title})
    return _to_agenda(group.slug)


@login_required
@require_POST
def segment_adjust(request: AuthedRequest, slug: str, segment_id: int) -> HttpResponse:
    group, segment = access_segment(request.user, slug, segment_id)
    form = AdjustForm(request.POST)
    try:
        if not form.is_valid():
            raise AgendaError(first_error(form))
        adjustment = agenda_services.adjust_segment(
            group,
            segment,
            actor=request.user,
            title=form.cleaned_data["title"],
            minutes=form.cleaned_data["minutes"],
        )
    except AgendaError as exc:
        messages.error(request, str(exc))
    else:
        if adjustment is None:
            messages.info(request, _("Back to the organisation's version of this segment."))
        else:
            messages.success(request, _("Your chapter's version of the segment is saved."))
    return _to_agenda(group.slug)


# --- the speaker rotation ---------------------------------------------------------------------


def _weeks(request: HttpRequest) -> int:
    try:
        weeks = int(request.GET.get("weeks", agenda_services.DEFAULT_ROTATION_WEEKS))
    except ValueError:
        weeks = agenda_services.DEFAULT_ROTATION_WEEKS
    return max(1, min(weeks, agenda_services.MAX_ROTATION_WEEKS))


@login_required
def speakers(request: AuthedRequest, slug: str) -> HttpResponse:
    """Who gives the feature presentation in the weeks ahead; leaders plan and swap here."""
    rights = access_chapter_members(request.user, slug)
    group = rights.group
    weeks = _weeks(request)
    leader = can_run(rights)
    context: dict[str, Any] = {
        "group": group,
        "weeks": weeks,
        "rows": agenda_services.rotation(group, weeks=weeks),
        "leader": leader,
        "member": rights.active_member,
        "opted_out": SpeakerOptOut.objects.filter(group=group, user=request.user).exists(),
        "now": timezone.now(),
    }
    if leader:
        context["queue"] = agenda_services.speaker_queue(group)
        context["members"] = agenda_services.roster(group)
    return render(request, "meetings/chapter/speakers.html", context)


def _to_speakers(slug: str) -> HttpResponse:
    return redirect("chapter:speakers", slug=slug)


@login_required
@require_POST
def speakers_plan(request: AuthedRequest, slug: str) -> HttpResponse:
    rights = access_chapter_members(request.user, slug)
    form = PlanForm(request.POST)
    try:
        if not form.is_valid():
            raise AgendaError(first_error(form))
        created = agenda_services.plan_rotation(
            rights.group, actor=request.user, weeks=form.cleaned_data["weeks"]
        )
    except AgendaError as exc:
        messages.error(request, str(exc))
    else:
        if created:
            messages.success(
                request,
                _("%(n)s feature presentations scheduled.") % {"n": len(created)},
            )
        else:
            messages.info(request, _("Every meeting in those weeks already has its speaker."))
    return _to_speakers(rights.group.slug)


def _meeting_of(rights: Any, meeting_id: int | None) -> Meeting:
    meeting = (
        Meeting.objects.filter(group=rights.group, pk=meeting_id).select_related("group").first()
        if meeting_id
        else None
    )
    if meeting is None:
        raise AgendaError(_("No such meeting in this group."))
    return meeting


@login_required
@require_POST
def speakers_swap(request: AuthedRequest, slug: str) -> HttpResponse:
    rights = access_chapter_members(request.user, slug)
    form = SwapForm(request.POST)
    try:
        if not form.is_valid():
            raise AgendaError(first_error(form))
        agenda_services.swap_speakers(
            _meeting_of(rights, form.cleaned_data["first"]),
            _meeting_of(rights, form.cleaned_data["second"]),
            actor=request.user,
        )
    except AgendaError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The two speakers swapped weeks."))
    return _to_speakers(rights.group.slug)


@login_required
@require_POST
def speaker_set(request: AuthedRequest, slug: str, meeting_id: int) -> HttpResponse:
    rights = access_chapter_members(request.user, slug)
    form = SpeakerForm(request.POST)
    try:
        meeting = _meeting_of(rights, meeting_id)
        if not form.is_valid():
            raise AgendaError(first_error(form))
        slot = agenda_services.set_speaker(
            meeting,
            actor=request.user,
            user_id=form.cleaned_data["user"],
            topic=form.cleaned_data["topic"],
        )
    except AgendaError as exc:
        messages.error(request, str(exc))
    else:
        if slot is None:
            messages.info(request, _("No feature speaker on that day for now."))
        else:
            messages.success(request, _("Feature speaker saved."))
    return _to_speakers(rights.group.slug)


@login_required
@require_POST
def speakers_opt_out(request: AuthedRequest, slug: str) -> HttpResponse:
    rights = access_chapter_members(request.user, slug)
    try:
        out = agenda_services.set_speaker_opt_out(
            rights.group, actor=request.user, out=request.POST.get("out") == "1"
        )
    except AgendaError as exc:
        messages.error(request, str(exc))
    else:
        if out:
            messages.info(request, _("You will not be scheduled for the feature presentation."))
        else:
            messages.success(request, _("You are back in the speaker rotation."))
    return _to_speakers(rights.group.slug)


# --- the attendance report ----------------------------------------------------------------


@login_required
def attendance_report(request: AuthedRequest, slug: str) -> HttpResponse:
    """Per member, the last six months: marks, absences by the rules, hours. Leaders see
    everyone; a member sees their own line."""
    rights = access_chapter_members(request.user, slug)
    group = rights.group
    leader = can_run(rights)
    now = timezone.now()
    rows = attendance_services.attendance_report(
        group, now=now, user_ids=None if leader else [request.user.pk]
    )
    recent: list[Meeting] = []
    if leader:
        # The sheets a leader is likely to fill in: the last few meetings and the next one.
        held = Meeting.objects.filter(group=group, cancelled_at__isnull=True)
        recent = [
            *reversed(held.filter(starts_at__lte=now).order_by("-starts_at")[:3]),
            *held.filter(starts_at__gt=now).order_by("starts_at")[:1],
        ]
    return render(
        request,
        "meetings/chapter/report.html",
        {
            "group": group,
            "rows": rows,
            "recent": recent,
            "leader": leader,
            "rules": group.rules,
            "since": attendance_services.group_window_start(group, now),
            "now": now,
        },
    )


# --- meeting mode ------------------------------------------------------------------------------


def _qr_svg(request: HttpRequest, meeting: Meeting) -> str:
    url = request.build_absolute_uri(attendance_services.checkin_path(meeting))
    return str(segno.make(url, error="m").svg_inline(scale=5, border=2, light="#fff"))


def _live_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    members = agenda_services.roster(meeting.group)
    marks = attendance_services.marks_of(meeting)
    state = agenda_services.live_state(meeting)
    turns = agenda_services.round_order(meeting, members)
    segment = state.segment
    position = next(
        (i for i, t in enumerate(turns) if t.membership.user_id == state.member_id), None
    )
    context: dict[str, Any] = {
        "meeting": meeting,
        "group": meeting.group,
        "state": state,
        "turns": turns,
        "now": timezone.now(),
        "turn": turns[position] if position is not None else None,
        "turn_position": position + 1 if position is not None else None,
        "sheet": [
            attendance_services.RosterRow(
                m, agenda_services.display_name(m.user), marks.get(m.user_id)
            )
            for m in members
        ],
        "statuses": Attendance.Status.choices,
        "code": attendance_services.checkin_code(meeting),
    }
    if segment is not None and segment.is_feature:
        context["speaker"] = agenda_services.feature_speaker(meeting)
    if segment is not None and segment.is_visitors:
        context["visitors"] = agenda_services.visitors_to_introduce(meeting)
    return context


@login_required
def live(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """Meeting mode: the agenda running with a timer per segment, the round member by member,
    the feature speaker, the visitors, and attendance as it goes."""
    meeting, _rights = access_meeting_to_run(request.user, meeting_id)
    context = _live_context(request, meeting)
    context["qr"] = _qr_svg(request, meeting)
    return render(request, "meetings/chapter/live.html", context)


@login_required
def live_state(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """The running part of meeting mode alone: a second phone polls it to follow along."""
    meeting, _rights = access_meeting_to_run(request.user, meeting_id)
    return render(request, "meetings/chapter/_live_state.html", _live_context(request, meeting))


def _seen(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # matches no state: the step is ignored


@login_required
@require_POST
def live_step(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting, _rights = access_meeting_to_run(request.user, meeting_id)
    try:
        meeting = agenda_services.step_meeting(
            meeting,
            actor=request.user,
            action=request.POST.get("action", ""),
            seen_segment=_seen(request.POST.get("seen")),
            seen_member=_seen(request.POST.get("seen_member")),
        )
    except AgendaError as exc:
        if not request.htmx:
            messages.error(request, str(exc))
            return redirect("chapter:live", meeting_id=meeting.pk)
        context = _live_context(request, meeting)
        context["error"] = str(exc)
        return render(request, "meetings/chapter/_live_state.html", context)
    if request.htmx:
        return render(request, "meetings/chapter/_live_state.html", _live_context(request, meeting))
    return redirect("chapter:live", meeting_id=meeting.pk)


@login_required
@require_POST
def live_mark(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """One member's attendance, tapped in meeting mode: the row comes back updated."""
    meeting, _rights = access_meeting_to_run(request.user, meeting_id)
    form = MarkForm(request.POST)
    error = ""
    try:
        if not form.is_valid():
            raise AttendanceError(first_error(form))
        mark = form.mark()
        attendance_services.mark_one(
            meeting,
            actor=request.user,
            user_id=mark.user_id,
            status=mark.status,
            substitute_name=mark.substitute_name,
        )
    except AttendanceError as exc:
        error = str(exc)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("chapter:live", meeting_id=meeting.pk)
    uid = form.cleaned_data.get("user") if form.is_valid() else None
    row = next(
        (r for r in attendance_services.attendance_sheet(meeting) if r.membership.user_id == uid),
        None,
    )
    if row is None:
        return HttpResponse(
            format_html('<p class="message error" role="alert">{}</p>', error), status=400
        )
    return render(
        request,
        "meetings/chapter/_mark_row.html",
        {"meeting": meeting, "row": row, "statuses": Attendance.Status.choices, "error": error},
    )


# --- quick attendance and self check-in --------------------------------------------------


@login_required
def quick_attendance(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """The whole chapter on one page: everyone present unless marked otherwise."""
    meeting, _rights = access_meeting_to_run(request.user, meeting_id)
    sheet = attendance_services.attendance_sheet(meeting)
    if request.method == "POST":
        marks = sheet_marks(request.POST, [r.membership.user_id for r in sheet])
        try:
            saved = attendance_services.record_attendance(meeting, actor=request.user, items=marks)
        except AttendanceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Attendance saved for %(n)s members.") % {"n": len(saved)})
            return redirect("chapter:attendance", meeting_id=meeting.pk)
    return render(
        request,
        "meetings/chapter/attendance.html",
        {
            "meeting": meeting,
            "group": meeting.group,
            "sheet": sheet,
            "statuses": Attendance.Status.choices,
            "code": attendance_services.checkin_code(meeting),
            "qr": _qr_svg(request, meeting),
            "posted": request.POST if request.method == "POST" else None,
        },
    )


@login_required
def here(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """Self check-in: the QR code on the leader's screen opens this page with its code; a tap
    checks the member in. A typed code works the same."""
    meeting, rights = access_meeting(request.user, meeting_id)
    form = CheckInForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise AttendanceError(first_error(form))
            row = attendance_services.check_in(
                meeting,
                user=request.user,
                code=form.cleaned_data["code"],
                via=form.cleaned_data["via"] or Attendance.Via.CODE,
            )
        except AttendanceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("You are checked in: %(status)s.") % {"status": row.get_status_display().lower()},
            )
            return redirect("chapter:here", meeting_id=meeting.pk)
    return render(
        request,
        "meetings/chapter/here.html",
        {
            "meeting": meeting,
            "group": meeting.group,
            "form": form,
            "member": rights.active_member,
            "via_qr": bool(request.GET.get("code")),
            "mine": Attendance.objects.filter(meeting=meeting, user=request.user).first(),
        },
    )
