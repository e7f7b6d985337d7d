"""Blocks take effect everywhere: the blocked person can neither message the blocker nor ask to
connect, and sees only the blocker's public fields on every surface."""

from __future__ import annotations

import pytest

from cerchia.accounts.blocking import block_member, unblock_member
from cerchia.accounts.models import Block, Connection, ConnectionRequest
from cerchia.accounts.selectors import reach_map
from cerchia.accounts.services import AccountError
from cerchia.community.connections import send_connection_request
from cerchia.community.errors import CommunityError
from cerchia.community.models import DirectMessage
from cerchia.community.services import send_message
from cerchia.community.tests.safety_helpers import api_for, client_for, community, member_at
from cerchia.conftest import make_user


@pytest.fixture
def pair(cast):
    group = community(cast.owner)
    alice = member_at(group, "alice@example.org", 1)
    bob = member_at(group, "bob@example.org", 1)
    profile = alice.profile
    profile.display_name = "Alice Blocker"
    profile.company = "Public Co"
    profile.bio = "Restricted bio"
    profile.phone = "+39 333 1234567"
    profile.visibility = {
        "display_name": "public",
        "company": "public",
        "bio": "groups",
        "phone": "connections",
    }
    profile.save()
    Connection.objects.create(owner=alice, other=bob)  # Bob may see Alice's phone
    return {"group": group, "alice": alice, "bob": bob}


def _surfaces(pair):
    """What Bob sees of Alice on each surface: the page, the API card, the people search
    (page and API), and the group's directory (page and API)."""
    alice, bob, group = pair["alice"], pair["bob"], pair["group"]
    client, api = client_for(bob), api_for(bob)
    page = client.get(f"/people/{alice.pk}/").content.decode()
    card = api.get(f"/api/v1/people/{alice.pk}").json()
    search_page = client.get("/people/", {"q": "Alice"}).content.decode()
    search_api = api.get("/api/v1/people", {"q": "Alice"}).json()["items"]
    directory_page = client.get(f"/groups/{group.slug}/directory/").content.decode()
    directory_api = api.get(f"/api/v1/groups/{group.pk}/directory").json()
    return page, card, search_page, search_api, directory_page, directory_api


def test_before_blocking_bob_sees_alices_restricted_fields(pair):
    page, card, search_page, search_api, directory_page, _directory_api = _surfaces(pair)

    assert "Restricted bio" in page and "+39" in page
    assert card["bio"] == "Restricted bio" and card["phone"]
    assert "Alice Blocker" in search_page
    assert search_api[0]["bio"] == "Restricted bio"
    assert "Alice Blocker" in directory_page


def test_after_blocking_bob_sees_only_public_fields_everywhere(pair):
    block_member(pair["alice"], blocked=pair["bob"])

    page, card, search_page, search_api, directory_page, directory_api = _surfaces(pair)

    assert "Alice Blocker" in page and "Public Co" in page
    assert "Restricted bio" not in page and "+39" not in page
    assert set(card) == {"id", "display_name", "company", "profession", "website"}
    assert "Alice Blocker" in search_page and "Restricted bio" not in search_page
    assert [c.get("bio") for c in search_api] == [None]
    assert "Restricted bio" not in directory_page
    assert "Restricted bio" not in str(directory_api)


def test_a_blocker_whose_name_is_restricted_disappears_for_the_blocked(pair):
    alice, bob, group = pair["alice"], pair["bob"], pair["group"]
    alice.profile.visibility = {"display_name": "groups", "bio": "groups"}
    alice.profile.save()
    block_member(alice, blocked=bob)
    client, api = client_for(bob), api_for(bob)

    assert client.get(f"/people/{alice.pk}/").status_code == 404
    assert api.get(f"/api/v1/people/{alice.pk}").status_code == 404
    assert "Alice Blocker" not in client.get("/people/", {"q": "Alice"}).content.decode()
    assert api.get("/api/v1/people", {"q": "Alice"}).json()["count"] == 0
    directory = api.get(f"/api/v1/groups/{group.pk}/directory").json()
    assert alice.pk not in [row.get("user_id") for row in directory["items"]]
    assert "Alice Blocker" not in client.get(f"/groups/{group.slug}/directory/").content.decode()


