"""Reads for referral slips: my slips, the people I may pass one to (recent partners first,
search by name or profession without probing hidden card fields), a chapter's week for its
leaders, and the group's totals of closed business."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from cerchia.accounts.models import Connection as CardConnection
from cerchia.accounts.models import User
from cerchia.conftest import Cast, add_member, make_user
from cerchia.groups.services import create_group
from cerchia.ledger import services
from cerchia.ledger.models import Referral
from cerchia.ledger.selectors_referrals import (
    group_closed_totals,
    group_weeks,
    partner,
    recent_partners,
    referrals_for,
    search_partners,
    slip_groups,
    week_slips,
)

TODAY = datetime.date(2026, 6, 10)  # a Wednesday
MONDAY = datetime.date(2026, 6, 8)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)):
        yield


def slip(giver: User, receiver: User | None, cast: Cast, **kwargs: Any) -> Referral:
    """A slip in the cast's chapter (or elsewhere, with ``group=``)."""
    kwargs.setdefault("group", cast.group)
    kwargs.setdefault("prospect_name", "Anna Bianchi")
    if receiver is None:
        kwargs.setdefault("receiver_name", "Ext Ernal")
    return services.record_referral(giver, receiver=receiver, **kwargs)


# --- my slips -----------------------------------------------------------------------------


def test_my_slips_are_those_given_and_received_newest_first(cast: Cast) -> None:
    old = slip(cast.member, cast.leader, cast, given_on=TODAY - datetime.timedelta(days=9))
    received = slip(cast.leader, cast.member, cast, given_on=TODAY - datetime.timedelta(days=2))
    given = slip(cast.member, cast.leader, cast)
    slip(cast.leader, cast.owner, cast, group=None)  # not the member's

    assert list(referrals_for(cast.member)) == [given, received, old]
    assert list(referrals_for(cast.member, direction="given")) == [given, old]
    assert list(referrals_for(cast.member, direction="received")) == [received]
    assert list(referrals_for(cast.member, date_from=TODAY - datetime.timedelta(days=3))) == [
        given,
        received,
    ]
    assert list(referrals_for(cast.member, date_to=TODAY - datetime.timedelta(days=3))) == [old]
    assert list(referrals_for(cast.outsider)) == []


def test_my_slips_filter_by_status_and_group(cast: Cast) -> None:
    moved = slip(cast.member, cast.leader, cast)
    services.advance_referral(moved, actor=cast.leader, status="contacted")
    informal = slip(cast.member, cast.leader, cast, group=None)

    assert list(referrals_for(cast.member, status="contacted")) == [moved]
    assert list(referrals_for(cast.member, group_id=cast.group.pk)) == [moved]
    assert list(referrals_for(cast.member, status="given")) == [informal]


# --- whom I may pass a slip to ------------------------------------------------------------


def test_recent_partners_come_most_recent_first_from_every_kind_of_contact(cast: Cast) -> None:
    met = make_user("met@example.org", "Marta Met", profession="caterer")
    pal = make_user("pal@example.org", "Paolo Pal", profession="florist")
    add_member(cast.group, pal)
    CardConnection.objects.create(owner=met, other=cast.member)
    # A one-to-one long ago, a slip received last week, a slip given yesterday, met today.
    with time_machine.travel(datetime.datetime(2026, 5, 1, 10, 0, tzinfo=datetime.UTC)):
        services.propose_one_to_one(cast.member, partner=pal, group=cast.group)
    slip(cast.owner, cast.member, cast, group=None, given_on=TODAY - datetime.timedelta(days=7))
    slip(cast.member, cast.leader, cast, given_on=TODAY - datetime.timedelta(days=1))
    services.record_connection(cast.member, where="elsewhere", person=met)

    names = [p.name for p in recent_partners(cast.member)]

    assert names == ["Marta Met", "Leo Leader", "Olivia Owner", "Paolo Pal"]


def test_recent_partners_leave_out_people_no_longer_reachable(cast: Cast) -> None:
    slip(cast.member, cast.leader, cast, given_on=TODAY - datetime.timedelta(days=3))
    cast.group.memberships.filter(user=cast.leader).update(status="resigned")

    assert recent_partners(cast.member) == []


