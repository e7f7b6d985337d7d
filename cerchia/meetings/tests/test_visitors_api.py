"""Visitors in the API: lists and contacts per privacy, invitations, tasks, 404/403."""

from __future__ import annotations

from cerchia.accounts.models import Profession
from cerchia.groups.tests.helpers import api_client, send_json
from cerchia.meetings import visitors as services
from cerchia.meetings.models import FollowUpTask, Registration, Visitor
from cerchia.meetings.tests.visitor_helpers import (
    meeting_at,
    past_visit,
    visitor_host,
    visitor_of,
)

API = "/api/v1"


def person(**changes):
    return {"name": "Ann Visitor", "email": "ann@example.net", "company": "Ann & Co", **changes}


def test_leaders_list_every_visitor_with_contacts_and_counts(cast):
    ann = visitor_of(cast.group)
    past_visit(ann, days=-14, invited_by=cast.member)
    past_visit(ann, days=-7, invited_by=cast.member)
    visitor_of(cast.group, "bob@example.net", "Bob")

    response = cast.api("leader").get(f"{API}/groups/{cast.group.pk}/visitors")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    # Latest first: Bob was added just now, Ann last came a week ago.
    assert [item["email"] for item in body["items"]] == ["bob@example.net", "ann@example.net"]
    first = body["items"][1]
    assert (first["id"], first["email"], first["visits"], first["booked"]) == (
        ann.pk,
        "ann@example.net",
        2,
        0,
    )
    assert first["last_visit"] is not None


def test_a_member_lists_only_the_visitors_they_invited(cast):
    mine = visitor_of(cast.group, "mine@example.net", "Mine")
    past_visit(mine, invited_by=cast.member)
    visitor_of(cast.group, "theirs@example.net", "Theirs")

    body = cast.api("member").get(f"{API}/groups/{cast.group.pk}/visitors").json()

    assert [item["email"] for item in body["items"]] == ["mine@example.net"]


def test_outsiders_get_404_and_non_members_403(cast):
    visitor = visitor_of(cast.group)
    visitor_host(cast.group)
    [task] = services.follow_up_meeting(past_visit(visitor).meeting)
    meeting = meeting_at(cast.group)
    outsider = cast.api("outsider")

    assert outsider.get(f"{API}/groups/{cast.group.pk}/visitors").status_code == 404
    assert (
        send_json(outsider, "post", f"{API}/groups/{cast.group.pk}/visitors", person()).status_code
        == 404
    )
    assert (
        send_json(outsider, "post", f"{API}/meetings/{meeting.pk}/visitors", person()).status_code
        == 404
    )
    assert outsider.get(f"{API}/visitors/{visitor.pk}").status_code == 404
    assert outsider.get(f"{API}/groups/{cast.group.pk}/visitor-tasks").status_code == 404
    assert send_json(outsider, "post", f"{API}/visitor-tasks/{task.pk}/done").status_code == 404
    # The applicant can see the group but is not one of its members.
    applicant = cast.api("visitor")
    response = applicant.get(f"{API}/groups/{cast.group.pk}/visitors")
    assert response.status_code == 403 and "detail" in response.json()
    assert (
        send_json(applicant, "post", f"{API}/meetings/{meeting.pk}/visitors", person()).status_code
        == 403
    )
    assert applicant.get(f"{API}/visitors/{visitor.pk}").status_code == 404
    # A member who did not invite them and is not a host.
    member = cast.api("member")
    assert member.get(f"{API}/visitors/{visitor.pk}").status_code == 404
    assert send_json(member, "post", f"{API}/visitor-tasks/{task.pk}/done").status_code == 404
    assert member.get(f"{API}/groups/{cast.group.pk}/visitor-tasks").json()["count"] == 0
    # Without credentials at all.
    from django.test import Client

    assert Client().get(f"{API}/groups/{cast.group.pk}/visitors").status_code == 401
    task.refresh_from_db()
    assert task.done_at is None
    assert Visitor.objects.count() == 1


def test_a_member_invites_to_a_meeting(cast, mailoutbox, django_capture_on_commit_callbacks):
    meeting = meeting_at(cast.group)

    with django_capture_on_commit_callbacks(execute=True):
        response = send_json(
            cast.api("member"),
            "post",
            f"{API}/meetings/{meeting.pk}/visitors",
            person(profession="florist"),
        )

    assert response.status_code == 201
    body = response.json()
    assert body["registration"] is None
    assert (body["visits"], body["limit"], body["non_member_price"]) == (0, 2, False)
    assert body["visitor"]["profession"] == "florist"
    assert body["visitor"]["invited_by"] == cast.member.pk
    assert [m.to for m in mailoutbox] == [["ann@example.net"]]


