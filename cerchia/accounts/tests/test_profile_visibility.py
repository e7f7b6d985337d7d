"""Who sees which field of a business card: profile page, API card, directory."""

from __future__ import annotations

import pytest

from cerchia.accounts.tests.conftest import (
    LEVELS,
    MARKERS,
    SEES,
    VIEWERS,
    api_client,
    browser,
    fill_card,
)
from cerchia.conftest import make_user
from cerchia.groups.models import Membership

CARD_FIELDS = list(MARKERS)  # every field but display_name, which decides existence


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_profile_page_shows_a_field_only_to_viewers_its_level_allows(
    cast, viewer_user, viewer, level
):
    fill_card(cast.member.profile, **dict.fromkeys(CARD_FIELDS, level))

    response = browser(viewer_user(viewer)).get(f"/people/{cast.member.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Mia Member" in html
    for field, marker in MARKERS.items():
        if viewer in SEES[level]:
            assert marker in html, field
            assert f'data-field="{field}"' in html, field
        else:
            assert marker not in html, field
            assert f'data-field="{field}"' not in html, field


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_api_card_leaves_out_the_keys_the_viewer_may_not_see(cast, viewer_user, viewer, level):
    fill_card(cast.member.profile, **dict.fromkeys(CARD_FIELDS, level))

    response = api_client(viewer_user(viewer)).get(f"/api/v1/people/{cast.member.pk}")

    assert response.status_code == 200
    card = response.json()
    assert card["id"] == cast.member.pk
    assert card["display_name"] == "Mia Member"
    for field in CARD_FIELDS:
        if viewer in SEES[level]:
            assert field in card, field
        else:
            assert field not in card, field
    if viewer in SEES[level]:
        assert card["phone"] == "+390511234567"
        assert card["email"] == "member@example.org"
        assert card["profession"]["code"] == "wedding_photographer"
        assert card["location"] == {
            "city": "Castel Guelfo",
            "region": "Emilia-Romagna",
            "country": "IT",
        }
        assert card["offers"] == ["analogue prints"]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_defaults_are_privacy_first_phone_and_email_only_for_self(cast, viewer_user, viewer):
    fill_card(cast.member.profile)  # no explicit levels: the defaults apply

    card = api_client(viewer_user(viewer)).get(f"/api/v1/people/{cast.member.pk}").json()
    html = browser(viewer_user(viewer)).get(f"/people/{cast.member.pk}/").content.decode()

    for field in ("phone", "email", "coordinates"):
        assert (field in card) is (viewer == "self"), field
    assert (MARKERS["phone"] in html) is (viewer == "self")
    assert (MARKERS["email"] in html) is (viewer == "self")
    # Name, company, profession and website are public by default; the rest is for groups.
    for field in ("company", "profession", "website"):
        assert field in card
    for field in ("bio", "offers", "seeks", "location", "clientele_scope", "company_size"):
        assert (field in card) is (viewer in {"co_member", "connection", "self"}), field


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_person_whose_name_is_hidden_does_not_exist_for_that_viewer(
    cast, viewer_user, viewer, level
):
    fill_card(cast.member.profile, display_name=level, company="public", phone="public")
    user = viewer_user(viewer)

    client = api_client(user)

    page = browser(user).get(f"/people/{cast.member.pk}/")
    api = client.get(f"/api/v1/people/{cast.member.pk}")
    nobody = client.get("/api/v1/people/999999")

    if viewer in SEES[level]:
        assert page.status_code == 200
        assert api.status_code == 200
    else:
        assert page.status_code == 404
        assert MARKERS["company"] not in page.content.decode()
        # The same answer as for an id nobody has: existence is not confirmed.
        assert api.status_code == nobody.status_code == 404
        assert api.json() == nobody.json() == {"detail": "No such person"}


def test_unknown_and_deactivated_people_are_404(cast):
    cast.outsider.is_active = False
    cast.outsider.save()
    client = api_client(cast.member)

    for user_id in (cast.outsider.pk, 999_999):
        assert client.get(f"/api/v1/people/{user_id}").status_code == 404
        assert browser(cast.member).get(f"/people/{user_id}/").status_code == 404


def directory_names(client, query: str = "") -> dict[int, dict]:
    response = client.get("/api/v1/people", {"q": query, "limit": 500})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["items"])
    return {card["id"]: card for card in body["items"]}


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("viewer", ["outsider", "co_member", "connection", "self"])
def test_directory_lists_a_person_only_when_their_name_is_visible(cast, viewer_user, viewer, level):
    fill_card(cast.member.profile, display_name=level)
    user = viewer_user(viewer)

    listed = directory_names(api_client(user))
    page = browser(user).get("/people/", {"q": "Mia"}).content.decode()

    assert (cast.member.pk in listed) is (viewer in SEES[level])
    assert ("Mia Member" in page) is (viewer in SEES[level])


@pytest.mark.parametrize("viewer", ["outsider", "co_member", "connection", "self"])
def test_directory_cards_carry_only_the_fields_the_viewer_may_see(cast, viewer_user, viewer):
    fill_card(cast.member.profile, company="groups", location="connections")
    user = viewer_user(viewer)

    card = directory_names(api_client(user))[cast.member.pk]
    page = browser(user).get("/people/").content.decode()

    assert card["display_name"] == "Mia Member"
    assert "phone" not in card or viewer == "self"
    assert "email" not in card or viewer == "self"
    assert ("company" in card) is (viewer in SEES["groups"])
    assert ("location" in card) is (viewer in SEES["connections"])
    assert (MARKERS["company"] in page) is (viewer in SEES["groups"])
    assert (MARKERS["location"] in page) is (viewer in SEES["connections"])


def test_directory_search_matches_names_only(cast):
    fill_card(cast.member.profile, company="private")
    outsider = api_client(cast.outsider)

    assert directory_names(outsider, "Zebra") == {}
    page = browser(cast.outsider).get("/people/", {"q": "Zebra"}).content.decode()
    assert "Mia Member" not in page
    # Even the owner finds herself by name, not by her company.
    assert directory_names(api_client(cast.member), "Zebra") == {}
    assert list(directory_names(outsider, "mia mem")) == [cast.member.pk]


def test_applicant_is_not_yet_a_co_member(cast):
    """The visitor has only applied to the group: group-level fields stay hidden."""
    fill_card(cast.member.profile, bio="groups")

    card = api_client(cast.visitor).get(f"/api/v1/people/{cast.member.pk}").json()

    assert "bio" not in card
    assert "company" in card


def test_leaving_the_group_ends_group_level_access(cast):
    fill_card(cast.member.profile, bio="groups")
    client = api_client(cast.leader)
    assert "bio" in client.get(f"/api/v1/people/{cast.member.pk}").json()

    Membership.objects.filter(group=cast.group, user=cast.leader).update(status="left")

    assert "bio" not in client.get(f"/api/v1/people/{cast.member.pk}").json()


def test_directory_needs_a_signed_in_viewer(cast):
    assert browser(None).get("/people/").status_code == 302
    response = browser(None).get("/api/v1/people")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_directory_queries_do_not_grow_with_the_page(cast, django_assert_max_num_queries):
    for n in range(40):
        make_user(f"extra{n}@example.org", f"Extra Person {n:02d}", profession="florist")
    client = browser(cast.member)
    api = api_client(cast.member)

    with django_assert_max_num_queries(10):
        response = client.get("/people/")
    assert response.status_code == 200
    assert response.content.decode().count("Extra Person") == 30  # one page of 30
    with django_assert_max_num_queries(10):
        body = api.get("/api/v1/people", {"limit": 50}).json()
    assert len(body["items"]) == 45
