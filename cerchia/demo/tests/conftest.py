"""The demo world, built once for the whole package inside a transaction rolled back at its
end (each test still runs in a savepoint of its own)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from cerchia.accounts.models import User
from cerchia.demo import builder

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="package")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        assert builder.build(out=io.StringIO()) is True
        yield
        transaction.set_rollback(True)


@pytest.fixture
def maria(world: None, db: Any) -> User:
    return User.objects.get(email="maria@demo.cerchia.org")
