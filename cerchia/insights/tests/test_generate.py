"""``cerchia generate``: a tiny organisation (2 chapters × 4 members × 3 weeks), on SQLite and
on PostgreSQL (run with DATABASE_URL), with exact counts, every reference pointing at a real
row, rollups equal to a rebuild, the same rows for the same seed, and refusals."""

from __future__ import annotations

import datetime
import io
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction

from cerchia.accounts.models import Profile, User
from cerchia.audit.models import AuditEntry
from cerchia.groups.models import Group, Membership
from cerchia.insights.generate import WRITTEN, GenerateError, Plan, generate
from cerchia.ledger import automatic, rollups
from cerchia.ledger.models import (
    ClosedBusiness,
    Connection,
    Credit,
    Investment,
    OneToOne,
    Referral,
    Rollup,
)
from cerchia.meetings.models import Attendance, Meeting, Registration, Visitor

UNTIL = "2026-11-27"  # a Friday
TINY = ["--chapters", "2", "--members-per-chapter", "4", "--weeks", "3"]

pytestmark = pytest.mark.django_db


def run(*args: str, seed: int = 7) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "generate", *TINY, "--seed", str(seed), "--until", UNTIL, *args, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def generated(seed: int = 7) -> models.QuerySet[Group]:
    return Group.objects.filter(slug__startswith=f"gen-{seed}-")


