"""Who may open a chapter's agenda, speaker rotation and attendance. Each helper returns the
object (or the person's rights) or raises: 404 where the group or meeting cannot be seen, 403
where it can but the person has no part in it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.groups.access import Rights, access_group, rights_in
from cerchia.groups.models import Group
from cerchia.meetings.access import access_meeting, can_run
from cerchia.meetings.agenda import agenda_owner
from cerchia.meetings.models import AgendaSegment, Meeting


def access_agenda_group(user: Any, key: int | str) -> Group:
    """A group whose agenda ``user`` may read: anyone who may see a group that holds
    members' meetings (404 otherwise)."""
    group = access_group(user, key)
    if group.is_informal or not group.rules.accepts_members:
        raise Http404(_("This group has no meeting agenda."))
    return group


def access_segment(user: Any, key: int | str, segment_id: int) -> tuple[Group, AgendaSegment]:
    """A segment of the agenda a group follows (its own, or its organisation's)."""
    group = access_agenda_group(user, key)
    segment = (
        AgendaSegment.objects.filter(pk=segment_id, template__group=agenda_owner(group))
        .select_related("template__group")
        .first()
    )
    if segment is None:
        raise Http404(_("No such agenda segment"))
    return group, segment


def access_chapter_members(user: Any, key: int | str) -> Rights:
    """A group's speaker rotation and attendance: for its active members and its leaders."""
    group = access_agenda_group(user, key)
    rights = rights_in(user, group)
    if not (rights.active_member or can_run(rights)):
        raise PermissionDenied(_("This is for the members of the group."))
    return rights


def access_meeting_attendance(user: Any, meeting_id: int) -> tuple[Meeting, Rights]:
    """A meeting's attendance: leaders see everyone's, active members their own."""
    meeting, rights = access_meeting(user, meeting_id)
    if not (rights.active_member or can_run(rights)):
        raise PermissionDenied(_("Attendance is for the members of the group."))
    return meeting, rights
