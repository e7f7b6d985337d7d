"""The demo world: personas, 200 members, groups of every kind, built once and only once."""

from __future__ import annotations

import datetime
import io
from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from cerchia.accounts.models import Profile, User
from cerchia.audit.models import AuditEntry
from cerchia.demo import builder
from cerchia.dues.models import Invoice, Tier
from cerchia.groups.models import Group, Membership
from cerchia.meetings.models import Attendance, Meeting, Registration, Series

# Every test here uses the database, so pytest-django keeps them together and ahead of the
# transactional tests (whose flush would empty the profession table the builder needs).
pytestmark = pytest.mark.django_db

PERSONAS = ["maria", "luca", "giulia", "paolo", "sara", "admin"]
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[str]:
    """Build the world once for the module, inside a transaction rolled back at the end."""
    out = io.StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        assert builder.build(out=out) is True
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(world, db) -> dict[str, User]:
    return {key: User.objects.get(email=f"{key}@demo.cerchia.org") for key in PERSONAS}


def group(slug: str) -> Group:
    return Group.objects.get(slug=slug)


def role_of(user: User, slug: str) -> str:
    membership = Membership.objects.get(group__slug=slug, user=user)
    assert membership.status == "active"
    return membership.role


def test_build_reports_its_progress(world):
    assert world.startswith("Creating the personas")
    assert world.rstrip().endswith("Demo world ready.")


def test_personas_sign_in_with_the_demo_password(demo):
    for key, user in demo.items():
        assert user.check_password("cerchia-demo"), key
        assert not user.check_password("wrong"), key
        assert user.is_active
        assert Profile.objects.get(user=user).display_name
    assert demo["admin"].is_staff
    assert demo["admin"].is_superuser
    assert not any(demo[k].is_staff for k in PERSONAS if k != "admin")


def test_personas_keep_the_privacy_first_defaults(demo):
    for user in demo.values():
        assert Profile.objects.get(user=user).visibility == {}


def test_at_least_200_generated_members_who_can_sign_in(demo):
    members = User.objects.filter(email__regex=r"^member\d{3}@demo\.cerchia\.org$")

    assert members.count() >= 200
    assert members.get(email="member001@demo.cerchia.org").check_password("cerchia-demo")
    assert members.get(email="member200@demo.cerchia.org").check_password("cerchia-demo")
    assert Profile.objects.filter(user__in=members, profession__isnull=False).count() >= 200
    phones = Profile.objects.filter(user__in=members).values_list("phone", flat=True)
    assert all(phone.startswith("+39051") for phone in phones)


def test_everyone_has_exactly_one_informal_network(demo):
    users = User.objects.filter(email__endswith="@demo.cerchia.org")
    counts = Counter(Group.objects.filter(kind="informal").values_list("owner_id", flat=True))

    assert {u.pk: counts[u.pk] for u in users} == dict.fromkeys(
        users.values_list("pk", flat=True), 1
    )


def test_the_groups_of_every_kind(demo):
    assert group("camera-commercio-bologna").kind == "chamber"
    organisation = group("referral-emilia")
    assert organisation.kind == "lead_group"
    chapters = Group.objects.filter(parent=organisation)
    assert set(chapters.values_list("slug", flat=True)) == {
        "referral-bologna-centro",
        "referral-bologna-fiera",
    }
    assert set(chapters.values_list("kind", flat=True)) == {"lead_group"}
    association = group("donne-imprenditrici-bologna")
    assert association.kind == "association"
    assert "women entrepreneurs" in association.description.lower()
    assert group("bologna-business-events").kind == "event_network"
    assert group("bologna-digital-makers").kind == "online_community"


@pytest.mark.parametrize("slug", ["referral-bologna-centro", "referral-bologna-fiera"])
def test_chapters_have_20_to_30_members_and_one_per_profession(demo, slug):
    active = Membership.objects.active().filter(group__slug=slug).select_related("user__profile")

    assert 20 <= active.count() <= 30
    professions = Counter(m.user.profile.profession_id for m in active)
    assert None not in professions
    assert professions.most_common(1)[0][1] == 1
    assert active.filter(role="president").count() == 1


def test_persona_roles(demo):
    maria, luca, giulia, paolo, sara = (demo[k] for k in PERSONAS[:5])

    for slug in (
        "camera-commercio-bologna",
        "referral-bologna-centro",
        "donne-imprenditrici-bologna",
        "bologna-digital-makers",
    ):
        assert role_of(maria, slug) == "member", slug
    assert role_of(luca, "referral-bologna-centro") == "president"
    assert not Membership.objects.filter(group__slug="referral-bologna-fiera", user=luca).exists()
    assert role_of(giulia, "camera-commercio-bologna") == "administrator"
    assert role_of(paolo, "bologna-business-events") == "administrator"
    assert role_of(sara, "bologna-digital-makers") == "moderator"


def test_the_chamber_has_applicants_waiting(demo):
    waiting = Membership.objects.filter(group__slug="camera-commercio-bologna", status="applied")

    assert waiting.count() == 5


def test_the_build_is_audited(demo):
    entry = AuditEntry.objects.get(action="demo.world.built")

    assert entry.target_id == str(group("camera-commercio-bologna").pk)
    assert entry.data["members"] == 200


