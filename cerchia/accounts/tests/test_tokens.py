"""The API tokens page: a key is shown once, only its hash is kept, only its owner revokes it."""

from __future__ import annotations

import hashlib
import re

from django.forms.models import model_to_dict

from cerchia.accounts.models import ApiToken
from cerchia.accounts.services import TOKEN_PREFIX, create_api_token
from cerchia.audit.models import AuditEntry

KEY = re.compile(r'value="(cer_[A-Za-z0-9_-]+)"')


def test_new_token_is_shown_once_and_only_its_hash_is_stored(cast):
    client = cast.client("member")

    response = client.post("/account/tokens/", {"name": "laptop"})

    assert response.status_code == 200
    keys = KEY.findall(response.content.decode())
    assert len(keys) == 1
    key = keys[0]
    token = ApiToken.objects.get(user=cast.member)
    assert token.name == "laptop"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[: len(TOKEN_PREFIX) + 6]
    assert key not in str(model_to_dict(token).values())
    # The page shows the prefix from now on, never the key again.
    again = client.get("/account/tokens/").content.decode()
    assert key not in again
    assert f"{token.prefix}…" in again
    assert cast.api("member").get("/api/v1/me").status_code == 200


def test_token_needs_a_name(cast):
    response = cast.client("member").post("/account/tokens/", {"name": ""})

    assert response.status_code == 200
    assert not KEY.search(response.content.decode())
    assert not ApiToken.objects.exists()


def test_tokens_page_lists_only_my_tokens(cast):
    create_api_token(cast.member, name="mine")
    create_api_token(cast.outsider, name="not-mine")

    html = cast.client("member").get("/account/tokens/").content.decode()

    assert "<td>mine</td>" in html
    assert "not-mine" not in html


def test_another_user_cannot_revoke_my_token(cast):
    token, key = create_api_token(cast.member, name="laptop")

    response = cast.client("outsider").post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert not AuditEntry.objects.filter(action="accounts.token.revoked").exists()


def test_revoking_needs_a_post(cast):
    token, _key = create_api_token(cast.member, name="laptop")

    response = cast.client("member").get(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_tokens_page_needs_login(db):
    from django.test import Client

    response = Client().get("/account/tokens/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
