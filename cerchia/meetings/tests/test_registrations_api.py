"""The registrations API: register (with guests), cancel, confirm, check in, attendee lists and
payments — errors as {"detail"}, and outsiders get 404/403."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from cerchia.conftest import Cast
from cerchia.groups.tests.helpers import api_client, send_json
from cerchia.meetings.models import Registration
from cerchia.meetings.registrations import cancel_registration, register
from cerchia.meetings.tests.registration_helpers import make_meeting, members

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_register_returns_the_registration_with_its_status_and_guests(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=2, questions=["Company?"])

    response = send_json(
        cast.api("member"),
        "post",
        f"{API}/meetings/{meeting.pk}/register",
        {
            "answers": ["Acme"],
            "guests": [{"name": "Gus", "email": "gus@example.org"}, {"name": "Ann"}],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "registered" and body["seat"] == 1
    assert body["audience"] == "member" and body["price_minor"] == 1000
    assert body["currency"] == "EUR" and body["user"] == cast.member.pk
    assert body["answers"] == [{"question": "Company?", "answer": "Acme"}]
    assert [(g["name"], g["status"], g["audience"]) for g in body["guests"]] == [
        ("Gus", "registered", "non_member"),
        ("Ann", "waitlisted", "non_member"),
    ]
    assert "waiting list" in body["guests"][1]["message"]


def test_register_without_a_body_and_the_waiting_list(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1)
    register(meeting, actor=cast.leader, user=cast.leader)

    response = send_json(cast.api("member"), "post", f"{API}/meetings/{meeting.pk}/register")

    assert response.status_code == 201
    assert response.json()["status"] == "waitlisted" and response.json()["seat"] is None


def test_register_errors_are_detail_messages(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5, members_only=True)
    refused = send_json(cast.api("visitor"), "post", f"{API}/meetings/{meeting.pk}/register")
    assert refused.status_code == 400
    assert "good standing" in refused.json()["detail"]
    send_json(cast.api("member"), "post", f"{API}/meetings/{meeting.pk}/register")
    twice = send_json(cast.api("member"), "post", f"{API}/meetings/{meeting.pk}/register")
    assert twice.status_code == 400 and "already registered" in twice.json()["detail"]
    assert Registration.objects.filter(meeting=meeting).count() == 1


def test_pending_registrations_say_why(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5, approval_required=True)
    body = send_json(cast.api("member"), "post", f"{API}/meetings/{meeting.pk}/register").json()
    assert body["status"] == "pending"
    assert "approve every registration" in body["message"]


def test_outsiders_cannot_register_or_list_a_private_meeting(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5)
    outsider = cast.api("outsider")
    for method, path in (
        ("post", "register"),
        ("post", "cancel"),
        ("get", "registrations"),
    ):
        response = send_json(outsider, method, f"{API}/meetings/{meeting.pk}/{path}")
        assert response.status_code == 404, path
        assert "detail" in response.json()
    checked = send_json(outsider, "post", f"{API}/meetings/{meeting.pk}/check-in", {"code": "X"})
    assert checked.status_code == 404
    assert not Registration.objects.exists()
    anonymous = Client().post(f"{API}/meetings/{meeting.pk}/register")
    assert anonymous.status_code == 401


def test_cancel_my_registration_and_promote_the_next(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1, starts_in=datetime.timedelta(hours=2))
    register(meeting, actor=cast.member, user=cast.member)
    waiting = register(meeting, actor=cast.leader, user=cast.leader)

    response = send_json(cast.api("member"), "post", f"{API}/meetings/{meeting.pk}/cancel")
    again = send_json(cast.api("member"), "post", f"{API}/meetings/{meeting.pk}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["no_show"] is True
    assert again.status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == "offered"


def test_confirm_an_offered_seat(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1)
    held = register(meeting, actor=cast.leader, user=cast.leader)
    offer = register(meeting, actor=cast.member, user=cast.member)

    early = send_json(cast.api("member"), "post", f"{API}/registrations/{offer.pk}/confirm")
    cancel_registration(held, actor=cast.leader)
    stranger = send_json(cast.api("outsider"), "post", f"{API}/registrations/{offer.pk}/confirm")
    by_leader = send_json(cast.api("leader"), "post", f"{API}/registrations/{offer.pk}/confirm")
    taken = send_json(cast.api("member"), "post", f"{API}/registrations/{offer.pk}/confirm")

    assert early.status_code == 400 and "no seat offered" in early.json()["detail"]
    assert stranger.status_code == 404
    assert by_leader.status_code == 403
    assert taken.status_code == 200 and taken.json()["status"] == "registered"


def test_leaders_check_in_by_code(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5)
    reg = register(meeting, actor=cast.member, user=cast.member)
    url = f"{API}/meetings/{meeting.pk}/check-in"

    denied = send_json(cast.api("member"), "post", url, {"code": reg.code})
    first = send_json(cast.api("leader"), "post", url, {"code": reg.code})
    second = send_json(cast.api("leader"), "post", url, {"code": reg.code})
    unknown = send_json(cast.api("leader"), "post", url, {"code": "ZZZZZZZZZZ"})

    assert denied.status_code == 403
    assert first.status_code == 200 and first.json()["checked_in_at"] is not None
    assert second.status_code == 400 and "already checked in" in second.json()["detail"]
    assert unknown.status_code == 400 and "Unknown ticket code" in unknown.json()["detail"]


def test_registration_lists_for_leaders_members_and_others(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5)
    register(meeting, actor=cast.member, user=cast.member, guests=[("Gus Guest", "")])
    register(meeting, actor=cast.leader, user=cast.leader)
    url = f"{API}/meetings/{meeting.pk}/registrations"

    leader = cast.api("leader").get(url).json()
    member = cast.api("member").get(url).json()
    applicant = cast.api("visitor").get(url)
    bad_filter = cast.api("leader").get(url, {"status": "nonsense"})

    assert leader["count"] == 3 and len(leader["registrations"]) == 3
    assert {r["name"] for r in leader["registrations"]} == {"Mia Member", "Gus Guest", "Leo Leader"}
    assert all("code" in r for r in leader["registrations"])
    assert member["registrations"] is None
    assert {a["name"] for a in member["attendees"]} == {"Mia Member", "Leo Leader"}
    assert member["others"] == 1 and member["count"] == 3
    assert "Gus Guest" not in str(member)
    assert applicant.status_code == 403
    assert bad_filter.status_code == 400


def test_the_leaders_list_is_paginated_in_few_queries(
    cast: Cast, django_assert_max_num_queries: object
) -> None:
    meeting = make_meeting(cast.group, capacity=30)
    for person in members(cast.group, 25):
        register(meeting, actor=person, user=person)
    client = cast.api("leader")

    with django_assert_max_num_queries(12):  # type: ignore[operator]
        body = client.get(f"{API}/meetings/{meeting.pk}/registrations", {"limit": 10}).json()

    assert body["count"] == 25 and len(body["registrations"]) == 10


def test_my_registrations_and_one_registration(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5)
    mine = register(meeting, actor=cast.member, user=cast.member, guests=[("Gus", "")])
    guest = Registration.objects.get(meeting=meeting, name="Gus")
    leaders = register(meeting, actor=cast.leader, user=cast.leader)

    listed = cast.api("member").get(f"{API}/registrations").json()
    assert {r["id"] for r in listed["items"]} == {mine.pk, guest.pk}
    assert cast.api("member").get(f"{API}/registrations/{guest.pk}").status_code == 200
    assert cast.api("member").get(f"{API}/registrations/{leaders.pk}").status_code == 404
    assert cast.api("leader").get(f"{API}/registrations/{mine.pk}").status_code == 200
    assert cast.api("outsider").get(f"{API}/registrations/{mine.pk}").status_code == 404


def test_hosts_cancel_their_guests_and_leaders_approve(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5, approval_required=True)
    mine = register(meeting, actor=cast.member, user=cast.member, guests=[("Gus", "")])
    guest = Registration.objects.get(meeting=meeting, name="Gus")

    cancelled = send_json(cast.api("member"), "post", f"{API}/registrations/{guest.pk}/cancel")
    self_approve = send_json(cast.api("member"), "post", f"{API}/registrations/{mine.pk}/approve")
    outsider = send_json(cast.api("outsider"), "post", f"{API}/registrations/{mine.pk}/approve")
    approved = send_json(cast.api("leader"), "post", f"{API}/registrations/{mine.pk}/approve")

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert self_approve.status_code == 403
    assert outsider.status_code == 404
    assert approved.status_code == 200 and approved.json()["status"] == "registered"
    other = register(meeting, actor=cast.owner, user=cast.owner)
    declined = send_json(cast.api("leader"), "post", f"{API}/registrations/{other.pk}/decline")
    assert declined.json()["status"] == "declined"


def test_payments_by_leaders_only(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5)
    reg = register(meeting, actor=cast.member, user=cast.member)
    url = f"{API}/registrations/{reg.pk}/payment"
    payment = {"amount_minor": 1000, "method": "cash", "reference": "door"}

    own = send_json(cast.api("member"), "post", url, payment)
    outsider = send_json(cast.api("outsider"), "post", url, payment)
    paid = send_json(cast.api("leader"), "post", url, payment)
    over = send_json(cast.api("leader"), "post", url, payment)

    assert own.status_code == 403
    assert outsider.status_code == 404
    assert paid.status_code == 200 and paid.json()["paid_minor"] == 1000
    assert over.status_code == 400 and "more than" in over.json()["detail"]
    reg.refresh_from_db()
    assert reg.paid_minor == 1000


def test_a_token_of_someone_else_cannot_touch_a_registration(cast: Cast) -> None:
    meeting = make_meeting(cast.public_group, capacity=5)
    reg = register(meeting, actor=cast.outsider, user=cast.outsider)
    stranger = members(cast.group, 1)[0]
    client = api_client(stranger)
    assert send_json(client, "post", f"{API}/registrations/{reg.pk}/cancel").status_code == 404
    reg.refresh_from_db()
    assert reg.status == "registered"
