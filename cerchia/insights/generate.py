"""A synthetic organisation for benchmarks and load tests: ``cerchia generate``.

One lead-group organisation with ``chapters`` chapters of ``members`` active members each, and
``weeks`` weekly meetings per chapter ending on or before ``until``: attendance, the meeting
hours and yearly dues members invest, referrals (about one per member per week, receivers in
the same chapter, 30% won with closed business in the group's currency), one-to-ones held,
education units and testimonials, visitors brought (checked in, with the connection their host
records), and finally the monthly rollup rows, computed by one ``INSERT ... SELECT ... GROUP
BY`` so that they equal what ``cerchia.ledger.rollups.rebuild()`` produces.

Rows are made in Python from a random generator seeded per (seed, chapter), so a chapter's
data depends on the seed, its number, the sizes and ``until`` only: the same arguments give the
same rows on SQLite and PostgreSQL, and chapter 7 is the same whether 10 or 10,000 chapters are
generated (the benchmarks compare databases of different sizes on the same members). They are
made week after week across all chapters, so the tables are in time order as real inserts
would leave them (a member's rows spread over the table, not packed together), and written in
bulk: binary ``COPY`` on PostgreSQL, ``executemany`` in large batches on SQLite, with the
primary keys of referenced rows assigned here from a block reserved under a table lock. Every
write happens in one transaction: a failure leaves nothing behind.

Not generated: referral history steps, notices, invoices and payments (dues are a plain
investment entry), API tokens."""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, models, transaction

from cerchia.accounts.models import Profession, Profile, User
from cerchia.audit.models import AuditEntry
from cerchia.groups.kinds import GroupVisibility, JoinPolicy, Kind, rules_for
from cerchia.groups.models import INFORMAL_NETWORK_NAME, Group, Membership
from cerchia.insights.lights import organisation_window
from cerchia.ledger.models import (
    ROLLUP_COUNTERS,
    ClosedBusiness,
    Connection,
    Credit,
    Investment,
    OneToOne,
    Referral,
    Rollup,
    SixMonthRollup,
    SixMonthWindow,
)
from cerchia.ledger.rollups import build_window, refill_windows
from cerchia.meetings.models import Attendance, Meeting, Registration, Visitor

MAX_SEED = 999_999
MAX_MEMBERS = 500
MAX_WEEKS = 520
CURRENCY = "EUR"
TIME_ZONE = "Europe/Rome"
MEETING_TITLE = "Weekly meeting"
MEETING_MINUTES = 90
MEETING_HOURS = Decimal("1.50")
# Never a valid hash: nobody signs in as a generated member (as ``make_password(None)``, but
# the same every time, so two runs give the same rows).
PASSWORD = UNUSABLE_PASSWORD_PREFIX + "generated"
# Rows held in Python before a round of COPY statements.
ROWS_PER_FLUSH = 500_000

FIRST_NAMES = (
    "Alessandro", "Alice", "Andrea", "Anna", "Beatrice", "Carlo", "Chiara", "Davide", "Elena",
    "Federica", "Francesco", "Giulia", "Giorgio", "Ilaria", "Luca", "Marco", "Maria", "Martina",
    "Matteo", "Paola", "Pietro", "Roberta", "Sara", "Stefano", "Valentina",
)  # fmt: skip
LAST_NAMES = (
    "Bianchi", "Bruno", "Colombo", "Conti", "Costa", "De Luca", "Esposito", "Ferrari", "Fontana",
    "Gallo", "Giordano", "Greco", "Lombardi", "Mancini", "Marino", "Moretti", "Ricci", "Rizzo",
    "Romano", "Rossi", "Russo", "Santoro", "Villa",
)  # fmt: skip
# (city, region, latitude, longitude): where chapters meet; members mostly live nearby.
CITIES = (
    ("Milano", "Lombardia", "45.464200", "9.190000"),
    ("Roma", "Lazio", "41.902800", "12.496400"),
    ("Torino", "Piemonte", "45.070300", "7.686900"),
    ("Bologna", "Emilia-Romagna", "44.494900", "11.342600"),
    ("Firenze", "Toscana", "43.769600", "11.255800"),
    ("Napoli", "Campania", "40.851800", "14.268100"),
    ("Verona", "Veneto", "45.438400", "10.991600"),
    ("Bari", "Puglia", "41.117100", "16.871900"),
    ("Genova", "Liguria", "44.405600", "8.946300"),
    ("Padova", "Veneto", "45.406400", "11.876800"),
    ("Brescia", "Lombardia", "45.541600", "10.211800"),
    ("Palermo", "Sicilia", "38.115700", "13.361500"),
)
CLIENTELE = ("local", "local", "regional", "regional", "national", "international")
COMPANY_SIZES = ("solo", "solo", "2-9", "2-9", "10-49")
# Weighted draws as (value, cumulative share) pairs: what a referral still open is at, and
# the kind of referral.
OPEN_STATUSES = (("given", 0.15), ("contacted", 0.35), ("meeting", 0.55), ("proposal", 0.7),
                 ("lost", 1.0))  # fmt: skip
REFERRAL_KINDS = (("outside", 0.55), ("inside", 0.9), ("overflow", 1.0))


class GenerateError(Exception):
    """The generator cannot run with these arguments or on this database."""