def test_building_again_creates_nothing(demo):
    def counts() -> dict[str, int]:
        return {
            "users": User.objects.count(),
            "profiles": Profile.objects.count(),
            "groups": Group.objects.count(),
            "memberships": Membership.objects.count(),
            "audit": AuditEntry.objects.count(),
        }

    before = counts()
    out = io.StringIO()

    assert builder.build(out=out) is False

    assert counts() == before
    assert "already there" in out.getvalue()


def test_seed_demo_command_is_idempotent_and_prints_the_logins(demo, capsys):
    from django.core.management import call_command

    users = User.objects.count()

    call_command("seed_demo")

    out = capsys.readouterr().out
    assert User.objects.count() == users
    assert "cerchia-demo" in out
    for key in PERSONAS:
        assert f"{key}@demo.cerchia.org" in out


def test_the_chamber_offers_tiers_with_basic_and_enhanced_listings(demo):
    tiers = Tier.objects.filter(group__slug="camera-commercio-bologna")

    assert set(tiers.values_list("name", flat=True)) == {"Individual", "Business", "Corporate"}
    assert set(tiers.values_list("listing", flat=True)) == {"basic", "enhanced"}
    assert set(tiers.values_list("term", flat=True)) == {"rolling", "fixed"}


def test_a_year_of_dues_history_with_renewals_grace_and_lapses(demo):
    today = timezone.localdate()
    chamber = Membership.objects.filter(group__slug="camera-commercio-bologna")
    standings = Counter(m.standing_on(today) for m in chamber.select_related("group"))

    assert standings["active"] >= 50
    assert standings["grace"] >= 3
    assert standings["lapsed"] >= 3
    assert standings["resigned"] >= 5
    # The stored standing is what the engine says today.
    assert all(m.standing == m.standing_on(today) for m in chamber.select_related("group"))
    # Renewed: members with two or more paid dues periods.
    renewed = (
        Invoice.objects.filter(group__slug="camera-commercio-bologna", kind="dues", status="paid")
        .values("membership")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
    )
    assert renewed.count() >= 10
    oldest = Invoice.objects.filter(group__slug="camera-commercio-bologna").order_by("issued_on")
    assert oldest.first().issued_on <= today - datetime.timedelta(days=365)
    # Every paid invoice has its payment, for its full amount.
    for invoice in Invoice.objects.filter(status="paid").prefetch_related("payments")[:50]:
        assert sum(p.amount_minor for p in invoice.payments.all()) == invoice.amount_minor


def test_the_lapsed_persona_is_lapsed_in_the_chamber(demo):
    lapsed = User.objects.get(email="lapsed@demo.cerchia.org")
    membership = Membership.objects.get(group__slug="camera-commercio-bologna", user=lapsed)

    assert membership.status == "active"
    assert membership.standing == "lapsed"
    assert not membership.in_good_standing
    assert membership.invoices.filter(status="issued", kind="dues").exists()
    assert ("lapsed@demo.cerchia.org", builder.PASSWORD) in [
        (email, password) for email, password, _story in builder.logins()
    ]


def test_chapter_two_has_an_application_with_its_objection_window_open(demo):
    application = Membership.objects.get(group__slug="referral-bologna-fiera", status="applied")

    assert application.sponsor is not None
    assert application.objection_window_open


def test_both_chapters_met_weekly_for_a_year_with_attendance(demo):
    now = timezone.now()
    for slug in ("referral-bologna-centro", "referral-bologna-fiera"):
        past = Meeting.objects.filter(group__slug=slug, starts_at__lt=now)
        assert 50 <= past.count() <= 53, slug
        assert Meeting.objects.filter(group__slug=slug, starts_at__gt=now).exists()
        assert Series.objects.filter(group__slug=slug, rrule__startswith="FREQ=WEEKLY").count() == 1
        statuses = Counter(
            Attendance.objects.filter(meeting__group__slug=slug).values_list("status", flat=True)
        )
        assert statuses["present"] > 10 * statuses["absent"] > 0
        assert statuses["substitute"] and statuses["late"]


def test_a_few_chapter_members_are_near_the_absence_limit(demo):
    since = timezone.now() - datetime.timedelta(weeks=26)
    near = (
        Attendance.objects.filter(
            meeting__group__slug="referral-bologna-centro",
            meeting__starts_at__gte=since,
            status="absent",
        )
        .values("user")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
    )
    assert near.count() >= 2


def test_chapter_one_has_visitors_and_one_at_the_limit(demo):
    visits = Counter(
        Registration.objects.filter(
            meeting__group__slug="referral-bologna-centro", visitor__isnull=False
        ).values_list("visitor__email", flat=True)
    )
    assert len(visits) >= 3
    assert max(visits.values()) == 2  # the lead group's limit


def test_events_a_mixer_a_trade_show_a_full_workshop_and_a_meetup(demo):
    show = Meeting.objects.get(kind="trade_show")
    registered = show.registrations.filter(status="registered")
    assert registered.count() == 300
    assert registered.filter(checked_in_at__isnull=False).count() >= 200
    assert registered.values("seat").distinct().count() == 300
    workshop = Meeting.objects.get(kind="workshop")
    assert workshop.registrations.filter(status="registered").count() == workshop.capacity
    assert workshop.registrations.filter(status="waitlisted").exists()
    mixer = Meeting.objects.get(kind="mixer", group__slug="camera-commercio-bologna")
    assert mixer.members_only and mixer.registrations.count() > 0
    assert Meeting.objects.filter(kind="meetup", starts_at__gt=timezone.now()).exists()
    # The organisation's agenda is there for both chapters.
    assert group("referral-emilia").agenda.segments.count() >= 8
