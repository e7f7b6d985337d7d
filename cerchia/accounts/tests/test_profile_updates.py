"""Editing the business card: the service, PATCH /api/v1/me/profile and the edit page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from cerchia.accounts.models import Profile
from cerchia.accounts.privacy import PROFILE_FIELDS
from cerchia.accounts.services import AccountError, update_profile
from cerchia.accounts.tests.conftest import api_client, browser
from cerchia.audit.models import AuditEntry


def snapshot(user) -> dict:
    return model_to_dict(Profile.objects.get(user=user), exclude=["id", "updated_at"])


def patch(client, payload: dict):
    return client.patch("/api/v1/me/profile", payload, content_type="application/json")


def test_phone_is_stored_in_e164_using_the_country(cast):
    profile = update_profile(
        cast.member.profile, actor=cast.member, changes={"country": "IT", "phone": "051 123 4567"}
    )

    profile.refresh_from_db()
    assert profile.phone == "+390511234567"
    assert profile.country == "IT"


def test_api_patch_normalises_the_phone_and_returns_my_card(cast):
    response = patch(api_client(cast.member), {"country": "it", "phone": "051 123 4567"})

    assert response.status_code == 200
    assert response.json()["profile"]["phone"] == "+390511234567"
    assert response.json()["profile"]["location"]["country"] == "IT"
    assert Profile.objects.get(user=cast.member).phone == "+390511234567"


@pytest.mark.parametrize(
    "payload",
    [
        {"company": "New Co", "phone": "12345"},
        {"company": "New Co", "phone": "not a number"},
        {"company": "New Co", "profession": "astronaut"},
        {"company": "New Co", "profession": 999999},
        {"company": "New Co", "country": "ITA"},
        {"company": "New Co", "country": "1T"},
        {"company": "New Co", "visibility": {"shoe_size": "public"}},
        {"company": "New Co", "visibility": {"phone": "friends"}},
        {"company": "New Co", "latitude": "90.5"},
        {"company": "New Co", "longitude": "-180.1"},
        {"company": "New Co", "website": "not a web address"},
        {"company": "New Co", "clientele_scope": "galactic"},
        {"company": "New Co", "company_size": "huge"},
        {"company": "New Co", "display_name": "   "},
        {"company": "New Co", "offers": ["x" * 41]},
        {"company": "New Co", "offers": [f"tag {n}" for n in range(21)]},
    ],
)
def test_invalid_patch_is_a_400_and_saves_nothing(cast, payload):
    before = snapshot(cast.member)
    audit_before = AuditEntry.objects.count()

    response = patch(api_client(cast.member), payload)

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["detail"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert snapshot(cast.member) == before
    assert before["company"] != "New Co"
    assert not AuditEntry.objects.filter(action="accounts.profile.updated").exists()
    # Only the token creation of api_client was recorded.
    assert AuditEntry.objects.count() == audit_before + 1


def test_invalid_phone_message_names_the_number(cast):
    response = patch(api_client(cast.member), {"phone": "12345"})

    assert response.status_code == 400
    assert "12345" in response.json()["detail"]
    assert "phone" in response.json()["detail"]


def test_tags_are_lowercased_trimmed_and_deduplicated(cast):
    response = patch(
        api_client(cast.member),
        {"offers": ["Weddings", "  weddings ", "B2B", "", "Corporate   Events"], "seeks": []},
    )

    assert response.status_code == 200
    profile = Profile.objects.get(user=cast.member)
    assert profile.offers == ["weddings", "b2b", "corporate events"]
    assert profile.seeks == []


def test_service_accepts_tags_as_a_comma_separated_text(cast):
    update_profile(
        cast.member.profile, actor=cast.member, changes={"offers": "Tax, tax ,VAT,, Payroll"}
    )

    assert Profile.objects.get(user=cast.member).offers == ["tax", "vat", "payroll"]


def test_website_without_a_scheme_gets_https(cast):
    response = patch(api_client(cast.member), {"website": "zebra-lenses.example"})

    assert response.status_code == 200
    assert Profile.objects.get(user=cast.member).website == "https://zebra-lenses.example"


def test_website_keeps_an_explicit_http_scheme(cast):
    patch(api_client(cast.member), {"website": "http://old.example"})

    assert Profile.objects.get(user=cast.member).website == "http://old.example"


def test_profession_by_code_or_id(cast):
    client = api_client(cast.member)

    by_code = patch(client, {"profession": "florist"})
    assert by_code.status_code == 200
    assert by_code.json()["profile"]["profession"]["code"] == "florist"

    from cerchia.accounts.models import Profession

    plumber = Profession.objects.get(code="plumber")
    by_id = patch(client, {"profession": plumber.pk})
    assert by_id.status_code == 200
    assert Profile.objects.get(user=cast.member).profession == plumber

    cleared = patch(client, {"profession": None})
    assert cleared.status_code == 200
    assert Profile.objects.get(user=cast.member).profession is None


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("90", "180"), ("-90", "-180"), ("44.4949", "11.3426")],
)
def test_coordinates_within_bounds_are_kept(cast, latitude, longitude):
    response = patch(api_client(cast.member), {"latitude": latitude, "longitude": longitude})

    assert response.status_code == 200
    profile = Profile.objects.get(user=cast.member)
    assert profile.latitude == Decimal(latitude)
    assert profile.longitude == Decimal(longitude)


def test_visibility_changes_merge_with_earlier_choices(cast):
    client = api_client(cast.member)
    patch(client, {"visibility": {"phone": "groups"}})

    response = patch(client, {"visibility": {"email": "connections"}})

    assert response.status_code == 200
    assert Profile.objects.get(user=cast.member).visibility == {
        "phone": "groups",
        "email": "connections",
    }
    levels = response.json()["profile"]["visibility"]
    assert levels["phone"] == "groups"
    assert levels["email"] == "connections"
    assert levels["coordinates"] == "private"  # untouched default


def test_patch_changes_only_the_fields_sent(cast):
    update_profile(cast.member.profile, actor=cast.member, changes={"bio": "Keep me"})
    before = snapshot(cast.member)

    patch(api_client(cast.member), {"company": "Only This"})

    after = snapshot(cast.member)
    assert after.pop("company") == "Only This"
    before.pop("company")
    assert after == before


def test_someone_else_cannot_edit_my_profile(cast):
    before = snapshot(cast.member)

    with pytest.raises(AccountError):
        update_profile(cast.member.profile, actor=cast.outsider, changes={"company": "Hijacked"})

    assert snapshot(cast.member) == before


def test_unknown_field_is_refused_by_the_service(cast):
    before = snapshot(cast.member)

    with pytest.raises(AccountError, match="user_id"):
        update_profile(cast.member.profile, actor=cast.member, changes={"user_id": 1})

    assert snapshot(cast.member) == before


def test_update_records_an_audit_entry_with_the_changed_fields(cast):
    update_profile(
        cast.member.profile,
        actor=cast.member,
        changes={"company": "Audit Co", "phone": "051 123 4567"},
    )

    entry = AuditEntry.objects.get(action="accounts.profile.updated")
    assert entry.actor == cast.member
    assert entry.target_type == "accounts.profile"
    assert entry.target_id == str(cast.member.profile.pk)
    assert entry.data == {"fields": ["company", "phone"]}


def test_patch_needs_authentication(cast):
    before = snapshot(cast.member)

    response = browser(None).patch(
        "/api/v1/me/profile", {"company": "Anon"}, content_type="application/json"
    )

    assert response.status_code == 401
    assert snapshot(cast.member) == before


# The edit page ---------------------------------------------------------------------------


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "display_name": "Mia Member",
        "company": "Mia Foto",
        "profession": "",
        "bio": "Weddings and portraits",
        "offers": "Weddings, portraits , WEDDINGS",
        "seeks": "florists",
        "city": "Bologna",
        "region": "Emilia-Romagna",
        "country": "it",
        "latitude": "44.4949",
        "longitude": "11.3426",
        "clientele_scope": "regional",
        "company_size": "solo",
        "website": "miafoto.example",
        "phone": "051 123 4567",
    }
    data.update({f"vis_{field}": level for field, level in PROFILE_FIELDS.items()})
    data["vis_phone"] = "groups"
    data.update(overrides)
    return data


def test_edit_page_shows_my_current_card(cast):
    update_profile(cast.member.profile, actor=cast.member, changes={"company": "Shown Co"})

    response = browser(cast.member).get("/me/profile/")

    assert response.status_code == 200
    assert 'value="Shown Co"' in response.content.decode()


def test_edit_page_saves_the_card_end_to_end(cast):
    response = browser(cast.member).post("/me/profile/", form_data())

    assert response.status_code == 302
    assert response["Location"] == f"/people/{cast.member.pk}/"
    profile = Profile.objects.get(user=cast.member)
    assert profile.company == "Mia Foto"
    assert profile.offers == ["weddings", "portraits"]
    assert profile.seeks == ["florists"]
    assert profile.website == "https://miafoto.example"
    assert profile.phone == "+390511234567"
    assert profile.country == "IT"
    assert profile.profession is None
    assert profile.level_of("phone") == "groups"
    assert profile.latitude == Decimal("44.4949")
    assert AuditEntry.objects.filter(action="accounts.profile.updated", actor=cast.member).exists()
    # The co-member now sees the phone; the outsider still does not.
    assert "+390511234567" in browser(cast.leader).get(response["Location"]).content.decode()
    assert "+390511234567" not in browser(cast.outsider).get(response["Location"]).content.decode()


def test_edit_page_shows_the_service_error_and_saves_nothing(cast):
    before = snapshot(cast.member)

    response = browser(cast.member).post("/me/profile/", form_data(phone="12345"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "is not a valid phone number" in html
    assert 'class="message error"' in html
    assert snapshot(cast.member) == before
    assert not AuditEntry.objects.filter(action="accounts.profile.updated").exists()


def test_edit_page_shows_a_field_error_for_a_long_country(cast):
    before = snapshot(cast.member)

    response = browser(cast.member).post("/me/profile/", form_data(country="ITA"))

    assert response.status_code == 200
    assert "at most 2 characters" in response.content.decode()
    assert snapshot(cast.member) == before


def test_edit_page_needs_login(cast):
    response = browser(None).get("/me/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
