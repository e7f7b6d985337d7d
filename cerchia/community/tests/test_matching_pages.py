"""Matches from the database: a chapter's and a meeting's, on pages and in the API — members
and attendees only, reasons from visible fields only, "not interested" for good, blocks and
connections excluded, the Connect and Not interested buttons, and a bounded query count."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from cerchia.accounts.models import Block, Connection, ConnectionRequest, Profile, User
from cerchia.community.models import Dismissal
from cerchia.community.selectors_matching import suggestions_for
from cerchia.conftest import Cast, add_member, make_user
from cerchia.meetings.models import Attendance, Meeting, Registration

pytestmark = pytest.mark.django_db


def _card(user: User, **fields: Any) -> None:
    Profile.objects.filter(user=user).update(**fields)


@pytest.fixture
def chapter(cast: Cast) -> dict[str, User]:
    """Mia (wedding photographer) seeks a florist and catering; Leo is a florist serving
    weddings; Carla, a caterer, seeks a photographer; Pia is another wedding photographer."""
    _card(
        cast.member, seeks=["florist", "catering"], clients=["weddings", "hotels"], city="Bologna"
    )
    _card(cast.leader, offers=["wedding flowers"], clients=["Weddings"], city="Bologna")
    carla = make_user("carla@example.org", "Carla Caterer", profession="caterer")
    _card(carla, offers=["catering"], seeks=["photographer"], city="Bologna")
    pia = make_user("pia@example.org", "Pia Photo", profession="wedding_photographer")
    _card(pia, city="Modena")
    for person in (carla, pia):
        add_member(cast.group, person)
    return {"carla": carla, "pia": pia}


def _names(response: Any) -> list[str]:
    return [item["display_name"] for item in response.json()["items"]]


def test_a_member_sees_who_is_worth_meeting_with_the_reasons(cast: Cast, chapter):
    response = cast.client("member").get(f"/groups/{cast.group.slug}/matches/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Carla Caterer" in body and "Leo Leader" in body
    assert "Pia Photo" not in body  # a competitor with nothing else in common
    assert "Carla Caterer seeks “photographer”: you are one" in body
    assert "Carla Caterer offers “catering”, which you seek" in body
    assert "Leo Leader is a Florist, which you seek" in body
    assert "You share 1 client segment: weddings" in body
    assert "Also in Bologna" in body
    # The best first: Carla (two intents, sphere, city) before Leo (one intent, sphere,
    # one client, city).
    assert body.index("Carla Caterer") < body.index("Leo Leader")


def test_the_api_gives_the_same_suggestions(cast: Cast, chapter):
    response = cast.api("member").get(f"/api/v1/groups/{cast.group.pk}/matches?limit=5")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["display_name"] for i in items] == ["Carla Caterer", "Leo Leader"]
    assert items[0]["profession"] == "Caterer" and items[0]["requested"] is False
    assert items[0]["score"] > items[1]["score"] > 0
    assert "Carla Caterer seeks “photographer”: you are one" in items[0]["reasons"]


@pytest.mark.parametrize("who", ["outsider", "visitor"])
def test_people_outside_the_group_get_404(cast: Cast, chapter, who: str):
    assert cast.client(who).get(f"/groups/{cast.group.slug}/matches/").status_code == 404
    assert cast.api(who).get(f"/api/v1/groups/{cast.group.pk}/matches").status_code == 404


def test_a_public_groups_page_is_still_for_its_members_only(cast: Cast):
    response = cast.client("outsider").get(f"/groups/{cast.public_group.slug}/matches/")
    assert response.status_code == 404
    assert (
        cast.api("outsider").get(f"/api/v1/groups/{cast.public_group.pk}/matches").status_code
        == 404
    )
    anonymous = cast.client("member")
    anonymous.logout()
    assert anonymous.get(f"/groups/{cast.group.slug}/matches/").status_code == 302


def _meeting(cast: Cast, attendees: list[User], present: list[User] = ()) -> Meeting:  # type: ignore[assignment]
    start = timezone.now() + datetime.timedelta(days=3)
    meeting = Meeting.objects.create(
        group=cast.group,
        kind="chapter_meeting",
        title="Tuesday breakfast",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    for user in attendees:
        Registration.objects.create(
            meeting=meeting, user=user, name=str(user), audience="member", status="registered"
        )
    for user in present:
        Attendance.objects.create(meeting=meeting, user=user, status="present")
    return meeting


def test_an_attendee_sees_matches_among_the_attendees_only(cast: Cast, chapter):
    meeting = _meeting(cast, [cast.member, chapter["carla"]], present=[chapter["pia"]])
    body = cast.client("member").get(f"/meetings/{meeting.pk}/matches/").content.decode()
    assert "Carla Caterer" in body
    assert "Leo Leader" not in body  # a member of the group, not at this meeting
    # Pia, recorded present without registering, is an attendee too.
    assert [
        s.user_id for s in suggestions_for(chapter["pia"], [chapter["pia"].pk, chapter["carla"].pk])
    ]
    api = cast.api("member").get(f"/api/v1/meetings/{meeting.pk}/matches")
    assert api.status_code == 200 and "Carla Caterer" in _names(api)


@pytest.mark.parametrize("who", ["outsider", "leader", "visitor"])
def test_non_attendees_get_404_on_a_meetings_matches(cast: Cast, chapter, who: str):
    meeting = _meeting(cast, [cast.member, chapter["carla"]])
    assert cast.client(who).get(f"/meetings/{meeting.pk}/matches/").status_code == 404
    assert cast.api(who).get(f"/api/v1/meetings/{meeting.pk}/matches").status_code == 404
    assert cast.client("member").get("/meetings/999999/matches/").status_code == 404


def test_a_hidden_field_never_scores_nor_shows(cast: Cast, chapter):
    carla = chapter["carla"]
    _card(carla, visibility={"offers": "connections", "seeks": "private"})
    items = cast.api("member").get(f"/api/v1/groups/{cast.group.pk}/matches").json()["items"]
    carla_item = next(i for i in items if i["display_name"] == "Carla Caterer")
    text = " ".join(carla_item["reasons"])
    assert "catering" not in text and "photographer" not in text
    # Her profession (public) still says she is a caterer, which Mia seeks.
    assert carla_item["reasons"][0] == "Carla Caterer is a Caterer, which you seek"
    _card(cast.leader, visibility={"clients": "private", "profession": "private"})
    leo = next(
        i
        for i in cast.api("member").get(f"/api/v1/groups/{cast.group.pk}/matches").json()["items"]
        if i["display_name"] == "Leo Leader"
    )
    assert leo["profession"] is None
    assert not any("client" in r or "Florist" in r for r in leo["reasons"])
    assert leo["reasons"] == ["Also in Bologna"]


def test_not_interested_hides_for_good_in_every_context(cast: Cast, chapter):
    carla = chapter["carla"]
    client = cast.client("member")
    response = client.post(f"/people/{carla.pk}/not-interested/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.content == b""
    assert Dismissal.objects.filter(user=cast.member, other=carla).exists()
    assert "Carla Caterer" not in client.get(f"/groups/{cast.group.slug}/matches/").content.decode()
    meeting = _meeting(cast, [cast.member, carla])
    assert "Carla Caterer" not in client.get(f"/meetings/{meeting.pk}/matches/").content.decode()
    # Only for Mia: Carla still sees Mia.
    carla_view = suggestions_for(carla, [cast.member.pk, carla.pk])
    assert [s.user_id for s in carla_view] == [cast.member.pk]


def test_dismissal_through_the_api(cast: Cast, chapter):
    api = cast.api("member")
    response = api.post(
        "/api/v1/dismissals", {"user_id": chapter["carla"].pk}, content_type="application/json"
    )
    assert response.status_code == 201
    assert "Carla Caterer" not in _names(api.get(f"/api/v1/groups/{cast.group.pk}/matches"))
    bad = api.post("/api/v1/dismissals", {"user_id": 999999}, content_type="application/json")
    assert bad.status_code == 404
    assert Dismissal.objects.count() == 1


def test_blocks_either_way_and_connections_are_excluded(cast: Cast, chapter):
    carla = chapter["carla"]
    Block.objects.create(blocker=carla, blocked=cast.member)
    assert "Carla Caterer" not in _names(
        cast.api("member").get(f"/api/v1/groups/{cast.group.pk}/matches")
    )
    ids = [cast.member.pk, carla.pk, cast.leader.pk]
    assert cast.member.pk not in [s.user_id for s in suggestions_for(carla, ids)]
    Connection.objects.create(owner=cast.member, other=cast.leader)
    assert [s.user_id for s in suggestions_for(cast.member, ids)] == []


def test_connect_from_the_matches_page_marks_the_suggestion(cast: Cast, chapter):
    carla = chapter["carla"]
    client = cast.client("member")
    response = client.post(
        f"/people/{carla.pk}/connect/", {"group": cast.group.pk}, headers={"HX-Request": "true"}
    )
    assert (
        response.status_code == 200 and "Request sent to Carla Caterer" in response.content.decode()
    )
    request = ConnectionRequest.objects.get(sender=cast.member, recipient=carla)
    assert request.group == cast.group
    body = client.get(f"/groups/{cast.group.slug}/matches/").content.decode()
    assert "Request sent" in body
    again = client.post(f"/people/{carla.pk}/connect/", headers={"HX-Request": "true"})
    assert "You already asked Carla Caterer" in again.content.decode()
    assert ConnectionRequest.objects.count() == 1


def test_connect_to_someone_whose_card_is_hidden_is_404(cast: Cast):
    _card(cast.member, visibility={"display_name": "groups"})
    response = cast.client("outsider").post(f"/people/{cast.member.pk}/connect/")
    assert response.status_code == 404
    response = cast.api("outsider").post(
        "/api/v1/connection-requests",
        {"recipient_id": cast.member.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not ConnectionRequest.objects.exists()


def test_the_profile_page_has_a_connect_button(cast: Cast):
    body = cast.client("member").get(f"/people/{cast.leader.pk}/").content.decode()
    assert f'action="/people/{cast.leader.pk}/connect/"' in body
    own = cast.client("member").get(f"/people/{cast.member.pk}/").content.decode()
    assert "/connect/" not in own


def test_the_matches_page_queries_do_not_grow_with_the_group(
    cast: Cast, chapter, django_assert_max_num_queries
):
    client = cast.client("member")
    client.get(f"/groups/{cast.group.slug}/matches/")
    for n in range(12):
        person = make_user(f"extra{n}@example.org", f"Extra {n}", profession="florist")
        _card(person, offers=["catering"], city="Bologna")
        add_member(cast.group, person)
        if n % 3 == 0:
            ConnectionRequest.objects.create(sender=cast.member, recipient=person)
    with django_assert_max_num_queries(16):
        response = client.get(f"/groups/{cast.group.slug}/matches/")
    assert response.content.decode().count('class="match"') == 10


def test_buttons_without_htmx_go_back_with_a_message(cast: Cast, chapter):
    carla = chapter["carla"]
    client = cast.client("member")
    back = f"/groups/{cast.group.slug}/matches/"
    response = client.post(f"/people/{carla.pk}/connect/", {"next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    assert "Request sent to Carla Caterer." in response.content.decode()
    response = client.post(f"/people/{carla.pk}/not-interested/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/account/requests/"
    mine = client.post(f"/people/{cast.member.pk}/not-interested/", follow=True)
    assert "You cannot dismiss yourself." in mine.content.decode()
    assert Dismissal.objects.filter(user=cast.member).count() == 1


def test_not_interested_in_someone_hidden_is_404(cast: Cast):
    _card(cast.member, visibility={"display_name": "groups"})
    response = cast.client("outsider").post(f"/people/{cast.member.pk}/not-interested/")
    assert response.status_code == 404
    assert not Dismissal.objects.exists()


def test_group_and_meeting_pages_link_to_the_matches_for_those_who_may_see_them(
    cast: Cast, chapter
):
    link = f'href="/groups/{cast.group.slug}/matches/"'
    assert link in cast.client("member").get(f"/groups/{cast.group.slug}/").content.decode()
    assert link not in cast.client("visitor").get(f"/groups/{cast.group.slug}/").content.decode()
    meeting = _meeting(cast, [cast.member])
    link = f'href="/meetings/{meeting.pk}/matches/"'
    assert link in cast.client("member").get(f"/meetings/{meeting.pk}/").content.decode()
    assert link not in cast.client("leader").get(f"/meetings/{meeting.pk}/").content.decode()
