"""Member lists filter by profession, contact sphere and place — never by a field the viewer
may not see."""

import pytest

from cerchia.conftest import add_member, make_user
from cerchia.groups.services import create_group


@pytest.fixture
def chamber(cast):
    chamber = create_group(
        cast.owner, name="Camera Test", kind="chamber", visibility="public", join_policy="request"
    )
    florist = make_user("fiori@example.org", "Flora Fiori", profession="florist")
    florist.profile.city = "Imola"
    florist.profile.visibility = {"location": "public"}
    florist.profile.save()
    plumber = make_user("tubi@example.org", "Tito Tubi", profession="plumber")
    plumber.profile.city = "Imola"  # location at its default: members of my groups
    plumber.profile.save()
    for person in (florist, plumber, cast.member):
        add_member(chamber, person)
    return chamber


def names(response):
    return sorted(item["person"]["display_name"] for item in response.json()["items"])


def test_members_filter_by_profession_and_sphere(cast, chamber):
    client = cast.api("member")
    base = f"/api/v1/groups/{chamber.pk}/members"

    assert names(client.get(f"{base}?profession=plumber")) == ["Tito Tubi"]
    assert names(client.get(f"{base}?sphere=weddings_events")) == ["Flora Fiori", "Mia Member"]


def test_a_fellow_member_filters_by_place_on_group_level_fields(cast, chamber):
    response = cast.api("member").get(f"/api/v1/groups/{chamber.pk}/members?place=imola")

    assert names(response) == ["Flora Fiori", "Tito Tubi"]


def test_an_outsider_cannot_find_people_by_a_place_they_may_not_see(cast, chamber):
    response = cast.api("outsider").get(f"/api/v1/groups/{chamber.pk}/members?place=imola")

    # Tito's city is for members of his groups only: the filter must not reveal it.
    assert names(response) == ["Flora Fiori"]
    assert response.json()["count"] == 1


def test_the_group_page_filters_too(cast, chamber):
    page = cast.client("member").get(f"/groups/{chamber.slug}/?profession=florist")

    html = page.content.decode()
    assert "Flora Fiori" in html and "Tito Tubi" not in html
    assert page.context["page"].paginator.count == 1