def test_the_blocker_still_sees_the_blocked_as_before(pair):
    alice, bob = pair["alice"], pair["bob"]
    block_member(alice, blocked=bob)

    assert reach_map(alice, [bob.pk])[bob.pk] == 1  # fellow member
    assert reach_map(bob, [alice.pk])[alice.pk] == 0


def test_no_messages_either_way(pair):
    alice, bob = pair["alice"], pair["bob"]
    block_member(alice, blocked=bob)

    with pytest.raises(CommunityError, match="does not accept messages"):
        send_message(bob, alice, "Hi")
    with pytest.raises(CommunityError):
        send_message(alice, bob, "Hi")

    assert not DirectMessage.objects.exists()


def test_no_connection_requests_and_pending_ones_closed(pair):
    alice, bob, group = pair["alice"], pair["bob"], pair["group"]
    waiting = ConnectionRequest.objects.create(sender=bob, recipient=alice, group=group)
    block_member(alice, blocked=bob)

    waiting.refresh_from_db()
    assert waiting.status == "declined"
    with pytest.raises(CommunityError):
        send_connection_request(bob, alice, group=group)
    assert ConnectionRequest.objects.filter(status="pending").count() == 0


def test_block_twice_self_and_unblock(pair):
    alice, bob = pair["alice"], pair["bob"]
    block_member(alice, blocked=bob)

    with pytest.raises(AccountError, match="already blocked"):
        block_member(alice, blocked=bob)
    with pytest.raises(AccountError, match="yourself"):
        block_member(alice, blocked=alice)
    assert Block.objects.count() == 1

    unblock_member(alice, blocked_id=bob.pk)
    assert not Block.objects.exists()
    assert reach_map(bob, [alice.pk])[alice.pk] == 2
    with pytest.raises(AccountError, match="not blocked"):
        unblock_member(alice, blocked_id=bob.pk)


def test_block_button_and_blocks_page(pair, django_assert_max_num_queries):
    alice, bob = pair["alice"], pair["bob"]
    client = client_for(alice)
    page = client.get(f"/people/{bob.pk}/").content.decode()
    assert f"/people/{bob.pk}/block/" in page

    assert client.post(f"/people/{bob.pk}/block/").status_code == 302
    for i in range(4):
        block_member(alice, blocked=make_user(f"pest{i}@example.org"))

    with django_assert_max_num_queries(8):
        listing = client.get("/account/blocks/")
    assert listing.content.decode().count('id="block-') == 5

    client.post(f"/people/{bob.pk}/block/", {"action": "unblock"})
    assert not Block.objects.filter(blocker=alice, blocked=bob).exists()


def test_blocking_someone_you_cannot_see_is_404(cast, pair):
    hidden = make_user("hidden@example.org")
    hidden.profile.visibility = {"display_name": "private"}
    hidden.profile.save()

    response = cast.client("outsider").post(f"/people/{hidden.pk}/block/")
    api = cast.api("outsider").post(
        "/api/v1/blocks", {"user_id": hidden.pk}, content_type="application/json"
    )

    assert response.status_code == 404
    assert api.status_code == 404
    assert not Block.objects.exists()


def test_blocksapi_for(pair):
    alice, bob = pair["alice"], pair["bob"]
    api = api_for(alice)

    made = api.post("/api/v1/blocks", {"user_id": bob.pk}, content_type="application/json")
    assert made.status_code == 201
    assert [b["user_id"] for b in api.get("/api/v1/blocks").json()] == [bob.pk]
    again = api.post("/api/v1/blocks", {"user_id": bob.pk}, content_type="application/json")
    assert again.status_code == 400
    # Each person sees only their own blocks.
    assert api_for(bob).get("/api/v1/blocks").json() == []
    assert api_for(bob).delete(f"/api/v1/blocks/{alice.pk}").status_code == 400
    assert api.delete(f"/api/v1/blocks/{bob.pk}").status_code == 204
    assert not Block.objects.exists()


def test_blocks_pages_need_a_login(client):
    assert client.get("/account/blocks/").status_code == 302
    assert client.get("/api/v1/blocks").status_code == 401
