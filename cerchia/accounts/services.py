"""Every write to accounts, profiles, connections and API tokens."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cerchia.accounts.models import ApiToken, Connection, Profession, Profile, User
from cerchia.accounts.privacy import PROFILE_FIELDS, Visibility
from cerchia.accounts.tasks import send_welcome_email
from cerchia.audit.services import record
from cerchia.lib.sql import columns, instance


class AccountError(Exception):
    """A write to accounts that the rules refuse; the message is shown to the person."""


MAX_TAGS = 20
MAX_TAG_LENGTH = 40
TOKEN_PREFIX = "cer_"  # noqa: S105 (a public marker, not a secret)


@transaction.atomic
def register_user(user: User, *, display_name: str = "", send_welcome: bool = True) -> Profile:
    """Give a new account its business card and informal network; queue the welcome email."""
    from cerchia.groups.services import ensure_informal_network

    profile, _created = Profile.objects.get_or_create(
        user=user, defaults={"display_name": display_name or user.email.split("@")[0]}
    )
    ensure_informal_network(user)
    record(user, "accounts.user.registered", user, {"email": user.email})
    if send_welcome:
        language = translation.get_language() or "en"
        transaction.on_commit(lambda: send_welcome_email.enqueue(user.pk, language))
    return profile


def ensure_profile(user: User) -> Profile:
    """The person's card; accounts made outside sign-up (admin, createsuperuser) get one here."""
    profile = Profile.objects.filter(user=user).first()
    return profile if profile is not None else register_user(user, send_welcome=False)


def normalise_tags(values: Any) -> list[str]:
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, list | tuple):
        raise AccountError(_("Tags must be a list or a comma-separated text."))
    tags: list[str] = []
    for raw in values:
        tag = re.sub(r"\s+", " ", str(raw)).strip().lower()
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise AccountError(
                _("A tag may have at most %(n)d characters: “%(tag)s”.")
                % {"n": MAX_TAG_LENGTH, "tag": tag}
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise AccountError(_("At most %(n)d tags.") % {"n": MAX_TAGS})
    return tags


def normalise_phone(value: str, *, country: str = "") -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, (country or "IT").upper())
    except phonenumbers.NumberParseException:
        raise AccountError(_("“%(phone)s” is not a phone number.") % {"phone": value}) from None
    if not phonenumbers.is_valid_number(number):
        raise AccountError(_("“%(phone)s” is not a valid phone number.") % {"phone": value})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _coordinate(value: Any, low: int, high: int, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise AccountError(_("%(name)s must be a number.") % {"name": name}) from None
    if not low <= number <= high:
        raise AccountError(
            _("%(name)s must be between %(low)d and %(high)d.")
            % {"name": name, "low": low, "high": high}
        )
    return number


def clean_visibility(levels: Any) -> dict[str, str]:
    if not isinstance(levels, dict):
        raise AccountError(_("Visibility must map each field to a level."))
    cleaned = {}
    for field, level in levels.items():
        if field not in PROFILE_FIELDS:
            raise AccountError(_("Unknown profile field: %(field)s") % {"field": field})
        if level not in Visibility.values:
            raise AccountError(
                _("Unknown visibility level “%(level)s” for %(field)s.")
                % {"level": level, "field": field}
            )
        cleaned[field] = level
    return cleaned


TEXT_LIMITS = {"display_name": 120, "company": 160, "bio": 1000, "city": 120, "region": 120}


@transaction.atomic
def update_profile(profile: Profile, *, actor: User, changes: dict[str, Any]) -> Profile:
    """Apply ``changes`` (only the keys given) after validating every one of them."""
    if actor.pk != profile.user_id:
        raise AccountError(_("Only the owner may edit this profile."))
    changes = dict(changes)
    for field, limit in TEXT_LIMITS.items():
        if field in changes:
            value = str(changes[field] or "").strip()
            if len(value) > limit:
                raise AccountError(
                    _("%(field)s may have at most %(n)d characters.") % {"field": field, "n": limit}
                )
            changes[field] = value
    if "display_name" in changes and not changes["display_name"]:
        raise AccountError(_("Your name cannot be empty."))
    if "country" in changes:
        country = str(changes["country"] or "").strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise AccountError(_("Use a two-letter country code, such as IT."))
        changes["country"] = country
    if "profession" in changes:
        value = changes["profession"]
        if value in (None, ""):
            changes["profession"] = None
        elif isinstance(value, Profession):
            pass
        else:
            lookup = {"pk": value} if str(value).isdigit() else {"code": value}
            found = Profession.objects.filter(**lookup).first()
            if found is None:
                raise AccountError(_("Unknown profession: %(p)s") % {"p": value})
            changes["profession"] = found
    for field in ("offers", "seeks", "clients"):
        if field in changes:
            changes[field] = normalise_tags(changes[field] or [])
    if "website" in changes:
        website = str(changes["website"] or "").strip()
        if website and "://" not in website:
            website = "https://" + website
        if website:
            try:
                URLValidator(schemes=["http", "https"])(website)
            except ValidationError:
                raise AccountError(
                    _("“%(url)s” is not a web address.") % {"url": website}
                ) from None
        changes["website"] = website
    if "phone" in changes:
        country = changes.get("country", profile.country)
        changes["phone"] = normalise_phone(str(changes["phone"] or ""), country=country)
    if "latitude" in changes:
        changes["latitude"] = _coordinate(changes["latitude"], -90, 90, _("Latitude"))
    if "longitude" in changes:
        changes["longitude"] = _coordinate(changes["longitude"], -180, 180, _("Longitude"))
    if "clientele_scope" in changes:
        value = changes["clientele_scope"] or ""
        if value and value not in Profile.ClienteleScope.values:
            raise AccountError(_("Unknown clientele scope: %(v)s") % {"v": value})
        changes["clientele_scope"] = value
    if "company_size" in changes:
        value = changes["company_size"] or ""
        if value and value not in Profile.CompanySize.values:
            raise AccountError(_("Unknown company size: %(v)s") % {"v": value})
        changes["company_size"] = value
    if "visibility" in changes:
        merged = dict(profile.visibility or {})
        merged.update(clean_visibility(changes["visibility"]))
        changes["visibility"] = merged
    editable = set(TEXT_LIMITS) | {
        "country",
        "profession",
        "offers",
        "seeks",
        "clients",
        "website",
        "phone",
        "latitude",
        "longitude",
        "clientele_scope",
        "company_size",
        "visibility",
    }
    unknown = set(changes) - editable
    if unknown:
        raise AccountError(_("Unknown profile field: %(field)s") % {"field": sorted(unknown)[0]})
    for field, value in changes.items():
        setattr(profile, field, value)
    profile.save()
    recorded = {k: (v.code if isinstance(v, Profession) else v) for k, v in changes.items()}
    record(actor, "accounts.profile.updated", profile, {"fields": sorted(recorded)})
    return profile


@transaction.atomic
def create_api_token(user: User, *, name: str) -> tuple[ApiToken, str]:
    """Make a token; the plain key is returned once and never stored."""
    name = name.strip() or _("API token")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        prefix=key[: len(TOKEN_PREFIX) + 6],
        key_hash=ApiToken.hash_key(key),
    )
    record(user, "accounts.token.created", token, {"name": token.name})
    return token, key


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    record(actor, "accounts.token.revoked", token, {"name": token.name})
    token.delete()


