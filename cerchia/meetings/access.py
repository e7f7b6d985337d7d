"""Who may open a meeting, run it, and see its attendees. Each helper returns or raises."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.groups.access import Rights, can_see_group, rights_in
from cerchia.meetings.models import Meeting


def access_meeting(user: Any, meeting_id: int) -> tuple[Meeting, Rights]:
    """A meeting whose group ``user`` may see (404 otherwise, as if it did not exist), with
    the person's rights in that group."""
    meeting = (
        Meeting.objects.filter(pk=meeting_id).select_related("group__parent", "series").first()
    )
    if meeting is None or not can_see_group(user, meeting.group):
        raise Http404(_("No such meeting"))
    return meeting, rights_in(user, meeting.group)


def can_run(rights: Rights) -> bool:
    """Leaders who run meetings: the group's administrators and officers (any role but plain
    member), and administrators of the groups above."""
    membership = rights.membership
    return rights.manager or (
        membership is not None and membership.is_active and membership.role != "member"
    )


def access_meeting_to_run(user: Any, meeting_id: int) -> tuple[Meeting, Rights]:
    """A meeting ``user`` runs (attendance, check-in, meeting mode): 403 for anyone else who
    may see it."""
    meeting, rights = access_meeting(user, meeting_id)
    if not can_run(rights):
        raise PermissionDenied(_("Only the group's leaders may do this"))
    return meeting, rights


def sees_attendees(rights: Rights) -> bool:
    """Attendee lists: the group's leaders, and its active members (each card still filtered
    by its owner's visibility choices). Nobody else."""
    return can_run(rights) or rights.active_member
