from __future__ import annotations

from decimal import Decimal
from typing import Any

from ninja import Router, Schema, Status

from cerchia.accounts.models import Profession, Profile, User
from cerchia.accounts.selectors import (
    card_for,
    profiles_for_directory,
    reach_map,
    reach_of,
    visible_card,
)
from cerchia.accounts.services import (
    add_connection,
    ensure_profile,
    remove_connection,
    update_profile,
)
from cerchia.api.auth import OPTIONAL
from cerchia.api.pagination import page
from cerchia.lib.http import ApiRequest

router = Router(tags=["people"])


class SphereOut(Schema):
    code: str
    name: str


class ProfessionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    name_it: str
    sphere: SphereOut


class LocationOut(Schema):
    city: str
    region: str
    country: str


class CoordinatesOut(Schema):
    latitude: Decimal
    longitude: Decimal


class CardOut(Schema):
    """A business card as the viewer may see it: hidden fields are left out."""

    id: int
    display_name: str | None = None
    company: str | None = None
    profession: ProfessionOut | None = None
    bio: str | None = None
    offers: list[str] | None = None
    seeks: list[str] | None = None
    clients: list[str] | None = None
    location: LocationOut | None = None
    coordinates: CoordinatesOut | None = None
    clientele_scope: str | None = None
    company_size: str | None = None
    website: str | None = None
    phone: str | None = None
    email: str | None = None


class MyProfileOut(CardOut):
    visibility: dict[str, str]


class MeOut(Schema):
    id: int
    email: str
    is_staff: bool
    profile: MyProfileOut


class ProfilePatch(Schema):
    display_name: str | None = None
    company: str | None = None
    profession: str | int | None = None
    bio: str | None = None
    offers: list[str] | None = None
    seeks: list[str] | None = None
    clients: list[str] | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    clientele_scope: str | None = None
    company_size: str | None = None
    website: str | None = None
    phone: str | None = None
    visibility: dict[str, str] | None = None


class ProfessionPage(Schema):
    items: list[ProfessionOut]
    count: int


class CardPage(Schema):
    items: list[CardOut]
    count: int


def _me(user: User) -> dict[str, Any]:
    ensure_profile(user)
    profile = Profile.objects.select_related("profession__sphere", "user").get(user=user)
    card = visible_card(profile, reach_of(user, user))
    card["visibility"] = {field: profile.level_of(field) for field in card if field != "id"}
    return {"id": user.pk, "email": user.email, "is_staff": user.is_staff, "profile": card}


@router.get("/me", response=MeOut, summary="Who I am, with my whole business card")
def me(request: ApiRequest) -> dict[str, Any]:
    return _me(request.auth)


@router.patch("/me/profile", response=MeOut, summary="Change fields of my business card")
def patch_profile(request: ApiRequest, payload: ProfilePatch) -> dict[str, Any]:
    user: User = request.auth
    update_profile(user.profile, actor=user, changes=payload.dict(exclude_unset=True))
    return _me(user)


@router.get(
    "/professions",
    response=ProfessionPage,
    auth=OPTIONAL,
    summary="The profession taxonomy, with contact spheres",
)
def professions(
    request: ApiRequest, q: str = "", sphere: str = "", limit: int = 500, offset: int = 0
) -> dict[str, Any]:
    qs = Profession.objects.select_related("sphere").order_by("sphere__code", "code")
    if q:
        qs = qs.filter(name_en__icontains=q) | qs.filter(name_it__icontains=q)
    if sphere:
        qs = qs.filter(sphere__code=sphere)
    items, count = page(qs, limit, offset)
    return {"items": items, "count": count}


@router.get(
    "/people",
    response=CardPage,
    exclude_unset=True,
    summary="People whose card I may see, each field as I may see it",
)
def people(request: ApiRequest, q: str = "", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    user = request.auth
    profiles, count = page(profiles_for_directory(user, query=q.strip()), limit, offset)
    reach = reach_map(user, [p.user_id for p in profiles])
    return {"items": [visible_card(p, reach[p.user_id]) for p in profiles], "count": count}


@router.get(
    "/people/{user_id}",
    response=CardOut,
    exclude_unset=True,
    auth=OPTIONAL,
    summary="One business card, as I may see it",
)
def person(request: ApiRequest, user_id: int) -> dict[str, Any]:
    return card_for(request.auth, user_id)[1]


@router.post(
    "/me/connections/{user_id}", response={204: None}, summary="Count someone among my connections"
)
def connect(request: ApiRequest, user_id: int) -> Status[None]:
    # Only someone whose card I can see: the answer must not reveal who exists.
    profile, _card = card_for(request.auth, user_id)
    add_connection(request.auth, other=profile.user)
    return Status(204, None)


@router.delete(
    "/me/connections/{user_id}", response={204: None}, summary="Remove someone from my connections"
)
def disconnect(request: ApiRequest, user_id: int) -> Status[None]:
    remove_connection(request.auth, other_id=user_id)
    return Status(204, None)
