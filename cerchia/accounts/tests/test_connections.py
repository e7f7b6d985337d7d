"""Connections: one-directional, and they widen only the "connections" fields of their owner."""

from __future__ import annotations

from cerchia.accounts.models import Connection
from cerchia.accounts.tests.conftest import MARKERS, api_client, browser, fill_card
from cerchia.audit.models import AuditEntry


def card_for(viewer, owner) -> dict:
    response = api_client(viewer).get(f"/api/v1/people/{owner.pk}")
    assert response.status_code == 200
    return response.json()


def test_connect_and_disconnect_through_the_api(cast):
    client = cast.api("member")

    added = client.post(f"/api/v1/me/connections/{cast.outsider.pk}")

    assert added.status_code == 204
    assert added.content == b""
    assert Connection.objects.filter(owner=cast.member, other=cast.outsider).count() == 1
    assert not Connection.objects.filter(owner=cast.outsider).exists()

    removed = client.delete(f"/api/v1/me/connections/{cast.outsider.pk}")

    assert removed.status_code == 204
    assert not Connection.objects.exists()


def test_connecting_twice_keeps_one_connection(cast):
    client = cast.api("member")

    client.post(f"/api/v1/me/connections/{cast.outsider.pk}")
    again = client.post(f"/api/v1/me/connections/{cast.outsider.pk}")

    assert again.status_code == 204
    assert Connection.objects.filter(owner=cast.member).count() == 1
    assert AuditEntry.objects.filter(action="accounts.connection.added").count() == 1


def test_removing_someone_not_connected_is_harmless(cast):
    response = cast.api("member").delete(f"/api/v1/me/connections/{cast.outsider.pk}")

    assert response.status_code == 204
    assert not AuditEntry.objects.filter(action="accounts.connection.removed").exists()


def test_cannot_connect_to_myself(cast):
    response = cast.api("member").post(f"/api/v1/me/connections/{cast.member.pk}")

    assert response.status_code == 400
    assert "yourself" in response.json()["detail"]
    assert not Connection.objects.exists()


def test_cannot_connect_to_unknown_or_deactivated_people(cast):
    cast.outsider.is_active = False
    cast.outsider.save()
    client = cast.api("member")

    for user_id in (cast.outsider.pk, 999_999):
        response = client.post(f"/api/v1/me/connections/{user_id}")
        assert response.status_code == 404
        assert "detail" in response.json()
    assert not Connection.objects.exists()


def test_connections_need_authentication(cast):
    response = browser(None).post(f"/api/v1/me/connections/{cast.outsider.pk}")

    assert response.status_code == 401
    assert not Connection.objects.exists()


def test_connections_field_is_shown_to_the_connection_only(cast):
    fill_card(cast.member.profile, phone="connections")
    assert "phone" not in card_for(cast.outsider, cast.member)

    cast.api("member").post(f"/api/v1/me/connections/{cast.outsider.pk}")

    assert card_for(cast.outsider, cast.member)["phone"] == MARKERS["phone"]
    # The member's other contacts (a co-member, the group's owner, an applicant) still do not.
    for contact in (cast.leader, cast.owner, cast.visitor):
        assert "phone" not in card_for(contact, cast.member)
    page = browser(cast.leader).get(f"/people/{cast.member.pk}/").content.decode()
    assert MARKERS["phone"] not in page
    page = browser(cast.outsider).get(f"/people/{cast.member.pk}/").content.decode()
    assert MARKERS["phone"] in page


def test_connection_is_one_directional(cast):
    fill_card(cast.member.profile)
    cast.outsider.profile.visibility = {"bio": "connections"}
    cast.outsider.profile.bio = "Outsider's secret bio"
    cast.outsider.profile.save()

    cast.api("member").post(f"/api/v1/me/connections/{cast.outsider.pk}")

    # The member chose to share with the outsider, not the other way round.
    assert "bio" not in card_for(cast.member, cast.outsider)


def test_disconnecting_hides_the_field_again(cast):
    fill_card(cast.member.profile, phone="connections")
    client = cast.api("member")
    client.post(f"/api/v1/me/connections/{cast.outsider.pk}")

    client.delete(f"/api/v1/me/connections/{cast.outsider.pk}")

    assert "phone" not in card_for(cast.outsider, cast.member)


def test_profile_page_button_adds_and_removes_a_connection(cast):
    client = cast.client("member")
    url = f"/people/{cast.outsider.pk}/connection/"

    added = client.post(url, {"action": "add"})
    assert added.status_code == 302
    assert Connection.objects.filter(owner=cast.member, other=cast.outsider).exists()
    assert "Remove from my connections" in client.get(added["Location"]).content.decode()

    client.post(url, {"action": "remove"})
    assert not Connection.objects.exists()


def test_profile_page_refuses_a_connection_to_myself(cast):
    response = cast.client("member").post(
        f"/people/{cast.member.pk}/connection/", {"action": "add"}, follow=True
    )

    assert "cannot add yourself" in response.content.decode()
    assert not Connection.objects.exists()


def test_connecting_to_someone_whose_name_is_hidden_is_404_like_a_missing_person(cast):
    hidden = cast.outsider.profile
    hidden.visibility = {"display_name": "private"}
    hidden.save()
    client = cast.api("member")

    to_hidden = client.post(f"/api/v1/me/connections/{cast.outsider.pk}")
    to_nobody = client.post("/api/v1/me/connections/999999")

    assert to_hidden.status_code == to_nobody.status_code == 404
    assert to_hidden.json() == to_nobody.json()
    assert not Connection.objects.filter(owner=cast.member).exists()


def test_removing_someone_who_was_never_a_connection_changes_nothing(cast):
    response = cast.api("member").delete("/api/v1/me/connections/999999")

    assert response.status_code == 204
    assert not AuditEntry.objects.filter(action="accounts.connection.removed").exists()
