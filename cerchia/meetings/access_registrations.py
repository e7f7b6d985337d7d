"""Who may open a registration (a ticket) and a meeting's attendee list. Each helper returns
the object or raises 404/403."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.groups.access import Rights, rights_in
from cerchia.meetings.access import access_meeting, access_meeting_to_run, can_run, sees_attendees
from cerchia.meetings.models import Meeting, Registration


def _may_open(user: Any, registration: Registration, *, by_code: bool) -> bool:
    """The attendee, whoever registered them, and the group's leaders. A ticket whose attendee
    has no account (a visitor or a guest without one) opens with its secret code alone: that
    is how they keep it."""
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    if user_id is not None and user_id in (registration.user_id, registration.registered_by_id):
        return True
    if by_code and registration.user_id is None:
        return True
    return user_id is not None and can_run(rights_in(user, registration.meeting.group))


def _registrations() -> Any:
    return Registration.objects.select_related(
        "meeting__group", "user__profile", "visitor", "registered_by__profile"
    )


def access_ticket(user: Any, code: str) -> Registration:
    """A ticket by its code (404 for anyone who may not open it, as if it did not exist)."""
    registration = _registrations().filter(code=code.upper()).first()
    if registration is None or not _may_open(user, registration, by_code=True):
        raise Http404(_("No such ticket"))
    return registration


def access_registration(user: Any, registration_id: int) -> Registration:
    """A registration by id (the API): the attendee's, their host's, or a leader's; 404
    for anyone else."""
    registration = _registrations().filter(pk=registration_id).first()
    if registration is None or not _may_open(user, registration, by_code=False):
        raise Http404(_("No such registration"))
    return registration


def access_registration_to_run(
    user: Any, meeting_id: int, registration_id: int
) -> tuple[Registration, Meeting, Rights]:
    """A registration of a meeting ``user`` runs (approve, decline, payments): 404 when the
    meeting cannot be seen or the registration is another meeting's, 403 for non-leaders."""
    meeting, rights = access_meeting_to_run(user, meeting_id)
    registration = _registrations().filter(meeting=meeting, pk=registration_id).first()
    if registration is None:
        raise Http404(_("No such registration"))
    registration.meeting = meeting
    return registration, meeting, rights


def access_attendees(user: Any, meeting_id: int) -> tuple[Meeting, Rights]:
    """A meeting whose attendee list ``user`` may read (leaders and active members): 404
    where the meeting cannot be seen, 403 for anyone else."""
    meeting, rights = access_meeting(user, meeting_id)
    if not sees_attendees(rights):
        raise PermissionDenied(_("Only the group's members see who is coming."))
    return meeting, rights
