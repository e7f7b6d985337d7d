"""Who may open a group's ballots, act on one, and vote. Each helper returns or raises."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.ballots.models import Ballot
from cerchia.ballots.services import why_cannot_vote
from cerchia.groups.access import Rights, access_group, rights_in
from cerchia.groups.models import Group


def access_ballots_group(user: Any, key: int | str, *, write: bool = False) -> Group:
    """A group with members to vote, if ``user`` may see it (404 otherwise); with ``write``,
    403 for anyone who does not run it."""
    group = access_group(user, key, write=write)
    if group.is_informal or not group.rules.accepts_members:
        raise Http404(_("This group has no ballots."))
    return group


def access_ballots(user: Any, key: int | str, *, voting: bool = False) -> Rights:
    """A group's ballots: for its active members and its administrators. 404 where the group
    cannot be seen, 403 for anyone else — saying why they may not vote, when voting."""
    group = access_ballots_group(user, key)
    rights = rights_in(user, group)
    if not (rights.active_member or rights.manager):
        if voting:
            raise PermissionDenied(why_cannot_vote(rights.membership, timezone.localdate()))
        raise PermissionDenied(_("Ballots are for the members of this group."))
    return rights


def access_ballot(rights: Rights, ballot_id: int, *, write: bool = False) -> Ballot:
    """A ballot of ``rights.group`` (404 for one of another group); with ``write``, 403 for
    anyone but its administrators."""
    ballot = Ballot.objects.filter(group=rights.group, pk=ballot_id).first()
    if ballot is None:
        raise Http404(_("No such ballot"))
    ballot.group = rights.group
    if write and not rights.manager:
        raise PermissionDenied(_("Only the group's administrators may do this."))
    return ballot


def access_vote(user: Any, key: int | str, ballot_id: int) -> tuple[Rights, Ballot]:
    """A ballot ``user`` may vote on today: 403 with the reason for anyone who is not a full
    member in good standing (checked for this person, on this day)."""
    rights = access_ballots(user, key, voting=True)
    if rights.membership is not None:
        rights.membership.group = rights.group  # the standing engine reads the rules
    refusal = why_cannot_vote(rights.membership, timezone.localdate())
    if refusal:
        raise PermissionDenied(refusal)
    return rights, access_ballot(rights, ballot_id)
