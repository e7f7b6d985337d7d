"""The named cast every test can use: owner, leader, member, visitor, outsider."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from cerchia.accounts.models import Profession, User
from cerchia.accounts.services import create_api_token, register_user
from cerchia.groups.models import Group, Membership
from cerchia.groups.services import create_group


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language, whatever the one before activated (a
    request in Italian leaves Italian active in its thread)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def make_user(email: str, name: str = "", *, profession: str = "") -> User:
    user = User.objects.create_user(email=email, password="pw-" + email)
    profile = register_user(
        user, display_name=name or email.split("@")[0].title(), send_welcome=False
    )
    if profession:
        profile.profession = Profession.objects.get(code=profession)
        profile.save()
    return user


def add_member(
    group: Group, user: User, *, role: str = "member", status: str = "active"
) -> Membership:
    standing = {"active": "active", "left": "resigned", "terminated": "terminated"}
    return Membership.objects.create(
        group=group, user=user, role=role, status=status, standing=standing.get(status, "pending")
    )


@dataclass
class Cast:
    owner: User  # administrator of the groups below
    leader: User  # president of ``group``
    member: User  # active member of ``group``
    visitor: User  # asked to join ``group``; not a member yet
    outsider: User  # no relation to anything
    group: Group  # a private lead group (chapter) under ``organisation``
    organisation: Group
    public_group: Group  # a public, open event network run by ``owner``

    def client(self, who: str) -> Client:
        client = Client()
        client.force_login(getattr(self, who))
        return client

    def api(self, who: str) -> Client:
        """A client that calls the API with ``who``'s bearer token."""
        _token, key = create_api_token(getattr(self, who), name="test")
        return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def cast(db: Any) -> Cast:
    owner = make_user("owner@example.org", "Olivia Owner", profession="accountant")
    leader = make_user("leader@example.org", "Leo Leader", profession="florist")
    member = make_user("member@example.org", "Mia Member", profession="wedding_photographer")
    visitor = make_user("visitor@example.org", "Victor Visitor", profession="caterer")
    outsider = make_user("outsider@example.org", "Oscar Outsider", profession="plumber")
    organisation = create_group(
        owner,
        name="Referral Org",
        kind="lead_group",
        visibility="members",
        join_policy="application",
    )
    group = create_group(
        owner,
        name="Chapter One",
        kind="lead_group",
        parent=organisation,
        visibility="private",
        join_policy="application",
    )
    add_member(group, leader, role="president")
    add_member(group, member)
    add_member(group, visitor, status="applied")
    public_group = create_group(
        owner, name="Open Events", kind="event_network", visibility="public", join_policy="open"
    )
    return Cast(
        owner=owner,
        leader=leader,
        member=member,
        visitor=visitor,
        outsider=outsider,
        group=group,
        organisation=organisation,
        public_group=public_group,
    )
