"""The shared agenda, the feature-speaker rotation and meeting mode (services and selectors).

An organisation keeps one agenda template; every chapter below it (groups of the same kind
under it, ``Group.organisation``) runs its meetings by that template. The organisation marks
the segments chapters may adjust; a chapter's own title or length for such a segment is an
``AgendaAdjustment``. ``agenda_for(group)`` is what a chapter actually runs.

Meeting mode keeps its state on the meeting row (``live_segment``, ``live_since``,
``live_member``, ``live_member_since``), so a reload or a second phone shows the same moment.
Each step names the state it was taken from, and the row only changes if it is still in that
state: two leaders tapping "next" at once move the meeting one segment, not two."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cerchia.accounts.models import User
from cerchia.audit.services import record
from cerchia.groups.access import rights_in
from cerchia.groups.models import MAX_DEPTH, Group, Membership
from cerchia.meetings.access import can_run
from cerchia.meetings.models import (
    AgendaAdjustment,
    AgendaSegment,
    AgendaTemplate,
    Attendance,
    Meeting,
    MeetingKind,
    Registration,
    SpeakerOptOut,
    SpeakerSlot,
)

Lead = AgendaSegment.Lead
MAX_MINUTES = 240
MAX_SEGMENTS = 40
MAX_TITLE = 120
# Each member's turn in the round of short presentations.
TURN_SECONDS = 60
# How many weeks of feature presentations leaders plan at most in one go.
MAX_ROTATION_WEEKS = 26
DEFAULT_ROTATION_WEEKS = 6


class AgendaError(Exception):
    """An agenda, rotation or meeting-mode action the rules refuse; shown to the person."""


# The standard 90-minute weekly meeting (shared/reference/lead-groups.md §3): code, title,
# minutes, who leads it, and whether chapters may adjust it.
DEFAULT_AGENDA_NAME = gettext_lazy("Weekly meeting (90 minutes)")
DEFAULT_SEGMENTS: tuple[tuple[str, Any, int, str, bool], ...] = (
    ("open_networking", gettext_lazy("Open networking"), 15, "", True),
    ("welcome", gettext_lazy("Welcome, purpose and overview"), 5, Lead.PRESIDENT, False),
    ("education", gettext_lazy("Education moment"), 5, Lead.EDUCATION, True),
    ("weekly_presentations", gettext_lazy("The 60-second round"), 30, Lead.EVERY_MEMBER, True),
    ("visitor_introductions", gettext_lazy("Visitor introductions"), 5, Lead.VISITORS, False),
    ("feature_presentation", gettext_lazy("Feature presentation"), 10, Lead.FEATURE_SPEAKER, False),
    ("referrals", gettext_lazy("Referrals and testimonials"), 15, Lead.VICE_PRESIDENT, True),
    ("announcements", gettext_lazy("Announcements"), 3, Lead.SECRETARY_TREASURER, True),
    ("close", gettext_lazy("Close"), 2, Lead.PRESIDENT, False),
)


# --- the agenda ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One segment as a chapter runs it: the organisation's, with the chapter's adjustment."""

    id: int
    index: int  # 0-based place in the running order (what meeting mode stores)
    code: str
    title: str
    minutes: int
    lead: str
    lead_label: str
    adjustable: bool
    adjusted: bool
    template_title: str
    template_minutes: int
    offset: int  # minutes from the start of the meeting

    @property
    def is_round(self) -> bool:
        """Every member speaks in turn (the 60-second round)."""
        return self.lead == Lead.EVERY_MEMBER

    @property
    def is_feature(self) -> bool:
        return self.lead == Lead.FEATURE_SPEAKER

    @property
    def is_visitors(self) -> bool:
        return self.lead == Lead.VISITORS


def agenda_owner(group: Group) -> Group:
    """The group whose agenda ``group`` follows: the top of its chain of organisations (a
    chapter's organisation, that one's organisation...), or the group itself."""
    node = group
    for _depth in range(MAX_DEPTH):
        above = node.organisation
        if above is None:
            break
        node = above
    return node


def template_of(group: Group) -> AgendaTemplate | None:
    """The agenda template ``group`` follows (None: its organisation has none yet)."""
    return AgendaTemplate.objects.filter(group=agenda_owner(group)).select_related("group").first()


