"""My connection requests on /account/requests/ and in the API: each person sees and acts on
their own requests only (404 for anyone else), errors come back in words, nothing changes."""

from __future__ import annotations

import pytest

from cerchia.accounts.models import Connection, ConnectionRequest
from cerchia.community import connections as services
from cerchia.conftest import Cast, make_user

pytestmark = pytest.mark.django_db
Status = ConnectionRequest.Status


def test_the_requests_page_lists_incoming_and_outgoing(cast: Cast):
    incoming = services.send_connection_request(cast.leader, cast.member, message="Coffee?")
    services.send_connection_request(cast.member, cast.owner)
    body = cast.client("member").get("/account/requests/").content.decode()
    assert "Leo Leader" in body and "Coffee?" in body
    assert f"/account/requests/{incoming.pk}/accept/" in body
    assert "Olivia Owner" in body and "Withdraw" in body
    other = cast.client("outsider").get("/account/requests/").content.decode()
    assert "Leo Leader" not in other and "Olivia Owner" not in other


def test_accept_decline_and_withdraw_on_the_page(cast: Cast):
    first = services.send_connection_request(cast.leader, cast.member)
    second = services.send_connection_request(cast.owner, cast.member)
    mine = services.send_connection_request(cast.member, cast.visitor)
    client = cast.client("member")
    assert client.post(f"/account/requests/{first.pk}/accept/").status_code == 302
    assert client.post(f"/account/requests/{second.pk}/decline/").status_code == 302
    assert client.post(f"/account/requests/{mine.pk}/withdraw/").status_code == 302
    statuses = dict(ConnectionRequest.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "accepted", second.pk: "declined", mine.pk: "withdrawn"}
    assert Connection.objects.filter(owner=cast.member, other=cast.leader).exists()
    # Answering again says why, and changes nothing.
    response = client.post(f"/account/requests/{first.pk}/decline/", follow=True)
    assert "no longer waiting for an answer" in response.content.decode()
    assert ConnectionRequest.objects.get(pk=first.pk).status == Status.ACCEPTED


def test_someone_elses_request_is_404_on_every_route(cast: Cast):
    request = services.send_connection_request(cast.leader, cast.member)
    for action in ("accept", "decline", "withdraw"):
        page = cast.client("outsider").post(f"/account/requests/{request.pk}/{action}/")
        assert page.status_code == 404
        api = cast.api("outsider").post(f"/api/v1/connection-requests/{request.pk}/{action}")
        assert api.status_code == 404
    assert ConnectionRequest.objects.get(pk=request.pk).status == Status.PENDING


def test_the_sender_cannot_accept_their_own_request(cast: Cast):
    request = services.send_connection_request(cast.leader, cast.member)
    response = cast.api("leader").post(f"/api/v1/connection-requests/{request.pk}/accept")
    assert response.status_code == 400
    assert "Only the person asked" in response.json()["detail"]
    assert not Connection.objects.exists()


def test_requests_through_the_api(cast: Cast):
    api = cast.api("member")
    made = api.post(
        "/api/v1/connection-requests",
        {"recipient_id": cast.leader.pk, "message": "Hello", "group_id": cast.group.pk},
        content_type="application/json",
    )
    assert made.status_code == 201
    data = made.json()
    assert data["sender"] == cast.member.pk and data["recipient"] == cast.leader.pk
    assert data["group"] == cast.group.pk and data["status"] == "pending"
    twice = api.post(
        "/api/v1/connection-requests",
        {"recipient_id": cast.leader.pk},
        content_type="application/json",
    )
    assert twice.status_code == 400 and "already asked" in twice.json()["detail"]
    foreign_group = api.post(
        "/api/v1/connection-requests",
        {"recipient_id": cast.owner.pk, "group_id": cast.public_group.pk},
        content_type="application/json",
    )
    assert foreign_group.status_code == 400
    assert ConnectionRequest.objects.count() == 1

    outgoing = api.get("/api/v1/connection-requests?direction=outgoing").json()
    assert outgoing["count"] == 1 and outgoing["items"][0]["id"] == data["id"]
    assert api.get("/api/v1/connection-requests").json()["count"] == 0
    incoming = cast.api("leader").get("/api/v1/connection-requests").json()
    assert [i["id"] for i in incoming["items"]] == [data["id"]]

    accepted = cast.api("leader").post(f"/api/v1/connection-requests/{data['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert Connection.objects.count() == 2


def test_withdraw_and_decline_through_the_api(cast: Cast):
    one = services.send_connection_request(cast.member, cast.leader)
    two = services.send_connection_request(cast.owner, cast.member)
    assert (
        cast.api("member").post(f"/api/v1/connection-requests/{one.pk}/withdraw").json()["status"]
        == "withdrawn"
    )
    assert (
        cast.api("member").post(f"/api/v1/connection-requests/{two.pk}/decline").json()["status"]
        == "declined"
    )


def test_the_requests_page_queries_are_bounded(cast: Cast, django_assert_max_num_queries):
    for n in range(8):
        person = make_user(f"r{n}@example.org", f"Person {n}")
        services.send_connection_request(person, cast.member, message=f"hello {n}")
        services.send_connection_request(cast.member, make_user(f"s{n}@example.org"))
    client = cast.client("member")
    with django_assert_max_num_queries(12):
        response = client.get("/account/requests/")
    body = response.content.decode()
    assert body.count('id="request-') == 8 and body.count('id="sent-') == 8
