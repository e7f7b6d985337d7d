"""API authentication: bearer tokens, the session, and the 401 shape."""

from __future__ import annotations

import pytest
from django.test import Client

from cerchia.accounts.models import ApiToken, Profile
from cerchia.accounts.privacy import PROFILE_FIELDS
from cerchia.accounts.services import create_api_token


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_me_returns_my_identity_and_whole_card_with_its_visibility(cast):
    response = cast.api("member").get("/api/v1/me")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == cast.member.pk
    assert body["email"] == "member@example.org"
    assert body["is_staff"] is False
    profile = body["profile"]
    assert profile["id"] == cast.member.pk
    assert profile["display_name"] == "Mia Member"
    assert profile["email"] == "member@example.org"
    assert profile["profession"]["code"] == "wedding_photographer"
    assert set(PROFILE_FIELDS) <= set(profile)
    assert profile["visibility"] == dict(PROFILE_FIELDS)
    assert profile["visibility"]["phone"] == "private"


def test_me_reports_explicit_visibility_levels(cast):
    Profile.objects.filter(user=cast.member).update(visibility={"phone": "groups"})

    levels = cast.api("member").get("/api/v1/me").json()["profile"]["visibility"]

    assert levels["phone"] == "groups"
    assert levels["email"] == "private"


def test_me_without_credentials_is_a_401_json(cast):
    response = Client().get("/api/v1/me")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "Bearer" in response.json()["detail"]
    assert "email" not in response.json()


@pytest.mark.parametrize("key", ["cer_wrong", "", "cer_" + "x" * 43])
def test_me_with_a_wrong_token_is_a_401(cast, key):
    response = bearer(key).get("/api/v1/me")

    assert response.status_code == 401
    assert "email" not in response.json()
    assert response.json()["detail"]


def test_wrong_token_does_not_fall_back_to_the_session(cast):
    client = cast.client("member")
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer cer_wrong"

    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked API token"}


def test_session_login_works_for_reads(cast):
    response = cast.client("member").get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["email"] == "member@example.org"


def test_session_writes_need_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.member)

    response = client.patch(
        "/api/v1/me/profile", {"company": "No CSRF"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert Profile.objects.get(user=cast.member).company != "No CSRF"


def test_token_writes_need_no_csrf_token(cast):
    _token, key = create_api_token(cast.member, name="script")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})

    response = client.patch(
        "/api/v1/me/profile", {"company": "Scripted"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert Profile.objects.get(user=cast.member).company == "Scripted"


def test_token_revoked_on_the_tokens_page_stops_working(cast):
    token, key = create_api_token(cast.member, name="laptop")
    assert bearer(key).get("/api/v1/me").status_code == 200

    response = cast.client("member").post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    denied = bearer(key).get("/api/v1/me")
    assert denied.status_code == 401
    assert denied.json() == {"detail": "Invalid or revoked API token"}


def test_token_of_a_deactivated_user_is_refused(cast):
    _token, key = create_api_token(cast.member, name="laptop")
    cast.member.is_active = False
    cast.member.save()

    assert bearer(key).get("/api/v1/me").status_code == 401


def test_using_a_token_records_when_it_was_last_used(cast):
    token, key = create_api_token(cast.member, name="laptop")
    assert token.last_used_at is None

    bearer(key).get("/api/v1/me")

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_public_read_refuses_an_unsupported_authorization_header(cast):
    client = Client(headers={"Authorization": "Basic bWVtYmVyOnB3"})

    response = client.get("/api/v1/professions")

    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_public_read_with_a_wrong_token_is_a_401_not_anonymous(cast):
    response = bearer("cer_wrong").get("/api/v1/professions")

    assert response.status_code == 401


def test_errors_share_one_json_shape(cast):
    client = cast.api("member")

    not_found = client.get("/api/v1/people/999999")
    bad = client.post(f"/api/v1/me/connections/{cast.member.pk}")

    assert not_found.status_code == 404
    assert list(not_found.json()) == ["detail"]
    assert bad.status_code == 400
    assert list(bad.json()) == ["detail"]


def test_the_token_lookup_loads_the_user_and_profile_as_the_orm_does(
    cast, django_assert_num_queries
):
    from cerchia.accounts.models import User
    from cerchia.accounts.services import user_for_token

    Profile.objects.filter(user=cast.member).update(visibility={"phone": "groups"})
    _token, key = create_api_token(cast.member, name="laptop")
    expected = User.objects.select_related("profile").get(pk=cast.member.pk)

    with django_assert_num_queries(2):  # the lookup, then the first use is recorded
        user = user_for_token(key)
    assert user is not None
    with django_assert_num_queries(0):  # the profile came with the user
        profile = user.profile
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(expected, field.attname), field.name
    for field in Profile._meta.concrete_fields:
        assert getattr(profile, field.attname) == getattr(expected.profile, field.attname)
    assert profile.visibility == {"phone": "groups"}  # JSON decoded, not text
    assert user.date_joined.tzinfo is not None  # aware, as the ORM gives it
    assert profile.user is user
    assert not user._state.adding and user._state.db == "default"


def test_the_token_lookup_writes_at_most_once_a_minute(cast, django_assert_num_queries):
    import datetime

    from django.utils import timezone

    from cerchia.accounts.services import user_for_token

    token, key = create_api_token(cast.member, name="laptop")
    with django_assert_num_queries(2):
        user_for_token(key)
    with django_assert_num_queries(1):  # used seconds ago: a read only
        user_for_token(key)
    two_minutes_ago = timezone.now() - datetime.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=two_minutes_ago)
    with django_assert_num_queries(2):
        user_for_token(key)
    token.refresh_from_db()
    assert token.last_used_at > two_minutes_ago


def test_the_token_lookup_finds_a_user_without_a_profile_and_no_one_for_a_wrong_key(cast):
    from cerchia.accounts.models import User
    from cerchia.accounts.services import user_for_token

    bare = User.objects.create_user(email="bare@example.org", password="pw-bare")
    _token, key = create_api_token(bare, name="script")

    user = user_for_token(key)
    assert user is not None and user.pk == bare.pk
    with pytest.raises(User.profile.RelatedObjectDoesNotExist):
        user.profile  # noqa: B018
    assert user_for_token(key + "x") is None
    assert user_for_token("") is None