def agenda_for(group: Group, template: AgendaTemplate | None = None) -> list[Segment]:
    """The segments a group's meetings run through, in order, with the group's adjustments
    applied to the segments the organisation lets chapters adjust. One query."""
    owner_id = template.group_id if template is not None else agenda_owner(group).pk
    own = AgendaAdjustment.objects.filter(group=group, segment=OuterRef("pk"))
    rows = (
        AgendaSegment.objects.filter(template__group_id=owner_id)
        .annotate(
            own_title=Subquery(own.values("title")[:1]),
            own_minutes=Subquery(own.values("minutes")[:1]),
        )
        .order_by("position", "pk")
    )
    segments: list[Segment] = []
    offset = 0
    for index, row in enumerate(rows):
        # An adjustment counts only while the organisation still allows it.
        title = (row.own_title or row.title) if row.adjustable else row.title
        minutes = (row.own_minutes or row.minutes) if row.adjustable else row.minutes
        segments.append(
            Segment(
                id=row.pk,
                index=index,
                code=row.code,
                title=title,
                minutes=minutes,
                lead=row.lead,
                lead_label=str(Lead(row.lead).label) if row.lead else "",
                adjustable=row.adjustable,
                adjusted=row.adjustable and (title != row.title or minutes != row.minutes),
                template_title=row.title,
                template_minutes=row.minutes,
                offset=offset,
            )
        )
        offset += minutes
    return segments


def total_minutes(segments: Sequence[Segment]) -> int:
    return sum(s.minutes for s in segments)


def _require_owner_manager(actor: Any, group: Group) -> None:
    if not rights_in(actor, group).manager:
        raise AgendaError(
            _("Only the administrators of %(group)s may change its agenda.") % {"group": group.name}
        )


def _clean_title(title: Any) -> str:
    cleaned = " ".join(str(title or "").split())
    if not cleaned or len(cleaned) > MAX_TITLE:
        raise AgendaError(
            _("A segment needs a title of at most %(n)s characters.") % {"n": MAX_TITLE}
        )
    return cleaned


def _clean_minutes(minutes: Any) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        raise AgendaError(_("A segment lasts from 1 to %(n)s minutes.") % {"n": MAX_MINUTES})
    return minutes


def _clean_lead(lead: Any) -> str:
    lead = str(lead or "")
    if lead and lead not in Lead.values:
        raise AgendaError(
            _("Unknown leader of a segment: %(lead)s. Choose one of: %(choices)s")
            % {"lead": lead, "choices": ", ".join(Lead.values)}
        )
    return lead


def _unique_code(template: AgendaTemplate, title: str) -> str:
    base = slugify(title).replace("-", "_")[:32] or "segment"
    taken = set(AgendaSegment.objects.filter(template=template).values_list("code", flat=True))
    code, n = base, 2
    while code in taken:
        code = f"{base[:30]}_{n}"
        n += 1
    return code


def _renumber(template: AgendaTemplate, order: list[int]) -> None:
    """Positions 1..n in the given order of segment ids."""
    for position, pk in enumerate(order, start=1):
        AgendaSegment.objects.filter(pk=pk, template=template).exclude(position=position).update(
            position=position
        )


@transaction.atomic
def create_agenda(
    group: Group, *, actor: Any, standard: bool = True, name: str = ""
) -> AgendaTemplate:
    """Give an organisation (or a chapter without one) its agenda: the standard 90-minute
    weekly meeting, or an empty one to fill in."""
    owner = agenda_owner(group)
    if owner.pk != group.pk:
        raise AgendaError(
            _("%(group)s follows the agenda of %(owner)s: its administrators set it.")
            % {"group": group.name, "owner": owner.name}
        )
    _require_owner_manager(actor, group)
    if not group.rules.accepts_members:
        raise AgendaError(_("This group holds no meetings with an agenda."))
    if AgendaTemplate.objects.filter(group=group).exists():
        raise AgendaError(_("%(group)s already has an agenda.") % {"group": group.name})
    name = " ".join(str(name or "").split())[:160] or str(DEFAULT_AGENDA_NAME)
    template = AgendaTemplate.objects.create(group=group, name=name)
    if standard:
        AgendaSegment.objects.bulk_create(
            AgendaSegment(
                template=template,
                position=position,
                code=code,
                title=str(title),
                minutes=minutes,
                lead=lead,
                adjustable=adjustable,
            )
            for position, (code, title, minutes, lead, adjustable) in enumerate(
                DEFAULT_SEGMENTS, start=1
            )
        )
    record(actor, "meetings.agenda.created", template, {"group": group.pk, "standard": standard})
    return template


