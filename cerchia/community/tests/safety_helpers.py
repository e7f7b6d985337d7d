"""Shared set-up for the safety tests: an online community with members at chosen levels."""

from __future__ import annotations

import datetime
from typing import Any

from django.test import Client
from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.accounts.services import create_api_token
from cerchia.community.models import Post, Topic, Trust
from cerchia.conftest import add_member, make_user
from cerchia.groups.models import Group
from cerchia.groups.services import create_group


def community(owner: User, *, name: str = "Makers", **overrides: Any) -> Group:
    group = create_group(
        owner, name=name, kind="online_community", visibility="public", join_policy="open"
    )
    if overrides:
        group.rule_overrides = overrides
        group.save(update_fields=["rule_overrides"])
    return group


def member_at(group: Group, email: str, level: int | None, *, joined_days_ago: int = 30) -> User:
    """A new active member; ``level`` None leaves them without a trust row (level 0)."""
    user = make_user(email)
    membership = add_member(group, user)
    membership.joined_at = timezone.now() - datetime.timedelta(days=joined_days_ago)
    membership.save(update_fields=["joined_at"])
    if level is not None:
        Trust.objects.create(group=group, user=user, level=level)
    return user


def topic_by(user: User, group: Group, title: str = "Hello", body: str = "Hi all") -> Topic:
    """A topic made directly (no limits): for building scenes, not for testing limits."""
    now = timezone.now()
    topic = Topic.objects.create(group=group, author=user, title=title, last_posted_at=now)
    Post.objects.create(topic=topic, author=user, number=1, body=body)
    return topic


def reply_by(user: User, topic: Topic, body: str = "Agreed") -> Post:
    number = Post.objects.filter(topic=topic).count() + 1
    return Post.objects.create(topic=topic, author=user, number=number, body=body)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user: User) -> Client:
    _token, key = create_api_token(user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})
