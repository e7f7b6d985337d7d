"""Logging in with an email address, the failed-login rate limit, logging out."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

LOGIN = "/account/login/"
LIMITED = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # allauth counts failed logins in the cache, which outlives a single test.
    cache.clear()


def log_in(client: Client, email: str, password: str):
    return client.post(LOGIN, {"login": email, "password": password})


def signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_email_and_password_log_in(cast):
    client = Client()

    response = log_in(client, "member@example.org", "pw-member@example.org")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_as(client) == str(cast.member.pk)
    assert client.get("/api/v1/me").json()["email"] == "member@example.org"


def test_email_is_matched_case_insensitively(cast):
    client = Client()

    log_in(client, "Member@Example.ORG", "pw-member@example.org")

    assert signed_in_as(client) == str(cast.member.pk)


def test_wrong_password_does_not_log_in(cast):
    client = Client()

    response = log_in(client, "member@example.org", "not-my-password")

    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert signed_in_as(client) is None


def test_deactivated_account_cannot_log_in(cast):
    cast.member.is_active = False
    cast.member.save()
    client = Client()

    log_in(client, "member@example.org", "pw-member@example.org")

    assert signed_in_as(client) is None


def test_repeated_failures_lock_the_account_even_for_the_right_password(cast):
    client = Client()
    for _attempt in range(5):
        response = log_in(client, "member@example.org", "guess")
        assert LIMITED not in response.content.decode()

    response = log_in(client, "member@example.org", "pw-member@example.org")

    assert response.status_code == 200  # the form again, with allauth's refusal
    assert LIMITED in response.content.decode()
    assert signed_in_as(client) is None


def test_the_lock_is_per_account(cast):
    client = Client()
    for _attempt in range(5):
        log_in(client, "member@example.org", "guess")

    log_in(client, "leader@example.org", "pw-leader@example.org")

    assert signed_in_as(client) == str(cast.leader.pk)


def test_logout_ends_the_session(cast):
    client = Client()
    log_in(client, "member@example.org", "pw-member@example.org")

    response = client.post("/account/logout/")

    assert response.status_code == 302
    assert signed_in_as(client) is None
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/me/profile/").status_code == 302


def test_logout_needs_a_post(cast):
    client = cast.client("member")

    response = client.get("/account/logout/")

    assert response.status_code == 200
    assert signed_in_as(client) == str(cast.member.pk)