@transaction.atomic
def add_segment(
    template: AgendaTemplate,
    *,
    actor: Any,
    title: str,
    minutes: int,
    lead: str = "",
    adjustable: bool = False,
    position: int | None = None,
) -> AgendaSegment:
    """Add a segment (at the end, or before the one now at ``position``)."""
    _require_owner_manager(actor, template.group)
    order = list(
        AgendaSegment.objects.filter(template=template)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    if len(order) >= MAX_SEGMENTS:
        raise AgendaError(_("An agenda has at most %(n)s segments.") % {"n": MAX_SEGMENTS})
    cleaned_title = _clean_title(title)
    segment = AgendaSegment.objects.create(
        template=template,
        position=len(order) + 1,
        code=_unique_code(template, cleaned_title),
        title=cleaned_title,
        minutes=_clean_minutes(minutes),
        lead=_clean_lead(lead),
        adjustable=bool(adjustable),
    )
    if position is not None:
        at = max(1, min(position, len(order) + 1))
        order.insert(at - 1, segment.pk)
        _renumber(template, order)
        segment.refresh_from_db(fields=["position"])
    record(actor, "meetings.agenda.segment_added", segment, {"template": template.pk})
    return segment


SEGMENT_FIELDS = ("title", "minutes", "lead", "adjustable", "position")


@transaction.atomic
def update_segment(segment: AgendaSegment, *, actor: Any, changes: dict[str, Any]) -> AgendaSegment:
    """Change a segment of the organisation's agenda: every chapter follows at once. Locking
    a segment (``adjustable`` off) sets chapters' own versions of it aside."""
    template = segment.template
    _require_owner_manager(actor, template.group)
    unknown = set(changes) - set(SEGMENT_FIELDS)
    if unknown:
        raise AgendaError(_("Unknown segment field: %(field)s") % {"field": sorted(unknown)[0]})
    if "title" in changes:
        segment.title = _clean_title(changes["title"])
    if "minutes" in changes:
        segment.minutes = _clean_minutes(changes["minutes"])
    if "lead" in changes:
        segment.lead = _clean_lead(changes["lead"])
    if "adjustable" in changes:
        segment.adjustable = bool(changes["adjustable"])
    segment.save()
    if changes.get("position") is not None:
        position = changes["position"]
        if isinstance(position, bool) or not isinstance(position, int):
            raise AgendaError(_("The position must be a whole number."))
        order = [
            pk
            for pk in AgendaSegment.objects.filter(template=template)
            .order_by("position", "pk")
            .values_list("pk", flat=True)
            if pk != segment.pk
        ]
        order.insert(max(0, min(position - 1, len(order))), segment.pk)
        _renumber(template, order)
        segment.refresh_from_db(fields=["position"])
    record(actor, "meetings.agenda.segment_changed", segment, {"fields": sorted(changes)})
    return segment


@transaction.atomic
def delete_segment(segment: AgendaSegment, *, actor: Any) -> None:
    template = segment.template
    _require_owner_manager(actor, template.group)
    record(actor, "meetings.agenda.segment_deleted", segment, {"title": segment.title})
    segment.delete()
    _renumber(
        template,
        list(
            AgendaSegment.objects.filter(template=template)
            .order_by("position", "pk")
            .values_list("pk", flat=True)
        ),
    )


@transaction.atomic
def adjust_segment(
    group: Group,
    segment: AgendaSegment,
    *,
    actor: Any,
    title: str = "",
    minutes: int | None = None,
) -> AgendaAdjustment | None:
    """A chapter's own title and/or length for a segment of its organisation's agenda, where
    the organisation allows it. Blank title and no minutes: back to the organisation's."""
    if not rights_in(actor, group).manager:
        raise AgendaError(
            _("Only the leaders of %(group)s may adjust its agenda.") % {"group": group.name}
        )
    owner = agenda_owner(group)
    if segment.template.group_id != owner.pk:
        raise AgendaError(
            _("This segment is not on the agenda %(group)s follows.") % {"group": group.name}
        )
    if owner.pk == group.pk:
        raise AgendaError(
            _("%(group)s sets this agenda: change the segment itself.") % {"group": group.name}
        )
    if not segment.adjustable:
        raise AgendaError(
            _("%(owner)s has locked “%(segment)s”: chapters run it as it is.")
            % {"owner": owner.name, "segment": segment.title}
        )
    cleaned_title = _clean_title(title) if str(title or "").strip() else ""
    cleaned_minutes = _clean_minutes(minutes) if minutes is not None else None
    if not cleaned_title and cleaned_minutes is None:
        deleted, _rows = AgendaAdjustment.objects.filter(group=group, segment=segment).delete()
        if deleted:
            record(actor, "meetings.agenda.adjustment_removed", segment, {"group": group.pk})
        return None
    adjustment, _created = AgendaAdjustment.objects.update_or_create(
        group=group,
        segment=segment,
        defaults={"title": cleaned_title, "minutes": cleaned_minutes},
    )
    record(
        actor,
        "meetings.agenda.adjusted",
        adjustment,
        {
            "group": group.pk,
            "segment": segment.pk,
            "title": cleaned_title,
            "minutes": cleaned_minutes,
        },
    )
    return adjustment


# --- the feature-speaker rotation ---------------------------------------------------------


def upcoming_meetings(group: Group, *, now: datetime.datetime | None = None) -> QuerySet[Meeting]:
    """The group's chapter meetings still to come, not cancelled, soonest first."""
    return Meeting.objects.filter(
        group=group,
        kind=MeetingKind.CHAPTER_MEETING,
        cancelled_at__isnull=True,
        starts_at__gt=now or timezone.now(),
    ).order_by("starts_at", "pk")


def on_medical_leave(group: Group) -> set[int]:
    """Active members whose latest recorded attendance in the group is medical leave."""
    latest = (
        Attendance.objects.filter(
            meeting__group=group, meeting__cancelled_at__isnull=True, user_id=OuterRef("user_id")
        )
        .order_by("-meeting__starts_at", "-pk")
        .values("status")[:1]
    )
    return set(
        Membership.objects.active()
        .filter(group=group)
        .annotate(latest=Subquery(latest))
        .filter(latest=Attendance.Status.MEDICAL)
        .values_list("user_id", flat=True)
    )


def speaker_queue(group: Group) -> list[Membership]:
    """Active members who may give the feature presentation, fairest first: whoever spoke
    least recently (never: first of all; a talk already scheduled counts as the latest),
    then the longest-standing member. Skips members who asked not to speak and members on
    medical leave. One query each for the members, the opt-outs and medical leave."""
    last_talk = (
        SpeakerSlot.objects.filter(
            meeting__group=group, meeting__cancelled_at__isnull=True, user_id=OuterRef("user_id")
        )
        .order_by("-meeting__starts_at")
        .values("meeting__starts_at")[:1]
    )
    skipped = on_medical_leave(group) | set(
        SpeakerOptOut.objects.filter(group=group).values_list("user_id", flat=True)
    )
    members = (
        Membership.objects.active()
        .filter(group=group)
        .exclude(user_id__in=skipped)
        .annotate(last_talk=Subquery(last_talk))
        .select_related("user__profile")
        .order_by(
            F("last_talk").asc(nulls_first=True),
            F("joined_at").asc(nulls_last=True),
            "pk",
        )
    )
    return list(members)


def _require_leader(actor: Any, group: Group) -> None:
    if not can_run(rights_in(actor, group)):
        raise AgendaError(_("Only the leaders of %(group)s may do this.") % {"group": group.name})


@transaction.atomic
def plan_rotation(
    group: Group, *, actor: Any, weeks: int = DEFAULT_ROTATION_WEEKS
) -> list[SpeakerSlot]:
    """Schedule the feature presentation for the next ``weeks`` chapter meetings that have no
    speaker yet (or whose speaker is no longer an active member). Existing choices stay."""
    _require_leader(actor, group)
    if (
        isinstance(weeks, bool)
        or not isinstance(weeks, int)
        or not 1 <= weeks <= MAX_ROTATION_WEEKS
    ):
        raise AgendaError(_("Plan from 1 to %(n)s weeks ahead.") % {"n": MAX_ROTATION_WEEKS})
    ids = list(upcoming_meetings(group).values_list("pk", flat=True)[:weeks])
    meetings = list(
        Meeting.objects.filter(pk__in=ids).order_by("starts_at", "pk").select_for_update()
    )
    active = set(Membership.objects.active().filter(group=group).values_list("user_id", flat=True))
    held = {
        slot.meeting_id: slot
        for slot in SpeakerSlot.objects.filter(meeting__in=meetings).select_for_update()
    }
    # A speaker who has left frees the slot (the queue below no longer counts it).
    for meeting_id, slot in list(held.items()):
        if slot.user_id not in active:
            slot.delete()
            del held[meeting_id]
    queue = [m.user_id for m in speaker_queue(group)]
    if not queue:
        raise AgendaError(_("No member is available to speak."))
    created: list[SpeakerSlot] = []
    for meeting in meetings:
        if meeting.pk in held:
            continue
        speaker = queue.pop(0)
        queue.append(speaker)  # spoke most recently now: back of the line
        slot = SpeakerSlot.objects.create(meeting=meeting, user_id=speaker)
        created.append(slot)
    if created:
        record(
            actor,
            "meetings.rotation.planned",
            group,
            {"slots": [[s.meeting_id, s.user_id] for s in created]},
        )
    return created


def _speaker_slot(meeting: Meeting) -> SpeakerSlot:
    slot = SpeakerSlot.objects.select_for_update().filter(meeting=meeting).first()
    if slot is None:
        raise AgendaError(
            _("No feature speaker is scheduled on %(date)s.")
            % {"date": timezone.localtime(meeting.starts_at).date().isoformat()}
        )
    return slot


def _require_upcoming(meeting: Meeting) -> None:
    if meeting.is_cancelled or meeting.starts_at <= timezone.now():
        raise AgendaError(_("Only speakers of meetings still to come can change."))


@transaction.atomic
def swap_speakers(
    first: Meeting, second: Meeting, *, actor: Any
) -> tuple[SpeakerSlot, SpeakerSlot]:
    """Two scheduled speakers trade weeks."""
    if first.group_id != second.group_id or first.pk == second.pk:
        raise AgendaError(_("Choose two different meetings of the same group."))
    _require_leader(actor, first.group)
    for meeting in (first, second):
        _require_upcoming(meeting)
    a, b = _speaker_slot(first), _speaker_slot(second)
    a.user_id, b.user_id = b.user_id, a.user_id
    a.topic, b.topic = b.topic, a.topic
    a.save(update_fields=["user", "topic"])
    b.save(update_fields=["user", "topic"])
    record(actor, "meetings.rotation.swapped", first.group, {"meetings": [first.pk, second.pk]})
    return a, b


@transaction.atomic
def set_speaker(
    meeting: Meeting, *, actor: Any, user_id: int | None, topic: str | None = None
) -> SpeakerSlot | None:
    """A leader names (or clears, with ``user_id`` None) a meeting's feature speaker; the
    speaker may set their own topic (``user_id`` of themselves, or unchanged)."""
    _require_upcoming(meeting)
    rights = rights_in(actor, meeting.group)
    slot = SpeakerSlot.objects.select_for_update().filter(meeting=meeting).first()
    is_leader = can_run(rights)
    own_topic = slot is not None and slot.user_id == actor.pk and user_id in (None, actor.pk)
    if not is_leader and not own_topic:
        raise AgendaError(
            _("Only the leaders of %(group)s may choose its speakers.")
            % {"group": meeting.group.name}
        )
    cleaned_topic = None if topic is None else " ".join(str(topic).split())[:200]
    if is_leader and user_id is None and not own_topic:
        if slot is not None:
            record(actor, "meetings.rotation.cleared", meeting, {"speaker": slot.user_id})
            slot.delete()
        return None
    speaker = user_id if user_id is not None else actor.pk
    if not Membership.objects.active().filter(group=meeting.group, user_id=speaker).exists():
        raise AgendaError(
            _("The speaker must be an active member of %(group)s.") % {"group": meeting.group.name}
        )
    if slot is None:
        slot = SpeakerSlot(meeting=meeting)
    elif slot.user_id != speaker:
        slot.topic = ""  # a new speaker brings their own topic
    slot.user_id = speaker
    if cleaned_topic is not None:
        slot.topic = cleaned_topic
    slot.save()
    record(
        actor, "meetings.rotation.speaker_set", meeting, {"speaker": speaker, "topic": slot.topic}
    )
    return slot


@transaction.atomic
def set_speaker_opt_out(group: Group, *, actor: User, out: bool) -> bool:
    """A member asks not to be scheduled for the feature presentation (or asks again to be).
    Talks already scheduled stay: leaders swap or clear them."""
    if not rights_in(actor, group).active_member:
        raise AgendaError(
            _("Only members of %(group)s speak at its meetings.") % {"group": group.name}
        )
    if out:
        _row, created = SpeakerOptOut.objects.get_or_create(group=group, user=actor)
        changed = created
    else:
        changed = SpeakerOptOut.objects.filter(group=group, user=actor).delete()[0] > 0
    if changed:
        record(actor, "meetings.rotation.opted_out" if out else "meetings.rotation.opted_in", group)
    return out


@dataclass(frozen=True)
class RotationRow:
    meeting: Meeting
    slot: SpeakerSlot | None


def rotation(group: Group, *, weeks: int = DEFAULT_ROTATION_WEEKS) -> list[RotationRow]:
    """The next ``weeks`` chapter meetings and who gives the feature presentation. Two
    queries whatever the number of weeks."""
    meetings = list(upcoming_meetings(group)[:weeks])
    slots = {
        s.meeting_id: s
        for s in SpeakerSlot.objects.filter(meeting__in=meetings).select_related("user__profile")
    }
    return [RotationRow(meeting=m, slot=slots.get(m.pk)) for m in meetings]


def last_talks(group: Group, user_ids: Sequence[int]) -> dict[int, datetime.datetime]:
    """When each member last gave (or is next to give) the feature presentation."""
    rows = (
        SpeakerSlot.objects.filter(
            meeting__group=group, meeting__cancelled_at__isnull=True, user_id__in=user_ids
        )
        .values("user_id")
        .annotate(last=Max("meeting__starts_at"))
    )
    return {row["user_id"]: row["last"] for row in rows}


# --- meeting mode -------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """One member's place in the round of short presentations."""

    membership: Membership
    name: str
    status: str  # their attendance so far ("" = not recorded)
    substitute_name: str


def display_name(user: User) -> str:
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile is not None else "") or _("Cerchia member")


