"""The demo's "who is worth meeting": everyone's clients by contact sphere, Maria's and Sara's
cards written out, wedding trades that seek a photographer, a request waiting for Maria and
one "not interested" — so Maria's matches in chapter one and in the online community come
with reasons she recognises."""

from __future__ import annotations

import random

from cerchia.accounts.models import ConnectionRequest, Profile, User
from cerchia.community.models import Dismissal
from cerchia.groups.models import Group, Membership

CLIENTS_BY_SPHERE = {
    "weddings_events": ["weddings", "corporate events", "couples", "hotels"],
    "real_estate_home": ["homeowners", "landlords", "property developers"],
    "business_services": ["small businesses", "manufacturers", "startups"],
    "finance_insurance": ["small businesses", "families", "professionals"],
    "legal": ["small businesses", "families", "startups"],
    "health_wellness": ["families", "athletes", "seniors"],
    "marketing_creative": ["restaurants", "shops", "small businesses", "weddings"],
    "technology": ["small businesses", "startups", "shops"],
    "hospitality_food": ["tourists", "weddings", "corporate events"],
    "trades_construction": ["homeowners", "condominiums", "property developers"],
    "automotive": ["families", "fleets"],
    "retail": ["families", "tourists"],
    "education_training": ["families", "small businesses"],
    "personal_services_beauty": ["weddings", "families", "couples"],
    "logistics_manufacturing": ["manufacturers", "exporters"],
    "nonprofit_public": ["associations", "families"],
}
# Trades that hire a photographer: in chapter one and the community they say so.
NEEDS_PHOTOS = {"weddings_events", "marketing_creative", "hospitality_food"}


def build_matching(
    *, chapter: Group, community: Group, personas: dict[str, User], rng: random.Random
) -> None:
    maria, sara = personas["maria"], personas["sara"]
    profiles = list(Profile.objects.select_related("profession__sphere").order_by("user_id"))
    in_context = set(
        Membership.objects.active()
        .filter(group__in=[chapter, community])
        .values_list("user_id", flat=True)
    )
    for profile in profiles:
        sphere = profile.profession.sphere.code if profile.profession else ""
        choices = CLIENTS_BY_SPHERE.get(sphere, ["small businesses"])
        profile.clients = rng.sample(choices, min(2, len(choices)))
        if sphere in NEEDS_PHOTOS and profile.user_id in in_context:
            profile.seeks = [*profile.seeks, "photographer"][:5]
    by_user = {p.user_id: p for p in profiles}
    by_user[maria.pk].offers = ["wedding photography", "portraits", "corporate events"]
    by_user[maria.pk].seeks = ["florist", "wedding planner", "catering", "social media"]
    by_user[maria.pk].clients = ["weddings", "corporate events", "couples"]
    by_user[sara.pk].offers = ["social media", "instagram ads"]
    by_user[sara.pk].seeks = ["wedding photographer", "video"]
    by_user[sara.pk].clients = ["weddings", "restaurants"]
    Profile.objects.bulk_update(profiles, ["clients", "seeks", "offers"])

    # A chapter member asks Maria to connect; Maria already said "not interested" to one
    # member of the community (who will never be suggested to her again).
    others = sorted(in_context - {maria.pk, sara.pk})
    chapter_members = set(
        Membership.objects.active().filter(group=chapter).values_list("user_id", flat=True)
    )
    asker = next(uid for uid in others if uid in chapter_members and uid != personas["luca"].pk)
    ConnectionRequest.objects.create(
        sender_id=asker,
        recipient=maria,
        group=chapter,
        message="I work with many couples: shall we have a coffee after Tuesday's meeting?",
    )
    dismissed = next(uid for uid in reversed(others) if uid not in chapter_members)
    Dismissal.objects.create(user=maria, other_id=dismissed)