def dump(seed: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every generated row of ``seed`` by natural keys (emails, slugs, times), not ids."""
    chapters = generated(seed)
    people = User.objects.filter(email__startswith=f"gen{seed}-")

    def rows(qs: models.QuerySet[Any], *fields: str) -> list[tuple[Any, ...]]:
        return sorted(qs.values_list(*fields), key=repr)

    meeting = ("meeting__group__slug", "meeting__starts_at")
    return {
        "users": rows(people, "email", "password", "date_joined"),
        "profiles": rows(
            Profile.objects.filter(user__in=people),
            "user__email",
            "display_name",
            "company",
            "profession__code",
            "city",
            "region",
            "latitude",
            "longitude",
            "clientele_scope",
            "company_size",
        ),  # fmt: skip
        "groups": rows(
            Group.objects.filter(slug__startswith=f"gen-{seed}"),
            "slug",
            "name",
            "kind",
            "parent__slug",
            "place",
            "created_at",
        ),  # fmt: skip
        "informal": rows(Group.objects.filter(owner__in=people), "owner__email", "kind", "name"),
        "memberships": rows(
            Membership.objects.filter(user__in=people),
            "group__slug",
            "user__email",
            "role",
            "status",
            "seat_profession__code",
            "joined_at",
        ),  # fmt: skip
        "meetings": rows(
            Meeting.objects.filter(group__in=chapters), "group__slug", "starts_at", "ends_at"
        ),
        "attendance": rows(
            Attendance.objects.filter(meeting__group__in=chapters),
            *meeting,
            "user__email",
            "status",
        ),
        "investments": rows(
            Investment.objects.filter(user__in=people),
            "user__email",
            "group__slug",
            "kind",
            "amount_minor",
            "currency",
            "hours",
            "spent_on",
            "automatic",
            "attendance__meeting__starts_at",
        ),  # fmt: skip
        "referrals": rows(
            Referral.objects.filter(group__in=chapters),
            "group__slug",
            "giver__email",
            "receiver__email",
            "kind",
            "prospect_name",
            "temperature",
            "status",
            "given_on",
        ),  # fmt: skip
        "closed": rows(
            ClosedBusiness.objects.filter(group__in=chapters),
            "referral__giver__email",
            "referral__prospect_name",
            "giver__email",
            "receiver__email",
            "amount_minor",
            "currency",
            "kind",
            "closed_on",
        ),  # fmt: skip
        "one_to_ones": rows(
            OneToOne.objects.filter(group__in=chapters),
            "proposer__email",
            "partner__email",
            "status",
            "held_on",
        ),  # fmt: skip
        "credits": rows(
            Credit.objects.filter(group__in=chapters), "user__email", "kind", "earned_on"
        ),
        "visitors": rows(
            Registration.objects.filter(meeting__group__in=chapters),
            *meeting,
            "visitor__name",
            "visitor__email",
            "registered_by__email",
            "code",
            "checked_in_at",
        ),  # fmt: skip
        "connections": rows(
            Connection.objects.filter(group__in=chapters),
            "owner__email",
            "name",
            "met_on",
            "follow_up_due",
            "followed_up_on",
        ),  # fmt: skip
        "rollups": rows(
            Rollup.objects.filter(group__in=chapters),
            "user__email",
            "group__slug",
            "month",
            "currency",
            "referrals_given",
            "referrals_received",
            "closed_received_minor",
            "attended",
            "absent",
            "hours",
            "visitors_brought",
            "education",
            "testimonials",
            "one_to_ones",
            "connections",
            "follow_ups_done",
            "money_minor",
        ),  # fmt: skip
    }


def generate_and_forget(seed: int, chapters: int = 2) -> dict[str, list[tuple[Any, ...]]]:
    """Generate ``seed`` in a transaction that is rolled back afterwards: as if in another,
    empty database."""
    with transaction.atomic():
        call_command(
            "generate", "--chapters", str(chapters), "--members-per-chapter", "4", "--weeks",
            "3", "--seed", str(seed), "--until", UNTIL, stdout=io.StringIO(),
            stderr=io.StringIO(),
        )  # fmt: skip
        found = dump(seed)
        transaction.set_rollback(True)
    return found


def dangling_references() -> list[str]:
    """Foreign keys of the written tables that point at no row (PostgreSQL loads without its
    per-row checks, so the test looks)."""
    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for model in WRITTEN:
            for f in model._meta.concrete_fields:
                if not isinstance(f, models.ForeignKey):
                    continue
                target = f.related_model._meta  # type: ignore[union-attr]
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} c "  # noqa: S608
                    f"WHERE c.{quote(f.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                    f"{quote(target.db_table)} p WHERE p.{quote(target.pk.column)} = "
                    f"c.{quote(f.column)})"
                )
                if cursor.fetchone()[0]:
                    found.append(f"{model._meta.label}.{f.name}")
    return found


def test_tiny_organisation_has_exact_counts_and_real_references() -> None:
    out, err = run()
    until = datetime.date.fromisoformat(UNTIL)
    people = User.objects.filter(email__startswith="gen7-")
    chapters = generated()
    organisation = Group.objects.get(slug="gen-7")

    assert organisation.kind == "lead_group" and organisation.parent is None
    assert sorted(chapters.values_list("slug", flat=True)) == ["gen-7-1", "gen-7-2"]
    assert all(c.parent_id == organisation.pk and c.kind == "lead_group" for c in chapters)
    assert sorted(people.values_list("email", flat=True)) == [
        f"gen7-{i}@example.invalid" for i in range(1, 9)
    ]
    assert not any(user.has_usable_password() for user in people)
    # What register_user gives each account: a card, an informal network, two audit entries.
    assert Profile.objects.filter(user__in=people).count() == 8
    informal = Group.objects.filter(kind="informal", owner__in=people)
    assert sorted(informal.values_list("slug", flat=True)) == sorted(
        f"informal-{pk}" for pk in people.values_list("pk", flat=True)
    )
    actions = Counter(AuditEntry.objects.filter(actor__in=people).values_list("action", flat=True))
    assert actions == {"accounts.user.registered": 8, "groups.informal.created": 8}
    assert AuditEntry.objects.filter(action="insights.generated").count() == 1
    # Four active members per chapter, one president each, one seat per profession.
    for chapter in chapters:
        members = Membership.objects.filter(group=chapter, status="active")
        assert members.count() == 4
        assert members.filter(role="president").count() == 1
        assert (
            members.exclude(seat_profession=None).values("seat_profession").distinct().count() == 4
        )
    assert Membership.objects.get(group=organisation).role == "administrator"

    # Three weekly meetings per chapter at 07:00 in Rome, the last on or before --until.
    rome = ZoneInfo("Europe/Rome")
    for chapter in chapters:
        starts = [m.starts_at.astimezone(rome) for m in Meeting.objects.filter(group=chapter)]
        assert len(starts) == 3
        assert all(s.time() == datetime.time(7) for s in starts)
        assert [(b - a).days for a, b in zip(starts, starts[1:], strict=False)] == [7, 7]
        assert until - datetime.timedelta(days=6) <= starts[-1].date() <= until

    attendance = Attendance.objects.filter(meeting__group__in=chapters)
    assert attendance.count() == 2 * 4 * 3
    attended = attendance.filter(status__in=["present", "late"])
    hours = Investment.objects.filter(kind="meeting_hours", attendance__in=attended)
    assert (
        hours.count() == attended.count() == Investment.objects.filter(kind="meeting_hours").count()
    )
    assert Investment.objects.filter(kind="dues", user__in=people).count() == 8
    # The ledger is what the services would have written: nothing for backfill to add.
    assert automatic.backfill() == {"payments": 0, "tickets": 0, "hours": 0}

    referrals = Referral.objects.filter(group__in=chapters).select_related("group")
    assert referrals.exists()
    homes = dict(Membership.objects.filter(group__in=chapters).values_list("user_id", "group_id"))
    for referral in referrals:
        assert referral.receiver_id != referral.giver_id
        assert homes[referral.giver_id] == homes[referral.receiver_id] == referral.group_id
    won = referrals.filter(status="won")
    closed = ClosedBusiness.objects.filter(group__in=chapters)
    assert closed.count() == won.count()
    for deal in closed.select_related("referral"):
        assert deal.referral.status == "won"
        assert (deal.giver_id, deal.receiver_id) == (
            deal.referral.giver_id,
            deal.referral.receiver_id,
        )
        assert deal.currency == "EUR" and deal.amount_minor > 0
        assert deal.referral.given_on <= deal.closed_on <= until
    visits = Registration.objects.filter(meeting__group__in=chapters)
    assert visits.count() == Visitor.objects.filter(group__in=chapters).count()
    assert visits.count() == Connection.objects.filter(group__in=chapters).count()
    assert not visits.filter(checked_in_at=None).exists()
    assert not OneToOne.objects.filter(group__in=chapters).exclude(status="held").exists()
    assert dangling_references() == []

    # stdout: the summary and the rows per table, matching the database; stderr: progress.
    lines = out.splitlines()
    assert lines[0].startswith("Generated gen-7 (Generated organisation 7): 2 chapters")
    reported = dict(line.split("\t") for line in lines[1:])
    assert reported == {
        "accounts.Profile": "8",
        "accounts.User": "8",
        "audit.AuditEntry": "17",
        "groups.Group": str(1 + 2 + 8),
        "groups.Membership": "9",
        "ledger.ClosedBusiness": str(closed.count()),
        "ledger.Connection": str(visits.count()),
        "ledger.Credit": str(Credit.objects.filter(group__in=chapters).count()),
        "ledger.Investment": str(hours.count() + 8),
        "ledger.OneToOne": str(OneToOne.objects.filter(group__in=chapters).count()),
        "ledger.Referral": str(referrals.count()),
        "ledger.Rollup": str(Rollup.objects.filter(group__in=chapters).count()),
        # Three weeks of November: nothing in the six months before it.
        "ledger.SixMonthRollup": "0",
        "meetings.Attendance": "24",
        "meetings.Meeting": "6",
        "meetings.Registration": str(visits.count()),
        "meetings.Visitor": str(visits.count()),
    }
    assert "week 3/3" in err and "monthly rollups" in err


def test_rollups_equal_a_rebuild_beside_other_data(cast: Any) -> None:
    run(seed=7)
    run(seed=8)  # a second organisation must not count twice in the first one's rows
    before = rollups.snapshot()
    assert len(before) >= 16  # 16 members, each with at least one month
    rollups.rebuild()
    assert rollups.snapshot() == before
    assert not Rollup.objects.filter(group=cast.group).exists()


def test_the_organisation_views_six_month_window_is_built_with_the_rows(cast: Any) -> None:
    from cerchia.insights.lights import organisation_window
    from cerchia.ledger.tests.test_six_month_rollup import expected

    out = io.StringIO()
    call_command(
        "generate", "--chapters", "1", "--members-per-chapter", "3", "--weeks", "30",
        "--seed", "9", "--until", UNTIL, stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    start = organisation_window(datetime.date.fromisoformat(UNTIL)).start
    assert rollups.window_built(start)
    rows = rollups.window_snapshot(start)
    assert len(rows) == 3 and rows == expected(start)
    assert f"ledger.SixMonthRollup\t{len(rows)}" in out.getvalue()
    rollups.refill_windows()
    assert rollups.window_snapshot(start) == rows


def test_same_seed_gives_the_same_rows_and_another_seed_does_not() -> None:
    first = generate_and_forget(7)
    assert first == generate_and_forget(7)
    assert all(first[table] for table in first), [t for t in first if not first[t]]
    other = generate_and_forget(8)
    assert other["referrals"] != [
        tuple(str(cell).replace("gen7-", "gen8-").replace("gen-7", "gen-8") for cell in row)
        for row in first["referrals"]
    ]


def test_a_chapter_is_the_same_whatever_the_number_of_chapters() -> None:
    def chapter_one(found: dict[str, list[tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
        return [row for row in found["referrals"] if row[0] == "gen-9-1"]

    small, large = generate_and_forget(9, chapters=1), generate_and_forget(9, chapters=2)
    assert chapter_one(small) and chapter_one(small) == chapter_one(large)
    assert small["attendance"] == [row for row in large["attendance"] if row[0] == "gen-9-1"]


def test_refuses_a_second_run_with_the_same_seed() -> None:
    run(seed=7)
    counts = (User.objects.count(), Group.objects.count(), Referral.objects.count())
    with pytest.raises(CommandError, match="Seed 7 was generated here already"):
        run(seed=7)
    assert (User.objects.count(), Group.objects.count(), Referral.objects.count()) == counts
    with pytest.raises(GenerateError):
        generate(Plan(chapters=1, members=2, weeks=1, seed=7, until=datetime.date(2026, 1, 1)))


def sizes(chapters: int = 2, members: int = 4, weeks: int = 3, seed: str = "1") -> list[str]:
    return [
        "--chapters", str(chapters), "--members-per-chapter", str(members), "--weeks", str(weeks),
        "--seed", seed,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (sizes(chapters=0), "--chapters"),
        (sizes(members=1), "--members-per-chapter"),
        (sizes(weeks=0), "--weeks"),
        (sizes(seed="-1"), "--seed"),
        (sizes(seed="1000000"), "--seed"),
        ([*sizes(), "--until", "next friday"], "--until"),
        (sizes(seed="one"), "invalid int value"),
        (TINY, "--seed"),
        ([*sizes(), "--organisation", "x" * 161], "--organisation"),
    ],
)
def test_bad_arguments_are_refused_and_write_nothing(args: list[str], message: str) -> None:
    users = User.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("generate", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert User.objects.count() == users
    assert not Group.objects.filter(slug__startswith="gen-1").exists()


@time_machine.travel(datetime.datetime(2026, 3, 4, 12, tzinfo=datetime.UTC))
def test_until_defaults_to_today_and_the_name_to_the_seed() -> None:
    call_command(
        "generate", "--chapters", "1", "--members-per-chapter", "2", "--weeks", "2", "--seed",
        "3", "--organisation", "  Rete Lombarda ", stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    assert Group.objects.get(slug="gen-3").name == "Rete Lombarda"
    last = Meeting.objects.filter(group__slug="gen-3-1").latest("starts_at").starts_at
    # Chapter one meets on Mondays: the Monday before Wednesday 4 March.
    assert last.astimezone(ZoneInfo("Europe/Rome")).date() == datetime.date(2026, 3, 2)