def roster(group: Group) -> list[Membership]:
    """Active members, alphabetically: the round's order and the attendance list's."""
    return list(
        Membership.objects.active()
        .filter(group=group)
        .select_related("user__profile")
        .order_by(Lower("user__profile__display_name"), "user_id")
    )


def round_order(meeting: Meeting, members: Sequence[Membership] | None = None) -> list[Turn]:
    """Who speaks in the round, in order: active members alphabetically, less those marked
    absent or on medical leave; a substitute speaks in their member's place."""
    members = roster(meeting.group) if members is None else members
    marks = {
        a.user_id: a
        for a in Attendance.objects.filter(meeting=meeting).only(
            "user_id", "status", "substitute_name"
        )
    }
    away = (Attendance.Status.ABSENT, Attendance.Status.MEDICAL)
    turns = []
    for membership in members:
        mark = marks.get(membership.user_id)
        if mark is not None and mark.status in away:
            continue
        turns.append(
            Turn(
                membership=membership,
                name=display_name(membership.user),
                status=mark.status if mark is not None else "",
                substitute_name=mark.substitute_name if mark is not None else "",
            )
        )
    return turns


@dataclass(frozen=True)
class LiveState:
    segments: list[Segment]
    index: int | None  # running segment; None: not started; len(segments): over
    since: datetime.datetime | None
    member_id: int | None
    member_since: datetime.datetime | None

    @property
    def started(self) -> bool:
        return self.index is not None

    @property
    def over(self) -> bool:
        return self.index is not None and self.index >= len(self.segments)

    @property
    def running(self) -> bool:
        return self.started and not self.over

    @property
    def segment(self) -> Segment | None:
        return self.segments[self.index] if self.running and self.index is not None else None

    @property
    def next_segment(self) -> Segment | None:
        start = 0 if self.index is None else self.index + 1
        return self.segments[start] if start < len(self.segments) else None

    @property
    def ends_at(self) -> datetime.datetime | None:
        segment = self.segment
        if segment is None or self.since is None:
            return None
        return self.since + datetime.timedelta(minutes=segment.minutes)

    @property
    def turn_ends_at(self) -> datetime.datetime | None:
        if self.member_since is None:
            return None
        return self.member_since + datetime.timedelta(seconds=TURN_SECONDS)


