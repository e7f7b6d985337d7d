"""Running a chapter in the API: agenda templates and chapters' adjustments, the feature
speaker rotation, meeting mode, attendance (leaders' entry, self check-in) and the attendance
report with hours."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cerchia.api.auth import OPTIONAL
from cerchia.groups.access import rights_in
from cerchia.groups.models import Group
from cerchia.lib.http import ApiRequest
from cerchia.meetings import agenda as agenda_services
from cerchia.meetings import attendance as attendance_services
from cerchia.meetings.access import access_meeting, access_meeting_to_run, can_run
from cerchia.meetings.access_chapter import (
    access_agenda_group,
    access_chapter_members,
    access_meeting_attendance,
    access_segment,
)
from cerchia.meetings.agenda import AgendaError, Segment
from cerchia.meetings.attendance import Mark
from cerchia.meetings.models import AgendaSegment, AgendaTemplate, Attendance, Meeting

router = Router(tags=["chapter meetings"])


# --- schemas ---------------------------------------------------------------------------------


class SegmentOut(Schema):
    id: int
    position: int
    code: str
    title: str
    minutes: int
    lead: str
    adjustable: bool
    adjusted: bool
    organisation_title: str
    organisation_minutes: int
    offset_minutes: int


class AgendaOut(Schema):
    group: int
    follows: int  # the group whose template this is (the organisation, or the group itself)
    template: int | None
    name: str
    total_minutes: int
    segments: list[SegmentOut]


class AgendaIn(Schema):
    standard: bool = True
    name: str = ""


class SegmentIn(Schema):
    title: str
    minutes: int
    lead: str = ""
    adjustable: bool = False
    position: int | None = None


class SegmentPatch(Schema):
    title: str | None = None
    minutes: int | None = None
    lead: str | None = None
    adjustable: bool | None = None
    position: int | None = None


class AdjustmentIn(Schema):
    title: str = ""
    minutes: int | None = None


class SpeakerRowOut(Schema):
    meeting: int
    starts_at: datetime.datetime
    title: str
    speaker: int | None
    speaker_name: str
    topic: str


class PlanIn(Schema):
    weeks: int = agenda_services.DEFAULT_ROTATION_WEEKS


class SwapIn(Schema):
    first: int
    second: int


class SpeakerIn(Schema):
    user_id: int | None = None
    topic: str | None = None


class OptOutIn(Schema):
    out: bool


class OptOutOut(Schema):
    out: bool


class LiveOut(Schema):
    meeting: int
    started: bool
    over: bool
    segment_index: int | None
    segment: SegmentOut | None
    since: datetime.datetime | None
    ends_at: datetime.datetime | None
    member: int | None
    member_since: datetime.datetime | None
    member_ends_at: datetime.datetime | None
    round: list[int]


class StepIn(Schema):
    action: str  # start, next, previous, finish, turn_next, turn_previous
    # Where the caller saw the meeting: given, the step applies only if it is still there.
    seen_segment: int | None = None
    seen_member: int | None = None


class AttendanceItemIn(Schema):
    user_id: int
    status: str
    substitute_name: str = ""


class AttendanceIn(Schema):
    items: list[AttendanceItemIn]


class AttendanceOut(Schema):
    user_id: int
    status: str
    substitute_name: str
    via: str
    recorded_at: datetime.datetime


class AttendancePage(Schema):
    items: list[AttendanceOut]
    count: int


class HereIn(Schema):
    code: str


class ReportRowOut(Schema):
    user_id: int
    name: str
    present: int
    late: int
    absent: int
    medical: int
    substitute: int
    counted_absences: int
    hours: Decimal
    level: str  # "", "near" or "over"


class ReportOut(Schema):
    group: int
    since: datetime.datetime
    until: datetime.datetime
    max_absences: int
    substitutes_count: bool
    medical_leave_weeks: int
    items: list[ReportRowOut]


# --- helpers ---------------------------------------------------------------------------------


def _segment_out(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.id,
        "position": segment.index + 1,
        "code": segment.code,
        "title": segment.title,
        "minutes": segment.minutes,
        "lead": segment.lead,
        "adjustable": segment.adjustable,
        "adjusted": segment.adjusted,
        "organisation_title": segment.template_title,
        "organisation_minutes": segment.template_minutes,
        "offset_minutes": segment.offset,
    }


def _agenda_out(group: Group) -> dict[str, Any]:
    owner = agenda_services.agenda_owner(group)
    template = AgendaTemplate.objects.filter(group=owner).first()
    segments = agenda_services.agenda_for(group, template) if template is not None else []
    return {
        "group": group.pk,
        "follows": owner.pk,
        "template": template.pk if template is not None else None,
        "name": template.name if template is not None else "",
        "total_minutes": agenda_services.total_minutes(segments),
        "segments": [_segment_out(s) for s in segments],
    }


def _own_template(group: Group) -> AgendaTemplate:
    template = AgendaTemplate.objects.filter(group=group).select_related("group").first()
    if template is None:
        raise AgendaError(
            _(
                "%(group)s has no agenda of its own: create it first, or change the agenda of "
                "the organisation it follows."
            )
            % {"group": group.name}
        )
    return template


def _rows(group: Group, weeks: int) -> list[dict[str, Any]]:
    return [
        {
            "meeting": row.meeting.pk,
            "starts_at": row.meeting.starts_at,
            "title": row.meeting.title,
            "speaker": row.slot.user_id if row.slot is not None else None,
            "speaker_name": agenda_services.display_name(row.slot.user) if row.slot else "",
            "topic": row.slot.topic if row.slot is not None else "",
        }
        for row in agenda_services.rotation(group, weeks=weeks)
    ]


def _live_out(meeting: Meeting) -> dict[str, Any]:
    state = agenda_services.live_state(meeting)
    segment = state.segment
    turns = agenda_services.round_order(meeting) if segment is not None and segment.is_round else []
    return {
        "meeting": meeting.pk,
        "started": state.started,
        "over": state.over,
        "segment_index": state.index,
        "segment": _segment_out(segment) if segment is not None else None,
        "since": state.since,
        "ends_at": state.ends_at,
        "member": state.member_id,
        "member_since": state.member_since,
        "member_ends_at": state.turn_ends_at,
        "round": [t.membership.user_id for t in turns],
    }


def _attendance_page(rows: list[Attendance]) -> dict[str, Any]:
    return {"items": rows, "count": len(rows)}


# --- the agenda ------------------------------------------------------------------------------


@router.get(
    "/groups/{group_id}/agenda",
    response=AgendaOut,
    auth=OPTIONAL,
    summary="The agenda a group's meetings follow, with its own adjustments",
)
def get_agenda(request: ApiRequest, group_id: int) -> dict[str, Any]:
    return _agenda_out(access_agenda_group(request.auth, group_id))


@router.post(
    "/groups/{group_id}/agenda",
    response={201: AgendaOut},
    summary="Create the group's agenda template (standard 90 minutes, or empty)",
)
def create_agenda(request: ApiRequest, group_id: int, payload: AgendaIn) -> Status[dict[str, Any]]:
    group = access_agenda_group(request.auth, group_id)
    if not rights_in(request.auth, group).manager:
        raise PermissionDenied(_("Only the group's administrators may change its agenda."))
    agenda_services.create_agenda(
        group, actor=request.auth, standard=payload.standard, name=payload.name
    )
    return Status(201, _agenda_out(group))


@router.post(
    "/groups/{group_id}/agenda/segments",
    response={201: AgendaOut},
    summary="Add a segment to the group's agenda template (its administrators)",
)
def add_segment(request: ApiRequest, group_id: int, payload: SegmentIn) -> Status[dict[str, Any]]:
    group = access_agenda_group(request.auth, group_id)
    if not rights_in(request.auth, group).manager:
        raise PermissionDenied(_("Only the group's administrators may change its agenda."))
    agenda_services.add_segment(_own_template(group), actor=request.auth, **payload.dict())
    return Status(201, _agenda_out(group))


def _owned_segment(
    request: ApiRequest, group_id: int, segment_id: int
) -> tuple[Group, AgendaSegment]:
    group, segment = access_segment(request.auth, group_id, segment_id)
    if not rights_in(request.auth, segment.template.group).manager:
        raise PermissionDenied(_("Only the administrators of the organisation change its agenda."))
    return group, segment


@router.patch(
    "/groups/{group_id}/agenda/segments/{segment_id}",
    response=AgendaOut,
    summary="Change a segment of the template (every chapter follows)",
)
def patch_segment(
    request: ApiRequest, group_id: int, segment_id: int, payload: SegmentPatch
) -> dict[str, Any]:
    group, segment = _owned_segment(request, group_id, segment_id)
    agenda_services.update_segment(
        segment, actor=request.auth, changes=payload.dict(exclude_unset=True)
    )
    return _agenda_out(group)


@router.delete(
    "/groups/{group_id}/agenda/segments/{segment_id}",
    response={204: None},
    summary="Remove a segment from the template",
)
def delete_segment(request: ApiRequest, group_id: int, segment_id: int) -> Status[None]:
    _group, segment = _owned_segment(request, group_id, segment_id)
    agenda_services.delete_segment(segment, actor=request.auth)
    return Status(204, None)


@router.put(
    "/groups/{group_id}/agenda/segments/{segment_id}/adjustment",
    response=AgendaOut,
    summary="A chapter's own title or minutes for a segment its organisation lets it adjust",
)
def put_adjustment(
    request: ApiRequest, group_id: int, segment_id: int, payload: AdjustmentIn
) -> dict[str, Any]:
    group, segment = access_segment(request.auth, group_id, segment_id)
    if not rights_in(request.auth, group).manager:
        raise PermissionDenied(_("Only the leaders of the chapter may adjust its agenda."))
    agenda_services.adjust_segment(
        group, segment, actor=request.auth, title=payload.title, minutes=payload.minutes
    )
    return _agenda_out(group)


@router.delete(
    "/groups/{group_id}/agenda/segments/{segment_id}/adjustment",
    response=AgendaOut,
    summary="Back to the organisation's version of a segment",
)
def delete_adjustment(request: ApiRequest, group_id: int, segment_id: int) -> dict[str, Any]:
    group, segment = access_segment(request.auth, group_id, segment_id)
    if not rights_in(request.auth, group).manager:
        raise PermissionDenied(_("Only the leaders of the chapter may adjust its agenda."))
    agenda_services.adjust_segment(group, segment, actor=request.auth)
    return _agenda_out(group)


# --- the speaker rotation ---------------------------------------------------------------------


@router.get(
    "/groups/{group_id}/speakers",
    response=list[SpeakerRowOut],
    summary="The feature speakers of the coming chapter meetings (members)",
)
def get_speakers(
    request: ApiRequest, group_id: int, weeks: int = agenda_services.DEFAULT_ROTATION_WEEKS
) -> list[dict[str, Any]]:
    rights = access_chapter_members(request.auth, group_id)
    weeks = max(1, min(weeks, agenda_services.MAX_ROTATION_WEEKS))
    return _rows(rights.group, weeks)


@router.post(
    "/groups/{group_id}/speakers/plan",
    response=list[SpeakerRowOut],
    summary="Schedule speakers for the coming weeks, fairly (leaders)",
)
def plan_speakers(request: ApiRequest, group_id: int, payload: PlanIn) -> list[dict[str, Any]]:
    rights = access_chapter_members(request.auth, group_id)
    if not can_run(rights):
        raise PermissionDenied(_("Only the group's leaders may do this"))
    agenda_services.plan_rotation(rights.group, actor=request.auth, weeks=payload.weeks)
    return _rows(rights.group, payload.weeks)


def _group_meeting(group: Group, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.filter(group=group, pk=meeting_id).select_related("group").first()
    if meeting is None:
        raise AgendaError(_("No such meeting in this group."))
    return meeting


@router.post(
    "/groups/{group_id}/speakers/swap",
    response=list[SpeakerRowOut],
    summary="Two scheduled speakers trade weeks (leaders)",
)
def swap_speakers(request: ApiRequest, group_id: int, payload: SwapIn) -> list[dict[str, Any]]:
    rights = access_chapter_members(request.auth, group_id)
    if not can_run(rights):
        raise PermissionDenied(_("Only the group's leaders may do this"))
    agenda_services.swap_speakers(
        _group_meeting(rights.group, payload.first),
        _group_meeting(rights.group, payload.second),
        actor=request.auth,
    )
    return _rows(rights.group, agenda_services.DEFAULT_ROTATION_WEEKS)


@router.put(
    "/groups/{group_id}/speakers/opt-out",
    response=OptOutOut,
    summary="Ask not to be scheduled for the feature presentation (or to be again)",
)
def put_opt_out(request: ApiRequest, group_id: int, payload: OptOutIn) -> dict[str, bool]:
    rights = access_chapter_members(request.auth, group_id)
    out = agenda_services.set_speaker_opt_out(rights.group, actor=request.auth, out=payload.out)
    return {"out": out}


@router.put(
    "/meetings/{meeting_id}/speaker",
    response=SpeakerRowOut,
    summary="Name or clear a meeting's feature speaker (leaders); the speaker sets a topic",
)
def put_speaker(request: ApiRequest, meeting_id: int, payload: SpeakerIn) -> dict[str, Any]:
    meeting, rights = access_meeting(request.auth, meeting_id)
    if not (rights.active_member or can_run(rights)):
        raise PermissionDenied(_("This is for the members of the group."))
    slot = agenda_services.set_speaker(
        meeting, actor=request.auth, user_id=payload.user_id, topic=payload.topic
    )
    return {
        "meeting": meeting.pk,
        "starts_at": meeting.starts_at,
        "title": meeting.title,
        "speaker": slot.user_id if slot is not None else None,
        "speaker_name": agenda_services.display_name(slot.user) if slot is not None else "",
        "topic": slot.topic if slot is not None else "",
    }


# --- meeting mode ------------------------------------------------------------------------------


@router.get("/meetings/{meeting_id}/live", response=LiveOut, summary="Meeting mode: where it is")
def get_live(request: ApiRequest, meeting_id: int) -> dict[str, Any]:
    meeting, _rights = access_meeting_to_run(request.auth, meeting_id)
    return _live_out(meeting)


@router.post(
    "/meetings/{meeting_id}/live",
    response=LiveOut,
    summary="Meeting mode: start, next, previous, finish, turn_next, turn_previous (leaders)",
)
def step_live(request: ApiRequest, meeting_id: int, payload: StepIn) -> dict[str, Any]:
    meeting, _rights = access_meeting_to_run(request.auth, meeting_id)
    given = payload.model_fields_set
    meeting = agenda_services.step_meeting(
        meeting,
        actor=request.auth,
        action=payload.action,
        seen_segment=payload.seen_segment,
        seen_member=payload.seen_member,
        checked="seen_segment" in given or "seen_member" in given,
    )
    return _live_out(meeting)


# --- attendance --------------------------------------------------------------------------------


@router.get(
    "/meetings/{meeting_id}/attendance",
    response=AttendancePage,
    summary="Attendance at a meeting: everyone's for leaders, my own for members",
)
def get_attendance(request: ApiRequest, meeting_id: int) -> dict[str, Any]:
    meeting, rights = access_meeting_attendance(request.auth, meeting_id)
    rows = Attendance.objects.filter(meeting=meeting).order_by("user_id")
    if not can_run(rights):
        rows = rows.filter(user=request.auth)
    return _attendance_page(list(rows))


@router.put(
    "/meetings/{meeting_id}/attendance",
    response=AttendancePage,
    summary="Record attendance for members of the group (leaders)",
)
def put_attendance(request: ApiRequest, meeting_id: int, payload: AttendanceIn) -> dict[str, Any]:
    meeting, _rights = access_meeting_to_run(request.auth, meeting_id)
    attendance_services.record_attendance(
        meeting,
        actor=request.auth,
        items=[Mark(i.user_id, i.status, i.substitute_name) for i in payload.items],
    )
    return _attendance_page(list(Attendance.objects.filter(meeting=meeting).order_by("user_id")))


@router.post(
    "/meetings/{meeting_id}/here",
    response=AttendanceOut,
    summary="Check myself in with the meeting's code (members)",
)
def here(request: ApiRequest, meeting_id: int, payload: HereIn) -> Attendance:
    meeting, _rights = access_meeting(request.auth, meeting_id)
    return attendance_services.check_in(meeting, user=request.auth, code=payload.code)


@router.get(
    "/groups/{group_id}/attendance",
    response=ReportOut,
    summary="Attendance over the last six months and hours: everyone for leaders, mine for members",
)
def attendance_report(request: ApiRequest, group_id: int) -> dict[str, Any]:
    rights = access_chapter_members(request.auth, group_id)
    group = rights.group
    now = timezone.now()
    rows = attendance_services.attendance_report(
        group, now=now, user_ids=None if can_run(rights) else [request.auth.pk]
    )
    rules = group.rules
    return {
        "group": group.pk,
        "since": attendance_services.group_window_start(group, now),
        "until": now,
        "max_absences": rules.max_absences_6_months,
        "substitutes_count": rules.substitutes_count_as_absence,
        "medical_leave_weeks": rules.medical_leave_weeks,
        "items": [
            {
                "user_id": r.membership.user_id,
                "name": r.name,
                "present": r.counts.present,
                "late": r.counts.late,
                "absent": r.counts.absent,
                "medical": r.counts.medical,
                "substitute": r.counts.substitute,
                "counted_absences": r.counts.counted,
                "hours": r.counts.hours,
                "level": r.level,
            }
            for r in rows
        ],
    }
