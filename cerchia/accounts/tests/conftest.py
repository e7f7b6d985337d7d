"""Viewers of one filled-in business card: the member's, seen by everyone in the cast."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from cerchia.accounts.models import Connection, Profession, Profile, User
from cerchia.accounts.services import create_api_token
from cerchia.conftest import Cast, make_user

# One distinctive text per card field, as the profile page prints it.
MARKERS: dict[str, str] = {
    "company": "Zebra Lenses Srl",
    "profession": "Wedding photographer",
    "bio": "Shoots weddings on film since 2009",
    "offers": "analogue prints",
    "seeks": "rooftop venues",
    "location": "Castel Guelfo",
    "coordinates": "44.123456",
    "clientele_scope": "International",
    "company_size": "10–49 people",
    "website": "zebra-lenses.example",
    "phone": "+390511234567",
    "email": "member@example.org",
}

# Who may see a field at each level: written out by hand, not computed from the code.
SEES: dict[str, set[str]] = {
    "public": {"anonymous", "outsider", "co_member", "connection", "self"},
    "groups": {"co_member", "connection", "self"},
    "connections": {"connection", "self"},
    "private": {"self"},
}
VIEWERS = ["anonymous", "outsider", "co_member", "connection", "self"]
LEVELS = ["public", "groups", "connections", "private"]


def fill_card(profile: Profile, **visibility: str) -> Profile:
    profile.display_name = "Mia Member"
    profile.company = MARKERS["company"]
    profile.profession = Profession.objects.get(code="wedding_photographer")
    profile.bio = MARKERS["bio"]
    profile.offers = [MARKERS["offers"]]
    profile.seeks = [MARKERS["seeks"]]
    profile.city = MARKERS["location"]
    profile.region = "Emilia-Romagna"
    profile.country = "IT"
    profile.latitude = Decimal("44.123456")
    profile.longitude = Decimal("11.654321")
    profile.clientele_scope = "international"
    profile.company_size = "10-49"
    profile.website = "https://zebra-lenses.example"
    profile.phone = MARKERS["phone"]
    profile.visibility = visibility
    profile.save()
    return profile


@pytest.fixture
def friend(cast: Cast) -> User:
    """Shares no group with the member, but the member counts them among their connections."""
    user = make_user("friend@example.org", "Fiona Friend")
    Connection.objects.create(owner=cast.member, other=user)
    return user


@pytest.fixture
def viewer_user(cast: Cast, friend: User) -> Any:
    """``viewer_user("co_member")`` → the User behind each viewer class (None = anonymous)."""
    users = {
        "anonymous": None,
        "outsider": cast.outsider,
        "co_member": cast.leader,
        "connection": friend,
        "self": cast.member,
    }
    return users.__getitem__


def browser(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user: User | None) -> Client:
    if user is None:
        return Client()
    _token, key = create_api_token(user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})
