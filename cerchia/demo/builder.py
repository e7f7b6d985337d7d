"""The demo world: a seeded, deterministic Bologna with groups of every kind.

Later issues extend ``build`` with their own data (meetings, referrals, …) so the demo always
shows every capability. Re-running never duplicates anything: the world is built once.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from cerchia.accounts.models import Profession, Profile, User
from cerchia.audit.services import record
from cerchia.demo.community import build_community
from cerchia.demo.contacts import build_contacts
from cerchia.demo.dues import build_dues
from cerchia.demo.ledger import build_ledger
from cerchia.demo.matching import build_matching
from cerchia.demo.meetings import build_meetings
from cerchia.demo.safety import build_safety
from cerchia.groups.kinds import Kind
from cerchia.groups.models import INFORMAL_NETWORK_NAME, Group, Membership
from cerchia.groups.services import (
    answer_mentoring,
    create_group,
    join_group,
    post_job,
    request_mentoring,
    set_mentoring_preference,
)

PASSWORD = "cerchia-demo"  # noqa: S105 (the documented demo password)
DOMAIN = "demo.cerchia.org"
SEED = 20261128
MEMBER_COUNT = 200
MARKER_SLUG = "camera-commercio-bologna"


@dataclass(frozen=True)
class Persona:
    key: str
    name: str
    profession: str
    company: str
    story: str
    staff: bool = False

    @property
    def email(self) -> str:
        return f"{self.key}@{DOMAIN}"


PERSONAS = [
    Persona(
        "maria",
        "Maria Rossi",
        "wedding_photographer",
        "Maria Rossi Fotografia",
        "Wedding photographer: chamber, chapter one, the association and the community",
    ),
    Persona(
        "luca",
        "Luca Bianchi",
        "accountant",
        "Studio Bianchi",
        "President of Referral Bologna Centro (chapter one)",
    ),
    Persona(
        "giulia",
        "Giulia Conti",
        "chamber_of_commerce_officer",
        "Camera di Commercio",
        "Administrator of the chamber of commerce",
    ),
    Persona(
        "paolo",
        "Paolo Ferrari",
        "event_planner",
        "Bologna Eventi",
        "Administrator of the event network",
    ),
    Persona(
        "sara",
        "Sara Galli",
        "social_media_manager",
        "Galli Digital",
        "Moderator of the online community",
    ),
    Persona("admin", "Admin Cerchia", "it_consultant", "Cerchia", "Site staff", staff=True),
    Persona(
        "lapsed",
        "Lorenzo Neri",
        "plumber",
        "Idraulica Neri",
        "Chamber member whose dues lapsed (renew from the chamber's dues page)",
    ),
]

FIRST = [
    "Alessandro",
    "Andrea",
    "Anna",
    "Beatrice",
    "Chiara",
    "Claudio",
    "Davide",
    "Elena",
    "Elisa",
    "Federica",
    "Francesca",
    "Francesco",
    "Gabriele",
    "Giacomo",
    "Giorgia",
    "Giovanni",
    "Ilaria",
    "Laura",
    "Lorenzo",
    "Marco",
    "Martina",
    "Matteo",
    "Michela",
    "Nicola",
    "Paola",
    "Riccardo",
    "Roberta",
    "Silvia",
    "Simone",
    "Stefano",
    "Tommaso",
    "Valentina",
    "Valerio",
    "Veronica",
    "Vittoria",
]
LAST = [
    "Barbieri",
    "Benedetti",
    "Bertoni",
    "Bruni",
    "Casadei",
    "Cavazza",
    "Colombo",
    "Costa",
    "De Luca",
    "Fabbri",
    "Fontana",
    "Gallo",
    "Gentili",
    "Grandi",
    "Greco",
    "Lambertini",
    "Lombardi",
    "Longhi",
    "Malaguti",
    "Marchetti",
    "Mazza",
    "Monti",
    "Morandi",
    "Neri",
    "Orlandi",
    "Pellegrini",
    "Ricci",
    "Rinaldi",
    "Santi",
    "Serra",
    "Tampieri",
    "Venturi",
    "Vitali",
    "Zanetti",
    "Zanotti",
]
# City, province region, latitude, longitude: Bologna and around.
PLACES = [
    ("Bologna", 44.4949, 11.3426),
    ("Bologna", 44.5010, 11.3560),
    ("Bologna", 44.4870, 11.3290),
    ("Casalecchio di Reno", 44.4758, 11.2747),
    ("San Lazzaro di Savena", 44.4707, 11.4087),
    ("Castel Maggiore", 44.5770, 11.3600),
    ("Imola", 44.3533, 11.7141),
    ("Zola Predosa", 44.4893, 11.2180),
    ("Budrio", 44.5373, 11.5346),
    ("Pianoro", 44.3887, 11.3424),
    ("Sasso Marconi", 44.3987, 11.2522),
    ("Modena", 44.6471, 10.9252),
    ("Ferrara", 44.8381, 11.6198),
]
OFFER_TAGS = [
    "weddings",
    "b2b",
    "corporate events",
    "tax",
    "websites",
    "social media",
    "renovations",
    "insurance",
    "training",
    "catering",
    "photography",
    "export",
    "real estate",
    "legal advice",
    "logistics",
    "wellness",
    "printing",
    "it support",
]


def _companies(rng: random.Random, last: str, profession: Profession) -> str:
    forms = [
        f"Studio {last}",
        f"{last} & Partners",
        f"{last} Srl",
        f"{profession.name_it} {last}",
        f"{last} Snc",
        f"Officina {last}",
    ]
    return rng.choice(forms)


def exists() -> bool:
    return Group.objects.filter(slug=MARKER_SLUG).exists()


def _user(email: str, password_hash: str, *, staff: bool = False) -> User:
    return User(email=email, password=password_hash, is_staff=staff, is_superuser=staff)


def _profile(
    user: User,
    rng: random.Random,
    name: str,
    profession: Profession,
    company: str,
    *,
    city: tuple[str, float, float],
) -> Profile:
    offers = rng.sample(OFFER_TAGS, 3)
    seeks = rng.sample([t for t in OFFER_TAGS if t not in offers], 2)
    visibility = {}
    # A realistic mix: most keep the defaults, some open up phone or hide their name.
    roll = rng.random()
    if roll < 0.15:
        visibility["phone"] = "groups"
    elif roll < 0.25:
        visibility["display_name"] = "groups"
    elif roll < 0.30:
        visibility["email"] = "connections"
    return Profile(
        user=user,
        display_name=name,
        company=company,
        profession=profession,
        bio=f"{profession.name_en} in {city[0]}.",
        offers=offers,
        seeks=seeks,
        city=city[0],
        region="Emilia-Romagna",
        country="IT",
        latitude=Decimal(str(round(city[1] + rng.uniform(-0.01, 0.01), 6))),
        longitude=Decimal(str(round(city[2] + rng.uniform(-0.01, 0.01), 6))),
        clientele_scope=rng.choice(["local", "local", "regional", "national", "international"]),
        company_size=rng.choice(["solo", "solo", "2-9", "2-9", "10-49", "50-249"]),
        website=f"https://www.{company.lower().replace(' ', '').replace('&', 'e')}.example",
        phone=f"+39051{rng.randint(1000000, 9999999)}",
        visibility=visibility,
    )


def _add(group: Group, users: list[User], *, role: str = Membership.Role.MEMBER) -> None:
    now = timezone.now()
    existing = set(Membership.objects.filter(group=group).values_list("user_id", flat=True))
    Membership.objects.bulk_create(
        [
            Membership(
                group=group,
                user=u,
                status=Membership.Status.ACTIVE,
                standing=Membership.Standing.ACTIVE,
                role=role,
                joined_at=now,
            )
            for u in users
            if u.pk not in existing
        ]
    )


def _set_role(group: Group, user: User, role: str) -> None:
    Membership.objects.filter(group=group, user=user).update(role=role)


@transaction.atomic
def build(out: Any = sys.stderr) -> bool:
    """Build the demo world unless it is there already. Returns True when it built it."""
    if exists():
        out.write("Demo world already there: nothing to do.\n")
        return False
    rng = random.Random(SEED)
    password_hash = make_password(PASSWORD)  # one hash for all: hashing 200 times takes minutes
    professions = {p.code: p for p in Profession.objects.select_related("sphere")}

    out.write("Creating the personas…\n")
    personas: dict[str, User] = {}
    for persona in PERSONAS:
        user = _user(persona.email, password_hash, staff=persona.staff)
        user.save()
        profile = _profile(
            user,
            rng,
            persona.name,
            professions[persona.profession],
            persona.company,
            city=PLACES[0],
        )
        profile.visibility = {}  # the personas keep the privacy-first defaults
        profile.save()
        personas[persona.key] = user

    out.write(f"Creating {MEMBER_COUNT} members…\n")
    members = [_user(f"member{n:03d}@{DOMAIN}", password_hash) for n in range(1, MEMBER_COUNT + 1)]
    User.objects.bulk_create(members)
    members = list(
        User.objects.filter(email__startswith="member", email__endswith=DOMAIN).order_by("email")
    )
    codes = sorted(professions)
    member_profession: dict[int, Profession] = {}
    profiles = []
    for user in members:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        profession = professions[rng.choice(codes)]
        member_profession[user.pk] = profession
        profiles.append(
            _profile(
                user,
                rng,
                f"{first} {last}",
                profession,
                _companies(rng, last, profession),
                city=rng.choice(PLACES),
            )
        )
    Profile.objects.bulk_create(profiles)
    Group.objects.bulk_create(
        [
            Group(
                name=INFORMAL_NETWORK_NAME,
                slug=f"informal-{u.pk}",
                kind=Kind.INFORMAL,
                owner=u,
                visibility="private",
                join_policy="invitation",
            )
            for u in [*personas.values(), *members]
        ]
    )

    out.write("Creating the groups…\n")
    giulia, luca, paolo, sara, maria = (
        personas[k] for k in ("giulia", "luca", "paolo", "sara", "maria")
    )
    chamber = create_group(
        giulia,
        name="Camera di Commercio di Bologna",
        slug=MARKER_SLUG,
        kind=Kind.CHAMBER,
        place="Bologna",
        service_area="Città metropolitana di Bologna",
        description="The chamber of commerce of the metropolitan city of Bologna: "
        "members' directory, members-only events, leads group.",
        visibility="public",
        join_policy="application",
    )
    organisation = create_group(
        luca,
        name="Referral Emilia",
        slug="referral-emilia",
        kind=Kind.LEAD_GROUP,
        place="Emilia-Romagna",
        description="A referral organisation: every chapter follows the same weekly agenda.",
        visibility="public",
        join_policy="application",
    )
    chapter_one = create_group(
        luca,
        name="Referral Emilia – Bologna Centro",
        slug="referral-bologna-centro",
        kind=Kind.LEAD_GROUP,
        parent=organisation,
        place="Bologna",
        description="Chapter one: Tuesdays 07:00–08:30, Via dell'Indipendenza.",
        visibility="public",
        join_policy="application",
    )
    chapter_two = create_group(
        luca,
        name="Referral Emilia – Bologna Fiera",
        slug="referral-bologna-fiera",
        kind=Kind.LEAD_GROUP,
        parent=organisation,
        place="Bologna",
        description="Chapter two: Thursdays 07:00–08:30, near the exhibition centre.",
        visibility="public",
        join_policy="application",
    )
    association = create_group(
        maria,
        name="Donne Imprenditrici Bologna",
        slug="donne-imprenditrici-bologna",
        kind=Kind.ASSOCIATION,
        place="Bologna",
        description="Women entrepreneurs' association: mentoring, overflow between colleagues.",
        visibility="public",
        join_policy="application",
    )
    events = create_group(
        paolo,
        name="Bologna Business Events",
        slug="bologna-business-events",
        kind=Kind.EVENT_NETWORK,
        place="Bologna",
        description="Trade shows, workshops and meetups around Bologna.",
        visibility="public",
        join_policy="open",
    )
    community = create_group(
        sara,
        name="Bologna Digital Makers",
        slug="bologna-digital-makers",
        kind=Kind.ONLINE_COMMUNITY,
        place="Online",
        description="Online community for digital freelancers and small agencies.",
        visibility="public",
        join_policy="open",
    )

    out.write("Filling the groups…\n")
    # Chapters: one member per profession (the persona's professions are taken first).
    pool = list(members)
    rng.shuffle(pool)
    for chapter, size, leader_users in ((chapter_one, 25, [luca, maria]), (chapter_two, 22, [])):
        taken = {personas_profession(u) for u in leader_users}
        seated: list[User] = []
        for user in pool:
            code = member_profession[user.pk].code
            if code in taken:
                continue
            taken.add(code)
            seated.append(user)
            if len(seated) + len(leader_users) >= size:
                break
        pool = [u for u in pool if u not in seated]
        _add(chapter, [*leader_users, *seated])
    # Luca presides chapter one; in chapter two a member is president; Luca runs the organisation.
    _set_role(chapter_one, luca, Membership.Role.PRESIDENT)
    second_president = Membership.objects.filter(group=chapter_two).exclude(user=luca).first()
    if second_president is not None:
        Membership.objects.filter(pk=second_president.pk).update(role=Membership.Role.PRESIDENT)
    Membership.objects.filter(group=chapter_two, user=luca).delete()
    _set_role(organisation, luca, Membership.Role.PRESIDENT)
    # Each chapter member holds the seat of their profession.
    for chapter in (chapter_one, chapter_two):
        seats = list(
            Membership.objects.filter(
                group=chapter, status=Membership.Status.ACTIVE
            ).select_related("user__profile")
        )
        for seat in seats:
            seat.seat_profession_id = seat.user.profile.profession_id
        Membership.objects.bulk_update(seats, ["seat_profession"])
    # An application waiting in chapter two, its objection window open, sponsored by a member.
    chapter_two_seats = set(
        Membership.objects.filter(group=chapter_two, status=Membership.Status.ACTIVE).values_list(
            "seat_profession_id", flat=True
        )
    )
    sponsor = Membership.objects.filter(group=chapter_two, role=Membership.Role.PRESIDENT).first()
    applicant = next(u for u in pool if member_profession[u.pk].pk not in chapter_two_seats)
    if sponsor is not None:
        join_group(
            chapter_two,
            applicant,
            message="I would like to bring my clients to the chapter.",
            sponsor_email=sponsor.user.email,
        )

    _add(chamber, [maria, luca, personas["lapsed"], *members[:90]])
    _add(association, [giulia, *[u for u in members[90:160] if rng.random() < 0.45]])
    _set_role(association, maria, Membership.Role.MEMBER)
    _set_role(association, giulia, Membership.Role.ADMINISTRATOR)
    # A mentoring pair: Giulia mentors Maria.
    set_mentoring_preference(
        association,
        giulia,
        as_mentor=True,
        as_mentee=False,
        topics="Growing a studio, pricing, first employees",
    )
    set_mentoring_preference(association, maria, as_mentor=False, as_mentee=True, topics="Pricing")
    answer_mentoring(
        request_mentoring(association, mentee=maria, mentor=giulia, note="Pricing my packages"),
        actor=giulia,
        accept=True,
    )
    post_job(
        association,
        author=maria,
        title="Second photographer for the 2027 wedding season",
        description="Ten weddings between May and September around Bologna; own gear needed.",
        contact="maria@demo.cerchia.org",
        place="Bologna",
        public=True,
    )
    _add(events, [maria, luca, *members[40:140]])
    _add(community, [maria, *members[100:200]])
    _set_role(community, sara, Membership.Role.MODERATOR)
    _add(community, [paolo])
    Membership.objects.filter(group=community, user=paolo).update(
        role=Membership.Role.ADMINISTRATOR
    )
    # A few people waiting, so reviewers have something to decide.
    for user in members[195:200]:
        Membership.objects.get_or_create(
            group=chamber,
            user=user,
            defaults={
                "status": Membership.Status.APPLIED,
                "message": "We would like to join the chamber.",
            },
        )
    out.write("Billing a year of dues…\n")
    build_dues(
        chamber,
        association,
        [chapter_one, chapter_two],
        personas["lapsed"],
        rng,
        veterans=frozenset(u.pk for key, u in personas.items() if key != "lapsed"),
    )
    out.write("Holding a year of meetings and events…\n")
    build_meetings(
        organisation=organisation,
        chapters=[chapter_one, chapter_two],
        chamber=chamber,
        events=events,
        people=[maria, luca, *members],
        luca=luca,
        giulia=giulia,
        paolo=paolo,
        rng=rng,
    )
    out.write("Writing a year of referrals, deals, one-to-ones and follow-ups…\n")
    build_ledger(
        chapters=[chapter_one, chapter_two],
        chamber=chamber,
        association=association,
        events=events,
        community=community,
        personas=personas,
        rng=rng,
    )
    out.write("Livening up the online community's board…\n")
    build_community(community, personas=personas, rng=random.Random(SEED + 5))
    out.write("Giving Maria her private network of contacts…\n")
    build_contacts(maria=maria, luca=luca, giulia=giulia)
    out.write("Writing who serves which clients, for the matches…\n")
    # Its own random stream, so the data built before it stays as it was.
    build_matching(
        chapter=chapter_one, community=community, personas=personas, rng=random.Random(SEED + 7)
    )
    out.write("Flagging a post, welcoming a newcomer, blocking a pest…\n")
    build_safety(community=community, personas=personas)
    record(None, "demo.world.built", chamber, {"members": MEMBER_COUNT, "seed": SEED})
    out.write("Demo world ready.\n")
    return True


def personas_profession(user: User) -> str:
    return Profile.objects.get(user=user).profession.code  # type: ignore[union-attr]


def logins() -> list[tuple[str, str, str]]:
    rows = [(p.email, PASSWORD, p.story) for p in PERSONAS]
    rows.append(
        (f"member001@{DOMAIN} … member{MEMBER_COUNT:03d}@{DOMAIN}", PASSWORD, "Generated members")
    )
    return rows
