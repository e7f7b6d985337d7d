"""Direct messages: between members of a shared group, never across a block, private to the
two people, on the pages and in the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cerchia.accounts.models import Block
from cerchia.community import services
from cerchia.community.errors import CommunityError
from cerchia.community.models import DirectMessage
from cerchia.conftest import Cast, add_member, make_user
from cerchia.notices.models import Notice


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def inbox() -> str:
    return reverse("community:inbox")


def conversation(user_id: int) -> str:
    return reverse("community:conversation", args=[user_id])


def test_co_members_write_and_the_recipient_is_told_once_per_unread_run(cast: Cast) -> None:
    client = cast.client("member")
    response = client.post(conversation(cast.leader.pk), {"body": "Coffee on Monday?"})
    assert response.status_code == 302
    client.post(conversation(cast.leader.pk), {"body": "Or Tuesday."})
    assert DirectMessage.objects.filter(sender=cast.member, recipient=cast.leader).count() == 2
    notices = Notice.objects.filter(user=cast.leader, kind="community.message")
    assert notices.count() == 1
    assert "Mia Member" in notices.get().subject
    page = cast.client("leader").get(conversation(cast.member.pk))
    assert b"Coffee on Monday?" in page.content and b"Or Tuesday." in page.content
    assert not DirectMessage.objects.filter(recipient=cast.leader, read_at__isnull=True).exists()
    client.post(conversation(cast.leader.pk), {"body": "See you."})
    assert notices.count() == 2  # everything before was read: a new run, a new notice


def test_the_inbox_lists_each_person_once_with_the_unread_count(cast: Cast) -> None:
    services.send_message(cast.member, cast.leader, "One")
    services.send_message(cast.member, cast.leader, "Two")
    services.send_message(cast.leader, cast.member, "Three")
    services.send_message(cast.owner, cast.leader, "Four")
    page = cast.client("leader").get(inbox()).content
    assert page.count(b'class="row-actions conversation"') == 2
    assert b"2 unread" in page and b"1 unread" in page
    assert b"Olivia Owner" in page and b"Mia Member" in page


@pytest.mark.parametrize("blocker", ["member", "leader"])
def test_a_block_stops_messages_both_ways(cast: Cast, blocker: str) -> None:
    blocked = "leader" if blocker == "member" else "member"
    Block.objects.create(blocker=getattr(cast, blocker), blocked=getattr(cast, blocked))
    for sender, recipient in ((blocker, blocked), (blocked, blocker)):
        with pytest.raises(CommunityError) as refused:
            services.send_message(getattr(cast, sender), getattr(cast, recipient), "Hello")
        if sender == blocker:
            assert "unblock" in str(refused.value)
        else:
            assert "does not accept messages" in str(refused.value)
        page = cast.client(sender).get(conversation(getattr(cast, recipient).pk))
        assert b'id="why-not"' in page.content and b'id="message-form"' not in page.content
        posted = cast.client(sender).post(
            conversation(getattr(cast, recipient).pk), {"body": "Hello"}
        )
        assert posted.status_code == 200
        api = cast.api(sender).post(
            f"/api/v1/messages/{getattr(cast, recipient).pk}",
            {"body": "Hello"},
            content_type="application/json",
        )
        assert api.status_code == 400
        assert api.json()["detail"]
    assert not DirectMessage.objects.exists()
    assert not Notice.objects.filter(kind="community.message").exists()


def test_strangers_and_oneself_are_not_found(cast: Cast) -> None:
    client = cast.client("outsider")
    for person in (cast.member, cast.outsider):
        assert client.get(conversation(person.pk)).status_code == 404
        assert client.post(conversation(person.pk), {"body": "Hi"}).status_code == 404
        api = cast.api("outsider")
        assert api.get(f"/api/v1/messages/{person.pk}").status_code == 404
        sent = api.post(
            f"/api/v1/messages/{person.pk}", {"body": "Hi"}, content_type="application/json"
        )
        assert sent.status_code == 404
    assert client.get(conversation(999999)).status_code == 404
    with pytest.raises(CommunityError, match="members of your groups"):
        services.send_message(cast.outsider, cast.member, "Hi")
    assert not DirectMessage.objects.exists()


def test_a_conversation_is_private_to_its_two_people(cast: Cast) -> None:
    services.send_message(cast.member, cast.leader, "Between us")
    third = make_user("third@example.org", "Tina Third")
    add_member(cast.group, third)
    # Tina may write to Mia, but sees nothing of what Mia wrote to Leo.
    page = login(third).get(conversation(cast.member.pk)).content
    assert b"Between us" not in page
    assert b"Between us" not in login(third).get(inbox()).content
    listed = cast.api("owner").get(f"/api/v1/messages/{cast.member.pk}").json()
    assert listed["count"] == 0


def test_empty_and_overlong_messages_are_refused(cast: Cast) -> None:
    with pytest.raises(CommunityError, match="empty"):
        services.send_message(cast.member, cast.leader, "   ")
    with pytest.raises(CommunityError, match="at most"):
        services.send_message(cast.member, cast.leader, "x" * 5001)
    assert not DirectMessage.objects.exists()


def test_messages_in_the_api(cast: Cast) -> None:
    api = cast.api("member")
    sent = api.post(
        f"/api/v1/messages/{cast.leader.pk}", {"body": "Hi Leo"}, content_type="application/json"
    )
    assert sent.status_code == 201
    assert sent.json()["recipient"] == cast.leader.pk
    listed = cast.api("leader").get("/api/v1/messages").json()
    assert listed["count"] == 1
    assert listed["items"][0]["user"] == {"id": cast.member.pk, "name": "Mia Member", "handle": ""}
    assert listed["items"][0]["unread"] == 1
    thread = cast.api("leader").get(f"/api/v1/messages/{cast.member.pk}").json()
    assert [m["body"] for m in thread["items"]] == ["Hi Leo"]
    assert DirectMessage.objects.get().read_at is not None
    assert Client().get("/api/v1/messages").status_code == 401


def test_inbox_queries_do_not_grow_with_conversations(
    cast: Cast, django_assert_max_num_queries
) -> None:
    for i in range(12):
        person = make_user(f"p{i}@example.org", f"Person {i}")
        add_member(cast.group, person)
        services.send_message(person, cast.member, f"Hello {i}")
        services.send_message(cast.member, person, f"Hi {i}")
    client = cast.client("member")
    with django_assert_max_num_queries(10):
        page = client.get(inbox())
    assert page.content.count(b'class="row-actions conversation"') == 12


def test_conversation_queries_do_not_grow_with_messages(
    cast: Cast, django_assert_max_num_queries
) -> None:
    # Written straight to the table: the daily message cap is not what this measures.
    DirectMessage.objects.bulk_create(
        DirectMessage(sender=cast.leader, recipient=cast.member, body=f"Line {i}")
        for i in range(30)
    )
    client = cast.client("member")
    with django_assert_max_num_queries(16):
        page = client.get(conversation(cast.leader.pk))
    assert page.content.count(b'class="message-line') == 30