def live_state(meeting: Meeting, segments: list[Segment] | None = None) -> LiveState:
    segments = agenda_for(meeting.group) if segments is None else segments
    index = meeting.live_segment
    if index is not None:
        index = min(index, len(segments))  # the agenda lost segments while live
    return LiveState(
        segments=segments,
        index=index,
        since=meeting.live_since,
        member_id=meeting.live_member_id,
        member_since=meeting.live_member_since,
    )


STEPS = ("start", "next", "previous", "finish", "turn_next", "turn_previous")


def _neighbour(turns: list[Turn], current: int | None, step: int) -> int | None:
    ids = [t.membership.user_id for t in turns]
    if not ids:
        return None
    if current not in ids:
        return ids[0] if step > 0 else None
    at = ids.index(current) + step
    return ids[at] if 0 <= at < len(ids) else None


@transaction.atomic
def step_meeting(
    meeting: Meeting,
    *,
    actor: Any,
    action: str,
    seen_segment: int | None = None,
    seen_member: int | None = None,
    checked: bool = True,
) -> Meeting:
    """Move meeting mode on: ``start`` the first segment, ``next``/``previous`` segment,
    ``finish`` the meeting, or ``turn_next``/``turn_previous`` member in the round.

    With ``checked`` the step applies only if the meeting is still where the leader saw it
    (``seen_segment``, and ``seen_member`` for turns); otherwise it is ignored and the
    meeting comes back as it now is."""
    if action not in STEPS:
        raise AgendaError(_("Unknown step: %(step)s") % {"step": action})
    _require_leader(actor, meeting.group)
    if meeting.is_cancelled:
        raise AgendaError(_("This meeting was cancelled."))
    segments = agenda_for(meeting.group)
    if not segments:
        raise AgendaError(_("This group has no agenda yet: its organisation sets one up."))
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    state = live_state(current, segments)
    if checked and (
        seen_segment != state.index
        or (action.startswith("turn_") and seen_member != state.member_id)
    ):
        return current
    now = timezone.now()
    fields: dict[str, Any] = {}
    last = len(segments)
    if action == "start" and not state.started:
        target: int | None = 0
    elif action == "next" and state.running and state.index is not None:
        target = state.index + 1
    elif action == "previous" and state.started and state.index is not None:
        target = state.index - 1 if state.index > 0 else None
    elif action == "finish" and state.running:
        target = last
    elif action.startswith("turn_") and state.segment is not None and state.segment.is_round:
        member = _neighbour(
            round_order(current), state.member_id, 1 if action == "turn_next" else -1
        )
        if member is None and action == "turn_previous":
            return current
        fields = {"live_member_id": member, "live_member_since": now if member else None}
        target = state.index
    else:
        return current  # nothing to do from here (e.g. "next" once it is over)
    if not action.startswith("turn_"):
        fields = {
            "live_segment": target,
            "live_since": now if target is not None else None,
            "live_member_id": None,
            "live_member_since": None,
        }
        if target is not None and target < last and segments[target].is_round:
            first = _neighbour(round_order(current), None, 1)
            fields.update(live_member_id=first, live_member_since=now if first else None)
    for name, value in fields.items():
        setattr(current, name, value)
    current.save(update_fields=[name.removesuffix("_id") for name in fields])
    record(
        actor,
        f"meetings.live.{action}",
        current,
        {"segment": current.live_segment, "member": current.live_member_id},
    )
    return current


def feature_speaker(meeting: Meeting) -> SpeakerSlot | None:
    """Who gives this meeting's feature presentation (None: nobody planned yet)."""
    return SpeakerSlot.objects.filter(meeting=meeting).select_related("user__profile").first()


def visitors_to_introduce(meeting: Meeting) -> list[Registration]:
    """The visitors registered for this meeting, for the visitor introductions."""
    return list(
        Registration.objects.filter(
            meeting=meeting, visitor__isnull=False, status=Registration.Status.REGISTERED
        )
        .select_related("visitor__profession", "visitor__invited_by__profile")
        .order_by("name", "pk")
    )
