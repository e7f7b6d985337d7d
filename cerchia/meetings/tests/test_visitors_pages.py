"""Visitor pages: the public visitor page without an account, invitation links for private
groups, the hosts' visitors page, privacy and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cerchia.conftest import add_member, make_user
from cerchia.groups.tests.helpers import messages_of, page_client
from cerchia.meetings import visitors as services
from cerchia.meetings.models import FollowUpTask, Registration, Visitor
from cerchia.meetings.tests.visitor_helpers import (
    meeting_at,
    past_visit,
    visitor_host,
    visitor_of,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def form(**changes):
    data = {
        "name": "Ann Visitor",
        "email": "ann@example.net",
        "company": "Ann & Co",
        "profession": "",
        "phone": "",
        "website": "",
    }
    data.update(changes)
    return data


def visit_url(meeting, token=""):
    url = reverse("visitors:visit", args=[meeting.pk])
    return f"{url}?t={token}" if token else url


# --- the public visitor page ----------------------------------------------------------------


def test_a_visitor_registers_on_the_public_page_without_an_account(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = meeting_at(cast.public_group, kind="meetup", title="Open meetup")
    anonymous = Client()

    page = anonymous.get(visit_url(meeting))
    assert page.status_code == 200
    assert b'id="visit-form"' in page.content and b"10.00 EUR" in page.content

    with django_capture_on_commit_callbacks(execute=True):
        done = anonymous.post(visit_url(meeting), form())

    assert done.status_code == 200
    assert b'id="visit-done"' in done.content
    registration = Registration.objects.get(meeting=meeting)
    assert (registration.visitor.name, registration.visitor.company) == ("Ann Visitor", "Ann & Co")
    assert (registration.status, registration.audience, registration.registered_by) == (
        "registered",
        "visitor",
        None,
    )
    assert registration.visitor.user is None
    assert reverse("registrations:ticket", args=[registration.code]).encode() in done.content
    [mail] = mailoutbox
    assert mail.to == ["ann@example.net"] and registration.code in mail.body


def test_private_and_members_only_groups_need_an_invitation_link(cast):
    meeting = meeting_at(cast.group)
    visitor = visitor_of(cast.group)
    token = services.invitation_token(meeting, visitor, cast.member)
    other_meeting_token = services.invitation_token(meeting_at(cast.group, days=14), visitor, None)
    anonymous = Client()

    assert anonymous.get(visit_url(meeting)).status_code == 404
    assert anonymous.post(visit_url(meeting), form()).status_code == 404
    assert anonymous.get(visit_url(meeting, token[:-3] + "abc")).status_code == 404
    assert anonymous.get(visit_url(meeting, other_meeting_token)).status_code == 404
    # Signed in is not enough either: the organisation is visible to members, not its meetings'
    # visitor page.
    org_meeting = meeting_at(cast.organisation)
    assert cast.client("outsider").get(visit_url(org_meeting)).status_code == 404
    assert not Registration.objects.exists()

    page = anonymous.get(visit_url(meeting, token))
    assert page.status_code == 200
    assert b"Mia Member invites you to visit Chapter One" in page.content
    assert b'value="ann@example.net"' in page.content

    done = anonymous.post(visit_url(meeting), {**form(), "t": token})
    assert b'id="visit-done"' in done.content
    registration = Registration.objects.get(meeting=meeting)
    assert (registration.visitor, registration.registered_by) == (visitor, cast.member)


def test_the_honeypot_saves_nothing(cast, mailoutbox, django_capture_on_commit_callbacks):
    meeting = meeting_at(cast.public_group, kind="meetup")

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(visit_url(meeting), form(website="http://spam.example"))

    assert response.status_code == 200
    assert not Visitor.objects.exists() and not Registration.objects.exists()
    assert mailoutbox == []


def test_too_many_posts_from_one_connection_are_refused(cast, settings):
    meeting = meeting_at(cast.public_group, kind="meetup")
    anonymous = Client()
    for i in range(20):
        anonymous.post(visit_url(meeting), form(email=f"x{i}@example.net", name=""))

    response = anonymous.post(visit_url(meeting), form())

    assert response.status_code == 429
    assert not Registration.objects.exists()


def test_the_page_says_the_non_member_price_before_they_confirm(cast):
    cast.group.rule_overrides = {"non_member_price": True}
    cast.group.save()
    visitor = visitor_of(cast.group)
    past_visit(visitor, days=-14)
    past_visit(visitor, days=-7)
    meeting = meeting_at(cast.group)
    token = services.invitation_token(meeting, visitor, cast.member)
    anonymous = Client()

    page = anonymous.get(visit_url(meeting, token))
    assert b'id="visit-price-warning"' in page.content and b"25.00 EUR" in page.content
    assert b'name="accept_price"' in page.content

    unconfirmed = anonymous.post(visit_url(meeting), {**form(), "t": token})
    assert b'id="visit-price-offer"' in unconfirmed.content
    assert not Registration.objects.filter(meeting=meeting).exists()

    confirmed = anonymous.post(visit_url(meeting), {**form(), "t": token, "accept_price": "1"})
    assert b'id="visit-done"' in confirmed.content
    registration = Registration.objects.get(meeting=meeting)
    assert (registration.audience, registration.price_minor) == ("non_member", 2500)


def test_past_the_limit_the_page_refuses_with_a_link_to_join(cast):
    visitor = visitor_of(cast.public_group)
    cast.public_group.rule_overrides = {"visitor_visit_limit": 1}
    cast.public_group.save()
    past_visit(visitor, days=-7)
    meeting = meeting_at(cast.public_group, kind="meetup")

    response = Client().post(visit_url(meeting), form())

    assert b'id="visit-refused"' in response.content
    assert b"To come again, join the group." in response.content
    assert cast.public_group.get_absolute_url().encode() in response.content
    assert not Registration.objects.filter(meeting=meeting).exists()


def test_a_member_on_the_visitor_page_is_sent_to_the_members_registration(cast):
    meeting = meeting_at(cast.public_group, kind="meetup")
    add_member(cast.public_group, cast.member)
    client = cast.client("member")

    page = client.get(visit_url(meeting))
    client.post(visit_url(meeting), form())

    assert b'id="visit-member"' in page.content
    assert reverse("registrations:register", args=[meeting.pk]).encode() in page.content
    assert not Registration.objects.exists()


def test_a_signed_in_non_member_is_linked_as_the_visitor(cast):
    meeting = meeting_at(cast.public_group, kind="meetup")

    cast.client("outsider").post(visit_url(meeting), form(email=cast.outsider.email))

    visitor = Visitor.objects.get()
    assert visitor.user == cast.outsider


def test_closed_meetings_show_why(cast):
    meeting = meeting_at(cast.public_group, kind="meetup", members_only=True)

    page = Client().get(visit_url(meeting))
    Client().post(visit_url(meeting), form())

    assert b'id="visit-closed"' in page.content and b"members only" in page.content
    assert not Registration.objects.exists()


# --- the visitors page ----------------------------------------------------------------------


def test_hosts_see_every_visitor_with_contacts_counts_and_tasks(cast):
    host = visitor_host(cast.group)
    visitor = visitor_of(cast.group)
    Visitor.objects.filter(pk=visitor.pk).update(phone="+39 333 1234", invited_by=cast.member)
    visit = past_visit(visitor, days=-7, invited_by=cast.member)
    services.follow_up_meeting(visit.meeting)

    page = page_client(host).get(reverse("visitors:list", args=[cast.group.slug]))

    assert page.status_code == 200
    body = page.content.decode()
    assert "ann@example.net" in body and "+39 333 1234" in body
    assert "1 of 2" in body
    assert 'id="visitor-tasks"' in body and "Thank the visitor" in body
    assert 'id="visitors-brought"' in body and "Mia Member" in body


def test_members_see_their_own_visitors_and_only_names_of_others(cast):
    mine = visitor_of(cast.group, "mine@example.net", "Mine Visitor")
    Visitor.objects.filter(pk=mine.pk).update(invited_by=cast.member)
    theirs = visitor_of(cast.group, "theirs@example.net", "Their Visitor")
    meeting = meeting_at(cast.group, title="Next breakfast")
    Registration.objects.create(
        meeting=meeting, visitor=theirs, name=theirs.name, audience="visitor", status="registered"
    )

    body = cast.client("member").get(reverse("visitors:list", args=[cast.group.slug])).content

    assert b"mine@example.net" in body
    assert b"Their Visitor" in body  # coming to the next breakfast: the name only
    assert b"theirs@example.net" not in body
    assert b'id="visitors-brought"' not in body and b'id="visitor-tasks"' not in body


def test_outsiders_cannot_open_the_visitors_pages(cast):
    visitor = visitor_of(cast.group)
    past = past_visit(visitor)
    visitor_host(cast.group)
    [task] = services.follow_up_meeting(past.meeting)
    slug = cast.group.slug
    urls = [
        reverse("visitors:list", args=[slug]),
        reverse("visitors:detail", args=[slug, visitor.pk]),
    ]
    posts = [
        reverse("visitors:task_done", args=[slug, task.pk]),
        reverse("visitors:close", args=[past.meeting_id]),
    ]

    for url in urls:
        assert cast.client("outsider").get(url).status_code == 404
        assert Client().get(url).status_code == 302  # to the login page
    for url in posts:
        assert cast.client("outsider").post(url).status_code == 404
    # The applicant sees the group but is not a member yet.
    assert cast.client("visitor").get(urls[0]).status_code == 403
    assert cast.client("visitor").get(urls[1]).status_code == 404
    # A member who did not invite this visitor, and who is not a host.
    assert cast.client("member").get(urls[1]).status_code == 404
    assert cast.client("member").post(posts[0]).status_code == 404
    assert cast.client("member").post(posts[1]).status_code == 403
    task.refresh_from_db()
    assert task.done_at is None


def test_a_public_group_non_member_gets_403_on_its_visitors_page(cast):
    response = cast.client("outsider").get(reverse("visitors:list", args=[cast.public_group.slug]))
    assert response.status_code == 403


def test_the_inviter_sees_the_visitor_page(cast):
    visitor = visitor_of(cast.group)
    past_visit(visitor, days=-7, invited_by=cast.member)

    page = cast.client("member").get(reverse("visitors:detail", args=[cast.group.slug, visitor.pk]))

    assert page.status_code == 200
    assert b"ann@example.net" in page.content and b'id="visits"' in page.content
    assert b"Came" in page.content


def test_a_member_invites_from_the_page(cast, mailoutbox, django_capture_on_commit_callbacks):
    meeting = meeting_at(cast.group)
    url = reverse("visitors:list", args=[cast.group.slug])

    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client("member").post(
            url,
            {
                "meeting": meeting.pk,
                "name": "Ann",
                "email": "ann@example.net",
                "register_now": "on",
            },
        )

    assert response.status_code == 302
    registration = Registration.objects.get(meeting=meeting)
    assert registration.registered_by == cast.member
    [mail] = mailoutbox  # their ticket; no link to register again
    assert mail.subject.startswith("Your visit to Chapter One")
    assert registration.code in mail.body
    assert any("invited" in m for m in messages_of(response))


def test_inviting_to_a_meeting_of_another_group_is_refused(cast):
    elsewhere = meeting_at(cast.public_group, kind="meetup")
    url = reverse("visitors:list", args=[cast.group.slug])

    response = cast.client("member").post(
        url, {"meeting": elsewhere.pk, "name": "Ann", "email": "ann@example.net"}
    )

    assert response.status_code == 200
    assert not Visitor.objects.exists()


def test_hosts_mark_tasks_done_and_close_visits(cast):
    host = visitor_host(cast.group)
    meeting = meeting_at(cast.group, days=-0.01)
    Registration.objects.create(
        meeting=meeting,
        visitor=visitor_of(cast.group),
        name="Ann",
        audience="visitor",
        status="registered",
        checked_in_at=timezone.now(),
    )

    closed = cast.client("leader").post(reverse("visitors:close", args=[meeting.pk]))
    [task] = FollowUpTask.objects.all()
    done = page_client(host).post(reverse("visitors:task_done", args=[cast.group.slug, task.pk]))

    assert closed.status_code == done.status_code == 302
    task.refresh_from_db()
    assert task.assignee == host and task.done_at is not None


def test_the_visitors_page_query_count_does_not_grow_with_visitors(
    cast, django_assert_max_num_queries
):
    host = visitor_host(cast.group)
    client = page_client(host)
    url = reverse("visitors:list", args=[cast.group.slug])
    for i in range(3):
        past_visit(visitor_of(cast.group, f"v{i}@example.net", f"V {i}"), invited_by=cast.member)
    client.get(url)  # warm up sessions and the like

    with django_assert_max_num_queries(22) as few:
        client.get(url)
    baseline = len(few.captured_queries)
    for i in range(3, 30):
        visitor = visitor_of(cast.group, f"v{i}@example.net", f"V {i}")
        Visitor.objects.filter(pk=visitor.pk).update(invited_by=cast.member)
        past_visit(visitor, days=-1 - i, invited_by=cast.member)
        services.follow_up_meeting(past_visit(visitor, days=-i / 10).meeting)

    with django_assert_max_num_queries(baseline + 1):
        page = client.get(url)
    assert page.content.count(b'<tr id="visitor-') == 30


def test_the_report_period_can_be_chosen(cast):
    visitor = visitor_of(cast.group)
    past_visit(visitor, days=-40, invited_by=cast.member)
    url = reverse("visitors:list", args=[cast.group.slug])
    today = timezone.localdate()

    recent = cast.client("leader").get(
        url, {"since": (today - datetime.timedelta(days=10)).isoformat()}
    )
    wider = cast.client("leader").get(
        url, {"since": (today - datetime.timedelta(days=60)).isoformat()}
    )

    assert b"Nobody brought a visitor in this period." in recent.content
    assert b"Nobody brought a visitor in this period." not in wider.content


def test_a_new_member_invites_someone_who_already_has_an_account(cast):
    person = make_user("person@example.net", "Pat Person")
    meeting = meeting_at(cast.group)

    visitor, _reg = services.invite_visitor(
        meeting, actor=cast.member, name="Pat", email=person.email
    )

    # An address typed by someone else does not link an account.
    assert visitor.user is None


def test_the_meeting_page_links_members_to_invite_a_visitor(cast):
    meeting = meeting_at(cast.group)
    members_only = meeting_at(cast.group, days=14, members_only=True)

    page = cast.client("member").get(meeting.get_absolute_url())
    closed = cast.client("member").get(members_only.get_absolute_url())
    invite = cast.client("member").get(
        reverse("visitors:list", args=[cast.group.slug]), {"meeting": meeting.pk}
    )

    assert b'id="invite-visitor-link"' in page.content
    assert b'id="invite-visitor-link"' not in closed.content
    choices = invite.content.decode().split('id="id_meeting">', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{meeting.pk}" selected>' in choices
    assert f'<option value="{members_only.pk}"' not in choices
