"""Who may open which ledger object. Everything here is private to the people involved:
anyone else gets 404, as if the object did not exist.

The one exception is a referral slip passed in a group: the group's leaders see that it
exists (who gave it to whom, its kind, temperature and status: what a chapter's weekly
report shows) unless it is confidential — never the prospect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.ledger.models import ClosedBusiness, Connection, Investment, OneToOne, Referral
from cerchia.ledger.services import is_leader


@dataclass(frozen=True)
class ReferralAccess:
    referral: Referral
    party: bool  # the giver or the receiver
    leader: bool  # a leader of the group it was passed in

    @property
    def sees_prospect(self) -> bool:
        return self.party


def _user_id(user: Any) -> int | None:
    return user.pk if getattr(user, "is_authenticated", False) else None


def _owner_id(user: Any) -> int:
    """The signed-in person's id; 0 (nobody's) for anyone else, so owner filters match
    nothing."""
    return int(user.pk) if getattr(user, "is_authenticated", False) else 0


def access_referral(user: Any, referral_id: int) -> ReferralAccess:
    user_id = _user_id(user)
    referral = (
        Referral.objects.filter(pk=referral_id)
        .select_related("group", "giver__profile", "receiver__profile")
        .first()
    )
    if referral is None or user_id is None:
        raise Http404(_("No such referral"))
    party = user_id in (referral.giver_id, referral.receiver_id)
    leader = is_leader(user, referral.group)
    if not party and (referral.confidential or not leader):
        raise Http404(_("No such referral"))
    return ReferralAccess(referral=referral, party=party, leader=leader)


def access_closed_business(user: Any, closed_id: int) -> ClosedBusiness:
    user_id = _user_id(user)
    closed = ClosedBusiness.objects.filter(pk=closed_id).select_related("group").first()
    if closed is None or user_id not in (closed.giver_id, closed.receiver_id):
        raise Http404(_("No such closed business"))
    return closed


def access_one_to_one(user: Any, one_id: int) -> OneToOne:
    user_id = _user_id(user)
    one = (
        OneToOne.objects.filter(pk=one_id)
        .select_related("group", "proposer__profile", "partner__profile")
        .first()
    )
    if one is None or user_id not in (one.proposer_id, one.partner_id):
        raise Http404(_("No such one-to-one"))
    return one


def access_connection(user: Any, connection_id: int) -> Connection:
    connection = (
        Connection.objects.filter(pk=connection_id, owner_id=_owner_id(user))
        .select_related("group", "meeting")
        .first()
    )
    if connection is None:
        raise Http404(_("No such connection"))
    return connection


def access_investment(user: Any, investment_id: int) -> Investment:
    investment = (
        Investment.objects.filter(pk=investment_id, user_id=_owner_id(user))
        .select_related("group")
        .first()
    )
    if investment is None:
        raise Http404(_("No such investment"))
    return investment