@dataclass(frozen=True)
class Plan:
    """What to generate. ``until``: the last meeting is on or before this day."""

    chapters: int
    members: int
    weeks: int
    seed: int
    until: datetime.date
    organisation: str = ""

    @property
    def organisation_name(self) -> str:
        return self.organisation.strip() or f"Generated organisation {self.seed}"

    @property
    def organisation_slug(self) -> str:
        return f"gen-{self.seed}"

    def chapter_slug(self, number: int) -> str:
        return f"gen-{self.seed}-{number}"

    def email(self, number: int) -> str:
        return f"gen{self.seed}-{number}@example.invalid"

    def check(self) -> None:
        if not 1 <= self.chapters <= 1_000_000:
            raise GenerateError("--chapters must be between 1 and 1,000,000")
        if not 2 <= self.members <= MAX_MEMBERS:
            raise GenerateError(
                f"--members-per-chapter must be between 2 and {MAX_MEMBERS} "
                "(referrals go to another member of the chapter)"
            )
        if not 1 <= self.weeks <= MAX_WEEKS:
            raise GenerateError(f"--weeks must be between 1 and {MAX_WEEKS}")
        if not 0 <= self.seed <= MAX_SEED:
            raise GenerateError(f"--seed must be between 0 and {MAX_SEED}")
        if len(self.organisation_name) > 160:
            raise GenerateError("--organisation may have at most 160 characters")


# --- writing rows in bulk -------------------------------------------------------------------


class Table:
    """The rows of one model: ``columns`` vary per row (attnames, in the order the rows give
    them); every other column gets one value for all rows (``fixed``, else the field's
    default). The primary key is written only when it is among ``columns``."""

    def __init__(
        self, model: type[models.Model], columns: Sequence[str], fixed: dict[str, Any] | None = None
    ) -> None:
        fixed = fixed or {}
        self.model = model
        self.name = model._meta.db_table
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        pk = model._meta.pk
        assert pk is not None
        unknown = (set(columns) | set(fixed)) - set(by_attname)
        if unknown:
            raise GenerateError(f"{self.name} has no column {sorted(unknown)[0]}")
        rest = [f for f in model._meta.concrete_fields if f.attname not in columns and f is not pk]
        for f in rest:
            # Text columns default to ""; a required column of another type must be given.
            value = fixed[f.attname] if f.attname in fixed else f.get_default()
            if value is None and not f.null:
                raise GenerateError(f"{self.name}.{f.attname} needs a value")
        self.fields = [by_attname[c] for c in columns] + rest
        self.fixed = tuple(
            f.get_db_prep_save(
                fixed[f.attname] if f.attname in fixed else f.get_default(), connection
            )
            for f in rest
        )
        self.columns = [f.column for f in self.fields]
        self.varying = len(columns)


