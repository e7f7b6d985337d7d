"""Optional TOTP two-factor authentication (django-allauth's MFA), end to end."""

from __future__ import annotations

import datetime as dt

import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client

START = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)


def code_for(secret: str, moment: dt.datetime) -> str:
    return format_hotp_value(hotp_value(secret, int(moment.timestamp()) // 30))


def log_in(client: Client, email: str) -> None:
    response = client.post("/account/login/", {"login": email, "password": "pw-" + email})
    assert response.status_code == 302


def test_a_member_turns_on_totp_and_then_needs_a_code_to_log_in(cast):
    email = cast.member.email
    client = Client()
    with time_machine.travel(START, tick=False):
        log_in(client, email)
        # Turning on 2FA asks for the password again first.
        assert client.get("/account/2fa/totp/activate/")["Location"].startswith(
            "/account/reauthenticate/"
        )
        client.post("/account/reauthenticate/", {"password": "pw-" + email})
        assert client.get("/account/2fa/totp/activate/").status_code == 200
        secret = client.session[SECRET_SESSION_KEY]
        activated = client.post("/account/2fa/totp/activate/", {"code": code_for(secret, START)})
    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=cast.member, type="totp").exists()

    later = START + dt.timedelta(minutes=5)
    fresh = Client()
    with time_machine.travel(later, tick=False):
        response = fresh.post("/account/login/", {"login": email, "password": "pw-" + email})
        # The password alone is not enough: the second step is asked for, nobody is signed in.
        assert response.status_code == 302
        assert response["Location"].startswith("/account/2fa/authenticate/")
        assert fresh.get("/api/v1/me").status_code == 401

        wrong = fresh.post("/account/2fa/authenticate/", {"code": "000000"})
        assert wrong.status_code == 200
        assert fresh.get("/api/v1/me").status_code == 401

        right = fresh.post("/account/2fa/authenticate/", {"code": code_for(secret, later)})
        assert right.status_code == 302
        assert fresh.get("/api/v1/me").json()["email"] == email


def test_without_totp_the_password_is_enough(cast):
    client = Client()
    log_in(client, cast.member.email)

    assert client.get("/api/v1/me").status_code == 200
    assert not Authenticator.objects.filter(user=cast.member).exists()
