"""The demo shows who is worth meeting: Maria's matches in chapter one and in the online
community come with reasons in words, Sara (who seeks a wedding photographer) is among them,
someone is waiting for Maria's answer, and the one she dismissed never comes back."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape

from cerchia.accounts.models import ConnectionRequest, User
from cerchia.community.models import Dismissal
from cerchia.community.selectors_matching import group_people, suggestions_for
from cerchia.groups.models import Group

pytestmark = pytest.mark.django_db


def test_maria_sees_matches_with_reasons_in_her_chapter(maria: User):
    chapter = Group.objects.get(slug="referral-bologna-centro")
    found = suggestions_for(maria, group_people(chapter))
    assert len(found) == 10
    assert all(s.reasons and s.score > 0 for s in found)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    text = " ".join(r for s in found for r in s.reasons)
    assert "which you seek" in text or "you are one" in text
    client = Client()
    client.force_login(maria)
    page = client.get(f"/groups/{chapter.slug}/matches/").content.decode()
    assert found[0].card["display_name"] in page and found[0].reasons[0] in page


def test_maria_sees_sara_in_the_community(maria: User):
    community = Group.objects.get(slug="bologna-digital-makers")
    found = suggestions_for(maria, group_people(community))
    sara = next(s for s in found if s.card["display_name"] == "Sara Galli")
    assert "Sara Galli seeks “wedding photographer”: you are one" in sara.reasons
    assert "Sara Galli offers “social media”, which you seek" in sara.reasons
    assert any(r.startswith("You share 1 client segment: weddings") for r in sara.reasons)
    dismissed = Dismissal.objects.get(user=maria).other_id
    assert dismissed in group_people(community)
    assert dismissed not in {
        s.user_id for s in suggestions_for(maria, group_people(community), top=50)
    }


def test_a_request_waits_for_maria(maria: User):
    waiting = ConnectionRequest.objects.get(recipient=maria, status="pending")
    client = Client()
    client.force_login(maria)
    page = client.get("/account/requests/").content.decode()
    assert escape(waiting.message) in page