class Writer:
    """Appends rows to tables: COPY on PostgreSQL, executemany in batches on SQLite."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.counts: dict[str, int] = {}

    def _prepare(self, table: Table) -> list[Callable[[Any], Any] | None]:
        """Per varying column, how a Python value becomes a parameter (None: as it is)."""
        out: list[Callable[[Any], Any] | None] = []
        for f in table.fields[: table.varying]:
            needs = isinstance(f, models.JSONField) or (
                self.vendor != "postgresql"
                and isinstance(f, models.DateField | models.DecimalField)  # DateTimeField too
            )
            out.append(_prep_of(f) if needs else None)
        return out

    def _types(self, table: Table) -> list[int]:
        """The type of each column, for binary COPY (psycopg then picks its C dumpers once)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [connection.ops.quote_name(table.name)],
            )
            types = dict(cursor.fetchall())
        return [types[column] for column in table.columns]

    def write(self, table: Table, rows: Iterable[tuple[Any, ...]]) -> int:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in table.columns)
        prepare = self._prepare(table)
        if any(p is not None for p in prepare):
            rows = _converted(rows, prepare)
        fixed = table.fixed
        count = 0
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                types = self._types(table)
                sql = f"COPY {quote(table.name)} ({columns}) FROM STDIN (FORMAT BINARY)"
                with cursor.cursor.copy(sql) as copy:
                    copy.set_types(types)
                    write = copy.write_row
                    for row in rows:
                        write(row + fixed)
                        count += 1
            else:
                marks = ", ".join(["%s"] * len(table.columns))
                sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608
                for chunk in _chunks(rows, 20_000):
                    cursor.executemany(sql, [row + fixed for row in chunk])
                    count += len(chunk)
        self.counts[table.model._meta.label] = self.counts.get(table.model._meta.label, 0) + count
        return count

    def write_raw(self, name: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """Rows of a scratch table of our own (text and numbers only)."""
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
                for chunk in _chunks(rows, 20_000):
                    cursor.executemany(sql, chunk)


def _prep_of(f: models.Field) -> Callable[[Any], Any]:
    def prep(value: Any) -> Any:
        return f.get_db_prep_save(value, connection)

    return prep


def _converted(
    rows: Iterable[tuple[Any, ...]], prepare: list[Callable[[Any], Any] | None]
) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        yield tuple(
            value if p is None else p(value) for value, p in zip(row, prepare, strict=False)
        )


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


# --- primary keys ---------------------------------------------------------------------------

# Models whose rows other generated rows point to: their keys are assigned here.
KEYED: tuple[type[models.Model], ...] = (User, Group, Meeting, Attendance, Referral, Visitor)
# Every model written, locked against other writers for the transaction (PostgreSQL).
WRITTEN: tuple[type[models.Model], ...] = (
    *KEYED,
    Profile,
    AuditEntry,
    Membership,
    Investment,
    ClosedBusiness,
    OneToOne,
    Credit,
    Registration,
    Connection,
    Rollup,
    SixMonthWindow,
    SixMonthRollup,
)


def _lock_and_reserve() -> dict[type[models.Model], int]:
    """Lock the tables against other writers until the transaction ends and return, per keyed
    model, the first free primary key (past the rows and past the key sequence)."""
    quote = connection.ops.quote_name
    starts: dict[type[models.Model], int] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(quote(m._meta.db_table) for m in WRITTEN)
            cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
        for model in KEYED:
            table = model._meta.db_table
            cursor.execute(f"SELECT MAX(id) FROM {quote(table)}")  # noqa: S608
            highest = cursor.fetchone()[0] or 0
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
                last, called = cursor.fetchone()
                highest = max(highest, last if called else last - 1)
            else:
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                found = cursor.fetchone()
                highest = max(highest, found[0] if found else 0)
            starts[model] = highest + 1
    return starts


def _advance_sequences(next_ids: dict[type[models.Model], int]) -> None:
    """Move each key sequence past the keys written here (SQLite's follows on its own)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model, next_id in next_ids.items():
            table = model._meta.db_table
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, next_id]
            )


def _expected_rows(plan: Plan) -> dict[type[models.Model], float]:
    """Roughly how many rows the plan adds per model (to choose how to load them)."""
    members = plan.chapters * plan.members
    weeks = members * plan.weeks
    return {
        User: members, Profile: members, Membership: members, Group: members,
        AuditEntry: 2 * members, Meeting: plan.chapters * plan.weeks,
        Visitor: 0.7 * plan.chapters * plan.weeks, Registration: 0.7 * plan.chapters * plan.weeks,
        Connection: 0.7 * plan.chapters * plan.weeks, Attendance: weeks, Investment: weeks,
        Referral: weeks, ClosedBusiness: 0.3 * weeks, OneToOne: 0.25 * weeks, Credit: 0.3 * weeks,
        Rollup: weeks / 4,
    }  # fmt: skip


def _bulk_load_mode(plan: Plan) -> list[str]:
    """PostgreSQL only. For a superuser, skip the per-row foreign-key triggers for this
    transaction (``session_replication_role = replica``): they look up and lock the
    referenced row for every row written, which costs more than writing it; the keys are
    assigned here, and the tests check every reference. Then drop the plain (non-unique, not
    a constraint's) indexes of each table that will at least double, and return the
    statements that create them again: building an index once over all the rows is several
    times cheaper than updating it row by row. Both are undone if the transaction fails."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        expected = _expected_rows(plan)
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [[m._meta.db_table for m in expected]],
        )
        present = dict(cursor.fetchall())
        growing = [
            m._meta.db_table for m, rows in expected.items() if present[m._meta.db_table] < rows
        ]
        cursor.execute(
            "SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class ci ON ci.oid = i.indexrelid "
            "JOIN pg_class ct ON ct.oid = i.indrelid "
            "WHERE ct.relname = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY ct.relname, ci.relname",
            [growing],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _name, definition in found]


def _create_indexes(definitions: Sequence[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)


# --- the world ------------------------------------------------------------------------------


def _noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


@dataclass
class Batch:
    """The rows of a few chapters, per table, before they are written."""

    users: list[tuple[Any, ...]] = field(default_factory=list)
    profiles: list[tuple[Any, ...]] = field(default_factory=list)
    groups: list[tuple[Any, ...]] = field(default_factory=list)
    informal: list[tuple[Any, ...]] = field(default_factory=list)
    audit: list[tuple[Any, ...]] = field(default_factory=list)
    memberships: list[tuple[Any, ...]] = field(default_factory=list)
    meetings: list[tuple[Any, ...]] = field(default_factory=list)
    meeting_months: list[tuple[Any, ...]] = field(default_factory=list)
    attendance: list[tuple[Any, ...]] = field(default_factory=list)
    investments: list[tuple[Any, ...]] = field(default_factory=list)
    referrals: list[tuple[Any, ...]] = field(default_factory=list)
    closed: list[tuple[Any, ...]] = field(default_factory=list)
    one_to_ones: list[tuple[Any, ...]] = field(default_factory=list)
    credits: list[tuple[Any, ...]] = field(default_factory=list)
    visitors: list[tuple[Any, ...]] = field(default_factory=list)
    registrations: list[tuple[Any, ...]] = field(default_factory=list)
    connections: list[tuple[Any, ...]] = field(default_factory=list)

    def size(self) -> int:
        return sum(len(rows) for rows in vars(self).values())


def _tables() -> dict[str, Table]:
    informal = rules_for(Kind.INFORMAL)
    return {
        "users": Table(
            User,
            ["id", "email", "date_joined"],
            {"password": PASSWORD, "is_superuser": False, "is_staff": False, "is_active": True},
        ),
        "profiles": Table(
            Profile,
            [
                "user_id",
                "display_name",
                "company",
                "profession_id",
                "city",
                "region",
                "country",
                "latitude",
                "longitude",
                "clientele_scope",
                "company_size",
                "updated_at",
            ],
        ),  # fmt: skip
        "groups": Table(
            Group,
            [
                "id",
                "name",
                "slug",
                "kind",
                "parent_id",
                "owner_id",
                "visibility",
                "join_policy",
                "place",
                "created_at",
            ],
            {"currency": CURRENCY, "time_zone": TIME_ZONE},
        ),  # fmt: skip
        "informal": Table(
            Group,
            ["id", "slug", "owner_id", "created_at"],
            {
                "name": INFORMAL_NETWORK_NAME,
                "kind": Kind.INFORMAL.value,
                "visibility": informal.default_visibility,
                "join_policy": informal.default_join_policy,
                "currency": CURRENCY,
                "time_zone": TIME_ZONE,
            },
        ),
        "audit": Table(
            AuditEntry, ["actor_id", "action", "target_type", "target_id", "data", "created_at"]
        ),
        "memberships": Table(
            Membership,
            [
                "group_id",
                "user_id",
                "role",
                "seat_profession_id",
                "joined_at",
                "created_at",
                "updated_at",
            ],
            {"status": "active", "standing": "active"},
        ),
        "meetings": Table(
            Meeting,
            ["id", "group_id", "starts_at", "ends_at", "venue", "created_at"],
            {"kind": "chapter_meeting", "title": MEETING_TITLE},
        ),
        "attendance": Table(
            Attendance,
            ["id", "meeting_id", "user_id", "status", "substitute_name", "recorded_at"],
            {"via": "leader"},
        ),
        "investments": Table(
            Investment,
            [
                "user_id",
                "group_id",
                "kind",
                "amount_minor",
                "currency",
                "hours",
                "spent_on",
                "notes",
                "automatic",
                "attendance_id",
                "created_at",
            ],
        ),  # fmt: skip
        "referrals": Table(
            Referral,
            [
                "id",
                "group_id",
                "giver_id",
                "receiver_id",
                "kind",
                "prospect_name",
                "prospect_company",
                "temperature",
                "status",
                "lost_reason",
                "given_on",
                "created_at",
                "updated_at",
            ],
        ),  # fmt: skip
        "closed": Table(
            ClosedBusiness,
            [
                "referral_id",
                "group_id",
                "giver_id",
                "receiver_id",
                "amount_minor",
                "currency",
                "kind",
                "closed_on",
                "created_at",
            ],
        ),  # fmt: skip
        "one_to_ones": Table(
            OneToOne,
            ["group_id", "proposer_id", "partner_id", "held_on", "created_at", "updated_at"],
            {"status": "held"},
        ),
        "credits": Table(
            Credit, ["user_id", "group_id", "kind", "title", "earned_on", "created_at"]
        ),
        "visitors": Table(
            Visitor, ["id", "group_id", "name", "email", "invited_by_id", "created_at"]
        ),
        "registrations": Table(
            Registration,
            [
                "meeting_id",
                "visitor_id",
                "registered_by_id",
                "name",
                "email",
                "code",
                "checked_in_at",
                "created_at",
            ],
            {"audience": "visitor", "status": "registered"},
        ),  # fmt: skip
        "connections": Table(
            Connection,
            [
                "owner_id",
                "name",
                "email",
                "group_id",
                "meeting_id",
                "met_on",
                "follow_up_due",
                "followed_up_on",
                "followed_up_via",
                "created_at",
            ],
            {"where": "meeting"},
        ),  # fmt: skip
    }


# Registration codes: "G", the seed in 4 base-32 digits, a running number in 7 (12 in all, so
# never equal to a 10-character code of ``new_ticket_code``).
CODE_DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _base32(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, digit = divmod(number, 32)
        out.append(CODE_DIGITS[digit])
    return "".join(reversed(out))


def _pick(values: Sequence[Any], draw: float) -> Any:
    """The value a uniform ``draw`` in [0, 1) lands on, all equally likely."""
    return values[int(draw * len(values))]


def _weighted(pairs: Sequence[tuple[str, float]], draw: float) -> str:
    """The value a uniform ``draw`` in [0, 1) lands on among (value, cumulative share)."""
    for value, share in pairs:
        if draw < share:
            return value
    return pairs[-1][0]


@dataclass
class Chapter:
    """What a chapter's weeks are drawn from: its random generator (its state carries over
    from week to week) and its members."""

    number: int
    rng: random.Random
    group_id: int
    city: str
    days: list[datetime.date]
    ids: list[int]
    activity: list[float]
    deals: list[float]
    absent_below: list[float]
    poisson_limit: list[float]
    cumulative: list[float]


class Generator:
    """Makes the rows of one chapter after another, handing out the primary keys."""

    def __init__(self, plan: Plan, starts: dict[type[models.Model], int]) -> None:
        self.plan = plan
        self.next_id = dict(starts)
        self.professions: list[int | None] = list(
            Profession.objects.order_by("code").values_list("pk", flat=True)
        ) or [None]
        self.org_id = self._take(Group)
        self.first_chapter = self._take(Group, plan.chapters)
        self.first_user = self._take(User, plan.chapters * plan.members)
        self.first_informal = self._take(Group, plan.chapters * plan.members)
        self.zone = ZoneInfo(TIME_ZONE)
        self._after: dict[datetime.date, tuple[list[datetime.date], list[datetime.datetime]]] = {}

    def _take(self, model: type[models.Model], count: int = 1) -> int:
        first = self.next_id[model]
        self.next_id[model] = first + count
        return first

    @property
    def chapter_ids(self) -> tuple[int, int]:
        return self.first_chapter, self.first_chapter + self.plan.chapters - 1

    def user_id(self, chapter: int, index: int) -> int:
        """The key of member ``index`` (0-based) of chapter ``chapter`` (1-based)."""
        return self.first_user + (chapter - 1) * self.plan.members + index

    def organisation_rows(self, batch: Batch) -> None:
        plan = self.plan
        created = _noon(plan.until - datetime.timedelta(days=7 * plan.weeks + 1200))
        batch.groups.append(
            (self.org_id, plan.organisation_name, plan.organisation_slug, Kind.LEAD_GROUP.value,
             None, None, GroupVisibility.MEMBERS.value, JoinPolicy.APPLICATION.value, "",
             created)
        )  # fmt: skip
        # The first member of chapter one runs the organisation.
        batch.memberships.append(
            (self.org_id, self.user_id(1, 0), "administrator", None, created, created, created)
        )
        arguments = {
            "chapters": plan.chapters,
            "members_per_chapter": plan.members,
            "weeks": plan.weeks,
            "seed": plan.seed,
            "until": plan.until.isoformat(),
        }
        batch.audit.append(
            (None, "insights.generated", "groups.group", str(self.org_id), arguments, created)
        )

    def chapter_start(self, number: int, batch: Batch) -> Chapter:
        """Chapter ``number`` (1-based) and its members, from the chapter's own random
        generator; its weeks follow with ``chapter_week``."""
        plan = self.plan
        rng = random.Random(f"cerchia-generate:{plan.seed}:{number}")  # noqa: S311 (test data)
        group_id = self.first_chapter + number - 1
        city = CITIES[(number - 1) % len(CITIES)][0]
        weekday = (number - 1) % 5  # chapters meet Monday to Friday
        last_day = plan.until - datetime.timedelta(days=(plan.until.weekday() - weekday) % 7)
        days = [last_day - datetime.timedelta(weeks=plan.weeks - 1 - k) for k in range(plan.weeks)]
        first_day = days[0]
        founded = _noon(first_day - datetime.timedelta(days=400 + rng.randrange(800)))
        batch.groups.append(
            (group_id, f"{plan.organisation_name} — {city} {number}", plan.chapter_slug(number),
             Kind.LEAD_GROUP.value, self.org_id, None, GroupVisibility.MEMBERS.value,
             JoinPolicy.APPLICATION.value, city, founded)
        )  # fmt: skip
        dues = 50_000 + 5_000 * rng.randrange(9)
        members = self._members(number, rng, group_id, founded, first_day, batch)
        ids = [user_id for user_id, _a, _deal in members]
        activity = [a for _user_id, a, _deal in members]
        for user_id in ids:
            batch.investments.append(
                (user_id, group_id, "dues", dues, CURRENCY, Decimal(0), first_day,
                 "Membership dues", False, None, _noon(first_day))
            )  # fmt: skip
        return Chapter(
            number=number,
            rng=rng,
            group_id=group_id,
            city=city,
            days=days,
            ids=ids,
            activity=activity,
            deals=[deal for _user_id, _a, deal in members],
            # The less active miss more meetings; referrals a week are Poisson(0.95 × activity).
            absent_below=[0.02 + 0.08 * (1.8 - a) / 1.6 for a in activity],
            poisson_limit=[math.exp(-0.95 * a) for a in activity],
            cumulative=list(itertools.accumulate(activity)),
        )

    def chapter_week(self, chapter: Chapter, week: int, batch: Batch) -> None:
        """Week ``week`` (0-based) of ``chapter``: its meeting, each member's attendance (and
        hours), referrals (and closed business), one-to-one and credits, and the visitors.

        The loop over members runs once per member and week (7.8 million times for 10,000
        chapters of 30 over 26 weeks), so it draws with ``random()`` and lookups rather than
        ``choice``/``choices``/``randint``, which cost several times more."""
        plan = self.plan
        rng, rand = chapter.rng, chapter.rng.random
        number, group_id, city, ids = chapter.number, chapter.group_id, chapter.city, chapter.ids
        activity, deals = chapter.activity, chapter.deals
        absent_below, poisson_limit = chapter.absent_below, chapter.poisson_limit
        cumulative = chapter.cumulative
        size, others = len(ids), len(ids) - 1
        day = chapter.days[week]
        attendance, investments = batch.attendance, batch.investments
        referrals, closed, one_to_ones = batch.referrals, batch.closed, batch.one_to_ones
        credits = batch.credits
        next_attendance, next_referral = self.next_id[Attendance], self.next_id[Referral]
        meeting_id = self._take(Meeting)
        start = datetime.datetime.combine(day, datetime.time(7), tzinfo=self.zone)
        start = start.astimezone(datetime.UTC)
        end = start + datetime.timedelta(minutes=MEETING_MINUTES)
        noon = _noon(day)
        batch.meetings.append((meeting_id, group_id, start, end, city, noon))
        batch.meeting_months.append((meeting_id, day.replace(day=1).isoformat()))
        # The days after the meeting a deal may close or a one-to-one happen (never
        # after ``until``), and their noons.
        later, later_noon = self._days_after(day)
        days_left = min(30, (plan.until - day).days)
        for j in range(size):
            user_id, a = ids[j], activity[j]
            r = rand()
            absent = absent_below[j]
            if r < absent:
                status, substitute = "absent", ""
            elif r < absent + 0.04:
                status, substitute = "substitute", "Substitute"
            elif r < absent + 0.05:
                status, substitute = "medical", ""
            elif r < absent + 0.09:
                status, substitute = "late", ""
            else:
                status, substitute = "present", ""
            attendance.append((next_attendance, meeting_id, user_id, status, substitute, end))
            if r >= absent + 0.05:  # present or late
                investments.append(
                    (user_id, group_id, "meeting_hours", 0, "", MEETING_HOURS, day,
                     MEETING_TITLE, True, next_attendance, end)
                )  # fmt: skip
            next_attendance += 1
            # Knuth's Poisson draw, one referral per step.
            p, limit = rand(), poisson_limit[j]
            while p > limit:
                k = int(rand() * others)
                k += k >= j
                receiver = ids[k]
                first = FIRST_NAMES[int(rand() * len(FIRST_NAMES))]
                last = LAST_NAMES[int(rand() * len(LAST_NAMES))]
                kind = _weighted(REFERRAL_KINDS, rand())
                temperature = 1 + int(rand() * 5)
                if rand() < 0.3:
                    outcome = "won"
                    d = int(rand() * (days_left + 1))
                    amount = max(5_000, round(deals[k] * math.exp(rng.gauss(0, 0.5)), -2))
                    closed.append(
                        (next_referral, group_id, user_id, receiver, int(amount), CURRENCY,
                         "repeat" if rand() < 0.2 else "new", later[d], later_noon[d])
                    )  # fmt: skip
                else:
                    outcome = _weighted(OPEN_STATUSES, rand())
                referrals.append(
                    (next_referral, group_id, user_id, receiver, kind, f"{first} {last}",
                     f"{last} Srl", temperature, outcome,
                     "Chose another supplier" if outcome == "lost" else "", day, noon, noon)
                )  # fmt: skip
                next_referral += 1
                p *= rand()
            if rand() < 0.25 * a:
                d = min(1 + int(rand() * 4), days_left)
                k = int(rand() * others)
                k += k >= j
                one_to_ones.append((group_id, user_id, ids[k], later[d], noon, later_noon[d]))
            if rand() < 0.2 * a:
                credits.append((user_id, group_id, "education", "Education unit", day, noon))
            if rand() < 0.1 * a:
                credits.append(
                    (user_id, group_id, "testimonial", "Testimonial at the meeting", day, noon)
                )
        # Visitors: none to two a week, brought more often by the active.
        r = rand()
        for n in range(0 if r < 0.45 else 1 if r < 0.85 else 2):
            visitor_id = self._take(Visitor)
            host = ids[min(size - 1, bisect.bisect_right(cumulative, rand() * cumulative[-1]))]
            name = f"{_pick(FIRST_NAMES, rand())} {_pick(LAST_NAMES, rand())}"
            email = f"visitor-{week + 1}-{n + 1}@gen{plan.seed}-{number}.example.invalid"
            code = ((number - 1) * plan.weeks + week) * 2 + n
            batch.visitors.append((visitor_id, group_id, name, email, host, noon))
            batch.registrations.append(
                (meeting_id, visitor_id, host, name, email,
                 "G" + _base32(plan.seed, 4) + _base32(code, 7), start, noon)
            )  # fmt: skip
            followed = None
            if rand() < 0.7:
                followed = day + datetime.timedelta(days=int(rand() * 11))
                if followed > plan.until:
                    followed = None
            batch.connections.append(
                (host, name, email, group_id, meeting_id, day,
                 day + datetime.timedelta(days=7), followed, "done" if followed else "", noon)
            )  # fmt: skip
        self.next_id[Attendance], self.next_id[Referral] = next_attendance, next_referral

    def _days_after(
        self, day: datetime.date
    ) -> tuple[list[datetime.date], list[datetime.datetime]]:
        """The day and the 30 after it, and their noons (chapters share weekdays: cached)."""
        found = self._after.get(day)
        if found is None:
            later = [day + datetime.timedelta(days=d) for d in range(31)]
            found = self._after[day] = (later, [_noon(d) for d in later])
        return found

    def _members(
        self,
        number: int,
        rng: random.Random,
        group_id: int,
        founded: datetime.datetime,
        first_day: datetime.date,
        batch: Batch,
    ) -> list[tuple[int, float, float]]:
        """The chapter's members with a card, an informal network and a seat: (user id,
        how active they are, their typical deal in minor units)."""
        plan = self.plan
        rand = rng.random
        seats = self.professions[:]
        rng.shuffle(seats)
        tenure_days = max(1, (first_day - founded.date()).days)
        local = CITIES[(number - 1) % len(CITIES)]
        out = []
        for j in range(plan.members):
            user_id = self.user_id(number, j)
            email = plan.email((number - 1) * plan.members + j + 1)
            joined = founded + datetime.timedelta(days=int(rand() * tenure_days))
            first, last = _pick(FIRST_NAMES, rand()), _pick(LAST_NAMES, rand())
            home = local if rand() < 0.8 else _pick(CITIES, rand())
            seat = seats[j] if j < len(seats) else None
            profession = seat if seat is not None else _pick(self.professions, rand())
            informal_id = self.first_informal + (user_id - self.first_user)
            batch.users.append((user_id, email, joined))
            batch.profiles.append(
                (user_id, f"{first} {last}", f"{last} & Partners", profession, home[0], home[1],
                 "IT", Decimal(home[2]), Decimal(home[3]), _pick(CLIENTELE, rand()),
                 _pick(COMPANY_SIZES, rand()), joined)
            )  # fmt: skip
            batch.informal.append((informal_id, f"informal-{user_id}", user_id, joined))
            # What ``register_user`` records for each new account.
            batch.audit.append(
                (user_id, "accounts.user.registered", "accounts.user", str(user_id),
                 {"email": email}, joined)
            )  # fmt: skip
            batch.audit.append(
                (user_id, "groups.informal.created", "groups.group", str(informal_id), {}, joined)
            )
            role = "president" if j == 0 else "member"
            batch.memberships.append((group_id, user_id, role, seat, joined, joined, joined))
            level = rand()
            if level < 0.15:
                activity = 0.2 + 0.3 * rand()
            elif level < 0.75:
                activity = 0.7 + 0.5 * rand()
            else:
                activity = 1.2 + 0.6 * rand()
            out.append((user_id, activity, 120_000 * math.exp(rng.gauss(0, 0.8))))
        return out


# In the order they are written (a row's references before it, though PostgreSQL and SQLite
# check them at commit anyway).
ORDER = (
    "users", "groups", "informal", "profiles", "audit", "memberships", "meetings",
    "attendance", "investments", "referrals", "closed", "one_to_ones", "credits", "visitors",
    "registrations", "connections",
)  # fmt: skip
SCRATCH = "cerchia_generate_meeting_month"


def _flush(writer: Writer, tables: dict[str, Table], batch: Batch) -> None:
    for name in ORDER:
        rows = getattr(batch, name)
        if rows:
            writer.write(tables[name], rows)
            rows.clear()
    if batch.meeting_months:
        writer.write_raw(SCRATCH, ("meeting_id", "month"), batch.meeting_months)
        batch.meeting_months.clear()


# --- the rollup, in SQL ---------------------------------------------------------------------


def _month(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {expression}) AS date)"
    return f"date({expression}, 'start of month')"


def rollup_sql() -> str:
    """``INSERT ... SELECT`` of the rollup rows of the chapters whose keys are between the two
    parameters (given twice per source): each ledger source aggregated on its own, then summed
    per member × group × month × currency, as ``rollups.rebuild`` does in Python."""
    q = connection.ops.quote_name
    models_read: tuple[type[models.Model], ...] = (*WRITTEN, Group)
    t = {m: q(m._meta.db_table) for m in models_read}
    numbers = (*ROLLUP_COUNTERS, "hours")
    between = "BETWEEN %s AND %s"

    def source(
        user: str, group: str, month: str, currency: str, values: dict[str, str], rest: str
    ) -> str:
        cells = ", ".join(f"{values.get(name, '0')} AS {q(name)}" for name in numbers)
        key = f"{user}, {group}, {month}, {currency}"
        return (
            f"SELECT {user} AS u, {group} AS g, {month} AS m, {currency} AS c, {cells} "
            f"{rest} AND {group} {between} GROUP BY {key}"
        )

    referral = f"FROM {t[Referral]} r JOIN {t[Group]} grp ON grp.id = r.group_id WHERE 1 = 1"
    closed = f"FROM {t[ClosedBusiness]} b WHERE 1 = 1"
    ones = (
        f"FROM {t[OneToOne]} o JOIN {t[Group]} grp ON grp.id = o.group_id WHERE o.status = 'held'"
    )
    conn = f"FROM {t[Connection]} n JOIN {t[Group]} grp ON grp.id = n.group_id"
    spent = f"FROM {t[Investment]} i JOIN {t[Group]} grp ON grp.id = i.group_id"
    credit = f"FROM {t[Credit]} k JOIN {t[Group]} grp ON grp.id = k.group_id WHERE 1 = 1"
    at_meeting = (
        f"JOIN {t[Meeting]} mt ON mt.id = {{alias}}.meeting_id "
        f"JOIN {SCRATCH} mm ON mm.meeting_id = mt.id JOIN {t[Group]} grp ON grp.id = mt.group_id"
    )
    sources = [
        source("r.giver_id", "r.group_id", _month("r.given_on"), "grp.currency",
               {"referrals_given": "COUNT(*)"}, referral),
        source("r.receiver_id", "r.group_id", _month("r.given_on"), "grp.currency",
               {"referrals_received": "COUNT(*)"}, referral + " AND r.receiver_id IS NOT NULL"),
        source("b.receiver_id", "b.group_id", _month("b.closed_on"), "b.currency",
               {"closed_received_count": "COUNT(*)",
                "closed_received_minor": "SUM(b.amount_minor)"}, closed),
        source("b.giver_id", "b.group_id", _month("b.closed_on"), "b.currency",
               {"closed_given_count": "COUNT(*)", "closed_given_minor": "SUM(b.amount_minor)"},
               closed),
        source("o.proposer_id", "o.group_id", _month("o.held_on"), "grp.currency",
               {"one_to_ones": "COUNT(*)"}, ones),
        source("o.partner_id", "o.group_id", _month("o.held_on"), "grp.currency",
               {"one_to_ones": "COUNT(*)"}, ones),
        source("n.owner_id", "n.group_id", _month("n.met_on"), "grp.currency",
               {"connections": "COUNT(*)"}, conn + " WHERE 1 = 1"),
        source("n.owner_id", "n.group_id", _month("n.followed_up_on"), "grp.currency",
               {"follow_ups_done": "COUNT(*)"}, conn + " WHERE n.followed_up_on IS NOT NULL"),
        source("i.user_id", "i.group_id", _month("i.spent_on"), "i.currency",
               {"money_minor": "SUM(i.amount_minor)"}, spent + " WHERE i.amount_minor > 0"),
        source("i.user_id", "i.group_id", _month("i.spent_on"), "grp.currency",
               {"hours": "SUM(i.hours)"}, spent + " WHERE i.hours > 0"),
        source("k.user_id", "k.group_id", _month("k.earned_on"), "grp.currency",
               {"education": "SUM(CASE WHEN k.kind = 'education' THEN 1 ELSE 0 END)",
                "testimonials": "SUM(CASE WHEN k.kind = 'testimonial' THEN 1 ELSE 0 END)"},
               credit),
        source("a.user_id", "mt.group_id", "mm.month", "grp.currency",
               {"attended": "SUM(CASE WHEN a.status IN ('present', 'late') THEN 1 ELSE 0 END)",
                "late": "SUM(CASE WHEN a.status = 'late' THEN 1 ELSE 0 END)",
                "absent": "SUM(CASE WHEN a.status = 'absent' THEN 1 ELSE 0 END)",
                "substituted": "SUM(CASE WHEN a.status = 'substitute' THEN 1 ELSE 0 END)"},
               f"FROM {t[Attendance]} a {at_meeting.format(alias='a')} "
               "WHERE a.status IN ('present', 'late', 'absent', 'substitute')"),
        source("v.registered_by_id", "mt.group_id", "mm.month", "grp.currency",
               {"visitors_brought": "COUNT(*)"},
               f"FROM {t[Registration]} v {at_meeting.format(alias='v')} "
               "WHERE v.visitor_id IS NOT NULL AND v.registered_by_id IS NOT NULL "
               "AND v.checked_in_at IS NOT NULL"),
    ]  # fmt: skip
    columns = ", ".join(q(c) for c in ("user_id", "group_id", "month", "currency", *numbers))
    sums = ", ".join(f"SUM({q(name)})" for name in numbers)
    facts = " UNION ALL ".join(sources)
    return (
        f"INSERT INTO {t[Rollup]} ({columns}) "  # noqa: S608 (quoted names only)
        f"SELECT u, g, m, c, {sums} FROM ({facts}) facts GROUP BY u, g, m, c "
        # In the order the rows would have been created: month by month, a chapter's
        # members together.
        "ORDER BY m, g, u, c"
    )


def _write_rollups(first_chapter: int, last_chapter: int) -> int:
    sql = rollup_sql()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement aggregating the whole ledger of the organisation: room to hash.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(sql, [first_chapter, last_chapter] * sql.count("BETWEEN"))
        return int(cursor.rowcount)


def _write_window(start: datetime.date) -> int:
    """The six-month windows built already, summed again with the new rows in them, and the
    one the organisation view reads from ``start``; returns the rows of that one."""
    refill_windows()
    build_window(start)
    return SixMonthRollup.objects.filter(start=start).count()


# --- the whole run ---------------------------------------------------------------------------


def refuse_if_generated(plan: Plan) -> None:
    taken = Group.objects.filter(slug=plan.organisation_slug).exists() or (
        Group.objects.filter(slug__startswith=plan.chapter_slug(0)[:-1]).exists()
        or User.objects.filter(email__startswith=f"gen{plan.seed}-").exists()
    )
    if taken:
        raise GenerateError(
            f"Seed {plan.seed} was generated here already (the group {plan.organisation_slug} "
            "or its chapters or members exist): choose another seed."
        )


@transaction.atomic
def generate(plan: Plan, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Build the organisation of ``plan``; returns the rows written per model label."""
    began = time.perf_counter()
    plan.check()
    refuse_if_generated(plan)

    def say(message: str) -> None:
        if progress is not None:
            progress(f"{message} ({time.perf_counter() - began:.1f} s)")

    starts = _lock_and_reserve()
    indexes = _bulk_load_mode(plan) if connection.vendor == "postgresql" else []
    generator = Generator(plan, starts)
    writer = Writer()
    tables = _tables()
    with connection.cursor() as cursor:
        # Dropped at the end; if the run fails, the rollback takes it away (DDL is
        # transactional on both databases).
        cursor.execute(
            f"CREATE TEMPORARY TABLE {SCRATCH} (meeting_id bigint PRIMARY KEY, month date)"
        )
    batch = Batch()
    generator.organisation_rows(batch)
    written = 0

    def flush() -> None:
        nonlocal written
        written += batch.size()
        _flush(writer, tables, batch)

    chapters = []
    for number in range(1, plan.chapters + 1):
        chapters.append(generator.chapter_start(number, batch))
        if batch.size() >= ROWS_PER_FLUSH:
            flush()
    flush()
    say(f"{plan.chapters:,} chapters, {plan.chapters * plan.members:,} members")
    # Week after week across the chapters, as the rows would arrive: the tables are in time
    # order (a member's rows spread over the table), not one chapter's rows together.
    for week in range(plan.weeks):
        for chapter in chapters:
            generator.chapter_week(chapter, week, batch)
            if batch.size() >= ROWS_PER_FLUSH:
                flush()
        flush()
        say(f"week {week + 1}/{plan.weeks}: {written:,} rows")
    if indexes:
        say(f"creating {len(indexes)} indexes again")
        _create_indexes(indexes)
    say("monthly rollups")
    counts = dict(writer.counts)
    counts[Rollup._meta.label] = _write_rollups(*generator.chapter_ids)
    say("six-month rollup")
    # The organisation view's window as of the last day generated (as the daily job builds
    # it); an existing window is summed again, the new rows in it.
    counts[SixMonthRollup._meta.label] = _write_window(organisation_window(plan.until).start)
    _advance_sequences({model: generator.next_id[model] for model in KEYED})
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {SCRATCH}")
        if connection.vendor == "postgresql":
            # Back to normal for whatever else the caller's transaction does.
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            cursor.execute("SET LOCAL work_mem = DEFAULT")
            cursor.execute("SET LOCAL maintenance_work_mem = DEFAULT")
    if connection.vendor == "postgresql":
        say("analyse")
        with connection.cursor() as cursor:
            for model in WRITTEN:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    say("done")
    return counts