def test_inviting_with_registration_and_past_the_limit(cast):
    cast.group.rule_overrides = {"non_member_price": True}
    cast.group.save()
    ann = visitor_of(cast.group)
    past_visit(ann, days=-14)
    past_visit(ann, days=-7)
    meeting = meeting_at(cast.group)

    response = send_json(
        cast.api("member"),
        "post",
        f"{API}/meetings/{meeting.pk}/visitors",
        person(register_now=True),
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["visits"], body["non_member_price"]) == (2, True)
    assert body["registration"]["audience"] == "non_member"
    assert body["registration"]["price_minor"] == 2500
    assert body["registration"]["status"] == "registered"


def test_an_invitation_past_the_limit_is_a_400_with_a_detail(cast):
    ann = visitor_of(cast.group)
    past_visit(ann, days=-14)
    past_visit(ann, days=-7)
    meeting = meeting_at(cast.group)

    response = send_json(
        cast.api("member"), "post", f"{API}/meetings/{meeting.pk}/visitors", person()
    )

    assert response.status_code == 400
    assert "has already had 2 visits" in response.json()["detail"]
    assert not Registration.objects.filter(meeting=meeting).exists()


def test_adding_a_visitor_to_the_group_list_with_or_without_a_meeting(cast):
    url = f"{API}/groups/{cast.group.pk}/visitors"
    meeting = meeting_at(cast.group)
    other = meeting_at(cast.public_group, kind="meetup")
    client = cast.api("member")

    listed = send_json(client, "post", url, person())
    invited = send_json(client, "post", url, person(email="bob@example.net", meeting=meeting.pk))
    elsewhere = send_json(client, "post", url, person(email="cy@example.net", meeting=other.pk))
    unknown = send_json(client, "post", url, person(email="di@example.net", profession="nope"))

    assert listed.status_code == invited.status_code == 201
    assert elsewhere.status_code == unknown.status_code == 400
    assert sorted(Visitor.objects.values_list("email", flat=True)) == [
        "ann@example.net",
        "bob@example.net",
    ]


def test_one_visitor_for_the_inviter_and_hosts(cast):
    host = visitor_host(cast.group)
    ann = visitor_of(cast.group)
    visit = past_visit(ann, days=-7, invited_by=cast.member)
    services.follow_up_meeting(visit.meeting)

    for client in (cast.api("member"), api_client(host), cast.api("owner")):
        response = client.get(f"{API}/visitors/{ann.pk}")
        assert response.status_code == 200
        body = response.json()
        assert body["email"] == "ann@example.net"
        assert [(v["meeting"], v["attended"], v["invited_by"]) for v in body["visit_list"]] == [
            (visit.meeting_id, True, cast.member.pk)
        ]
        assert [t["kind"] for t in body["tasks"]] == ["thank_you"]


def test_tasks_listed_and_done(cast):
    host = visitor_host(cast.group)
    [task] = services.follow_up_meeting(past_visit(visitor_of(cast.group)).meeting)
    client = api_client(host)
    url = f"{API}/groups/{cast.group.pk}/visitor-tasks"

    listed = client.get(url).json()
    done = send_json(client, "post", f"{API}/visitor-tasks/{task.pk}/done")
    again = send_json(client, "post", f"{API}/visitor-tasks/{task.pk}/done")

    assert [(t["id"], t["kind"], t["assignee"], t["visitor_name"]) for t in listed["items"]] == [
        (task.pk, "thank_you", host.pk, "Ann Visitor")
    ]
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert again.status_code == 400
    assert client.get(url).json()["count"] == 0
    assert client.get(url, {"status": "done"}).json()["count"] == 1
    assert FollowUpTask.objects.get().done_at is not None


def test_the_visitor_list_query_count_does_not_grow(cast, django_assert_max_num_queries):
    client = cast.api("leader")
    url = f"{API}/groups/{cast.group.pk}/visitors"
    for i in range(2):
        past_visit(visitor_of(cast.group, f"v{i}@example.net", f"V {i}"), invited_by=cast.member)
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    baseline = len(few.captured_queries)
    for i in range(2, 40):
        visitor = visitor_of(cast.group, f"v{i}@example.net", f"V {i}")
        Visitor.objects.filter(pk=visitor.pk).update(
            profession=Profession.objects.order_by("pk")[i], invited_by=cast.member
        )
        past_visit(visitor, invited_by=cast.member)

    with django_assert_max_num_queries(baseline):
        body = client.get(url).json()
    assert body["count"] == 40 and len(body["items"]) == 40
