"""The report's geography reads the member's reach to each giver inside its own statement
(``links_sql``): it must hide and show exactly the cities ``reach_map`` would."""

from __future__ import annotations

from typing import Any

import pytest

from cerchia.accounts.models import Block, User
from cerchia.accounts.models import Connection as CardConnection
from cerchia.accounts.privacy import can_see
from cerchia.accounts.selectors import reach_map
from cerchia.conftest import Cast, add_member, make_user
from cerchia.insights.report import geography
from cerchia.insights.tests.test_report import NOW, city, d
from cerchia.ledger.models import Referral
from cerchia.meetings.tests.meeting_helpers import at


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with at(NOW):
        yield


def giver(cast: Cast, email: str, town: str, location: str) -> User:
    person = make_user(email)
    city(person, town, location)
    # Straight into the table: the ledger service asks the two to know each other first, and
    # the point here is the givers the member does not reach.
    Referral.objects.create(
        giver=person, receiver=cast.member, group=None, prospect_name=town, given_on=d(6, 1)
    )
    return person


def test_the_cities_shown_are_those_reach_map_allows(cast: Cast) -> None:
    member, chapter = cast.member, cast.group
    city(member, "Milano")
    in_group = giver(cast, "group@example.org", "Napoli", "groups")
    add_member(chapter, in_group)
    blocker = giver(cast, "blocker@example.org", "Genova", "groups")
    add_member(chapter, blocker)
    Block.objects.create(blocker=blocker, blocked=member)
    connected = giver(cast, "conn@example.org", "Bari", "connections")
    CardConnection.objects.create(owner=connected, other=member)
    connected_blocker = giver(cast, "connblock@example.org", "Pisa", "connections")
    CardConnection.objects.create(owner=connected_blocker, other=member)
    Block.objects.create(blocker=connected_blocker, blocked=member)
    gone = giver(cast, "gone@example.org", "Parma", "groups")
    add_member(chapter, gone, status="left")
    public = giver(cast, "public@example.org", "Lecce", "public")
    stranger = giver(cast, "stranger@example.org", "Udine", "groups")
    # The other way round: the member counting the stranger among theirs widens nothing.
    CardConnection.objects.create(owner=member, other=stranger)

    geo = geography(member, None, None)
    shown = {c["city"]: c["referrals_received"] for c in geo["cities"]}
    assert shown == {"Napoli": 1, "Bari": 1, "Lecce": 1, "unknown": 4}

    people = [in_group, blocker, connected, connected_blocker, gone, public, stranger]
    reach = reach_map(member, [p.pk for p in people])
    for person in people:
        person.profile.refresh_from_db()
        visible = can_see(person.profile.level_of("location"), reach[person.pk])
        assert (person.profile.city in shown) is visible, person.email


def test_no_referrals_no_links(cast: Cast) -> None:
    city(cast.member, "Milano")
    CardConnection.objects.create(owner=cast.leader, other=cast.member)
    geo = geography(cast.member, d(1, 1), d(6, 30))
    assert geo == {
        "referrals_received": 0,
        "city": "Milano",
        "local_share": None,
        "cities": [],
        "by_kind": [],
    }