def test_search_finds_a_member_by_profession_or_name_and_never_a_stranger(cast: Cast) -> None:
    by_profession = search_partners(cast.leader, "photog")
    by_name = search_partners(cast.leader, "mia")

    assert [p.user for p in by_profession] == [cast.member]
    assert by_profession[0].profession == "Wedding photographer"
    assert [p.user for p in by_name] == [cast.member]
    assert search_partners(cast.leader, "plumber") == []  # the outsider's trade
    assert search_partners(cast.leader, "oscar") == []
    assert search_partners(cast.leader, "m") == []  # too short to search


def test_search_cannot_probe_a_hidden_profession(cast: Cast) -> None:
    profile = cast.member.profile
    profile.visibility = {"profession": "private"}
    profile.save()

    assert search_partners(cast.leader, "photog") == []
    assert [p.user for p in search_partners(cast.leader, "mia")] == [cast.member]
    assert search_partners(cast.leader, "mia")[0].profession == ""


def test_card_connections_and_people_met_may_receive_a_slip(cast: Cast) -> None:
    CardConnection.objects.create(owner=cast.outsider, other=cast.member)

    assert partner(cast.member, cast.outsider.pk) is not None
    assert partner(cast.member, cast.visitor.pk) is None  # an applicant, nothing shared
    assert partner(cast.member, cast.member.pk) is None


def test_the_group_most_recently_used_comes_first(cast: Cast) -> None:
    second = create_group(cast.owner, name="Chapter Two", kind="lead_group", visibility="private")
    add_member(second, cast.member)
    add_member(second, cast.leader)

    assert [g.name for g in slip_groups(cast.member, cast.leader)] == [
        "Chapter One",
        "Chapter Two",
    ]
    slip(cast.member, cast.leader, cast, group=second)
    assert [g.name for g in slip_groups(cast.member, cast.leader)] == [
        "Chapter Two",
        "Chapter One",
    ]
    # Only the groups both share.
    assert [g.name for g in slip_groups(cast.member, cast.visitor)] == []


# --- the chapter's week, for its leaders --------------------------------------------------


def test_a_week_shows_open_slips_and_only_counts_confidential_ones(cast: Cast) -> None:
    shown = slip(cast.member, cast.leader, cast)
    slip(cast.leader, cast.member, cast, confidential=True)
    slip(cast.member, cast.leader, cast, given_on=MONDAY - datetime.timedelta(days=1))

    slips, confidential = week_slips(cast.group, MONDAY)

    assert slips == [shown]
    assert confidential == 1


def test_weeks_count_every_slip_and_say_which_are_closed(cast: Cast) -> None:
    slip(cast.member, cast.leader, cast)
    slip(cast.leader, cast.member, cast, confidential=True)
    slip(cast.member, cast.leader, cast, given_on=MONDAY - datetime.timedelta(days=1))
    services.close_week(cast.group, actor=cast.leader, day=MONDAY - datetime.timedelta(days=3))

    weeks = group_weeks(cast.group, until=TODAY, weeks=3)

    assert [(w.start, w.slips, w.confidential, w.closed) for w in weeks] == [
        (MONDAY, 2, 1, False),
        (MONDAY - datetime.timedelta(days=7), 1, 0, True),
        (MONDAY - datetime.timedelta(days=14), 0, 0, False),
    ]


def test_group_totals_sum_per_currency_and_never_across(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    services.record_closed_business(cast.leader, referral=referral, amount_minor=120000)
    services.record_closed_business(
        cast.member, giver=cast.leader, group=cast.group, amount_minor=5000
    )
    services.record_closed_business(
        cast.member, giver=cast.leader, group=cast.group, amount_minor=700, currency="CHF"
    )
    services.record_closed_business(
        cast.member, giver=cast.leader, amount_minor=999, currency="EUR"
    )  # no group

    totals = group_closed_totals(cast.group)

    assert [(t.currency, t.deals, t.amount_minor) for t in totals] == [
        ("CHF", 1, 700),
        ("EUR", 2, 125000),
    ]