_API_USER_SQL = (
    "SELECT {token}, {user}, {profile} FROM {tokens} t "
    "JOIN {users} u ON u.id = t.user_id LEFT JOIN {profiles} p ON p.user_id = u.id "
    "WHERE t.key_hash = %s AND u.is_active"
)


@cache
def _api_user_sql(vendor: str) -> str:
    return _API_USER_SQL.format(
        token=columns(ApiToken, "t"),
        user=columns(User, "u"),
        profile=columns(Profile, "p"),
        tokens=ApiToken._meta.db_table,
        users=User._meta.db_table,
        profiles=Profile._meta.db_table,
    )


def user_for_token(key: str) -> User | None:
    """The active user whose API token ``key`` is, with their profile, or None: one raw
    statement, written once per process (every API request runs it)."""
    with connection.cursor() as cursor:
        cursor.execute(_api_user_sql(connection.vendor), [ApiToken.hash_key(key)])
        row = cursor.fetchone()
    if row is None:
        return None
    token = instance(ApiToken, row)
    at = len(ApiToken._meta.concrete_fields)
    user = instance(User, row, at)
    assert token is not None and user is not None  # the joins found them
    profile = instance(Profile, row, at + len(User._meta.concrete_fields))
    # As select_related("profile") would: user.profile without another query.
    User.profile.related.set_cached_value(user, profile)
    if profile is not None:
        Profile.user.field.set_cached_value(profile, user)
    now = timezone.now()
    # Touch at most once a minute so reads do not turn into writes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


@transaction.atomic
def add_connection(owner: User, *, other: User) -> Connection:
    if owner.pk == other.pk:
        raise AccountError(_("You cannot add yourself to your connections."))
    connection, created = Connection.objects.get_or_create(owner=owner, other=other)
    if created:
        record(owner, "accounts.connection.added", connection, {"other": other.pk})
    return connection


@transaction.atomic
def remove_connection(owner: User, *, other_id: int) -> None:
    """Remove someone from my connections; nothing happens if they were not there."""
    connection = Connection.objects.filter(owner=owner, other_id=other_id).first()
    if connection is not None:
        record(owner, "accounts.connection.removed", connection, {"other": other_id})
        connection.delete()
