"""Benchmark: the insights at scale, on PostgreSQL, in one run; each figure a ratio against a
baseline measured in the same run, printed with its goal and PASS or FAIL.

Run it from the project's root (a script, not a test; it needs the ``bench`` extra for
DuckDB: ``.venv/bin/pip install -e '.[bench]'``):

    DATABASE_URL=postgres://user@host:5432/cerchia .venv/bin/python bench/insights.py
    DATABASE_URL=... .venv/bin/python bench/insights.py --quick     # small databases, short runs

It uses two databases beside the one named in DATABASE_URL, ``<name>_bench_1m`` and
``<name>_bench_10m`` (``_bench_quick_s`` / ``_bench_quick_l`` with --quick), and builds them with
``cerchia generate`` the first time (the same seed, 30 members per chapter and 35 weekly
meetings up to 2026-11-27: 1,000 chapters hold about 1M referrals, 10,000 chapters about 10M;
the 10M build takes a quarter of an hour or more). Later runs reuse them; drop them to start
again. Chapter N holds the same rows in both (the generator seeds each chapter on its own),
so the same members can be compared across sizes.

1. ``GET /api/v1/report`` (member_report, token auth) against a Django view that runs the same
   SQL raw — the statements member_report runs for that member, captured beforehand — after
   looking the token up with one raw query, and returns the rows as JSON. Both are served by
   Django's WSGI handler in this process (the whole middleware stack, no HTTP server, no
   socket), from 4 threads each holding one persistent connection (CONN_MAX_AGE), in ABBA
   order, after an untimed warm-up. Goal: the endpoint at ≥ 0.5× the raw view's requests/s.
2. The report's SQL time for a fixed set of members, in the 1M and the 10M database: the
   statements member_report runs, timed with perf_counter around execute + fetchall,
   median of 5 warm runs. Goal: 10M < 1.5× 1M (the cost follows the member's rows).
3. ``organisation_lights`` for the 10,000 chapters of the 10M database (the previous 6 complete
   months, read from the six-month rollup, which the warm-up run builds if the database has
   none yet) against DuckDB scanning the same window's raw rows
   (attendance, referrals, closed business, one-to-ones, credits, visitors, memberships),
   exported from PostgreSQL as CSV and loaded into DuckDB tables (in memory): per member,
   then per chapter. Median of 5 warm runs each. Goal: ≤ 2× DuckDB. It also checks that
   DuckDB's per-member counts equal the monthly rollup's and the six-month rollup's, and
   the chapters' referrals equal the lights'.

No wrk: in-process WSGI keeps the load generator from competing with a server process for
the cores, and measures both paths the same way; the ratio is what counts."""

# The SQL here is built from this file's own names, numbers and dates only.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cerchia.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("CERCHIA_MODE", "production")
os.environ.setdefault("TASKS_BACKEND", "immediate")
# Persistent connections, as deployed (settings.py reads it; 600 is also its default).
os.environ.setdefault("CONN_MAX_AGE", "600")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402

SEED = 2026
UNTIL = datetime.date(2026, 11, 27)
MEMBERS = 30
WEEKS = 35
# The report's period: the last 6 months of the data.
REPORT_FROM, REPORT_TO = UNTIL - datetime.timedelta(days=182), UNTIL
ENDPOINT = f"/api/v1/report?from={REPORT_FROM}&to={REPORT_TO}"
TWIN = "/bench/report-raw/"
HOST = "localhost"


class Scale:
    def __init__(self, label: str, suffix: str, chapters: int) -> None:
        self.label = label
        self.suffix = suffix
        self.chapters = chapters
        self.name = ""


# --- the raw-SQL twin of the report endpoint ------------------------------------------------

# The statements member_report runs, per user id, captured before the timed runs.
TWIN_SQL: dict[int, list[str]] = {}


def report_raw(request: HttpRequest) -> JsonResponse:
    """The baseline: the token looked up with one raw query, then the report's own SQL run
    raw, the rows returned as JSON (no ORM, no schema)."""
    from cerchia.accounts.models import ApiToken

    key = request.headers.get("Authorization", "").removeprefix("Bearer ")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT user_id FROM accounts_apitoken WHERE key_hash = %s", [ApiToken.hash_key(key)]
        )
        found = cursor.fetchone()
        if found is None:
            return JsonResponse({"detail": "Unknown token."}, status=401)
        results = []
        for sql in TWIN_SQL[found[0]]:
            cursor.execute(sql)
            results.append(cursor.fetchall())
    return JsonResponse({"results": results}, json_dumps_params={"default": str})


# The project's addresses plus the twin, as this module's URLconf.
urlpatterns = [path(TWIN.strip("/") + "/", report_raw), path("", include("cerchia.urls"))]


# --- databases ------------------------------------------------------------------------------


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def use_database(name: str) -> None:
    """Point the default connection (and every thread's) at ``name``."""
    connections.close_all()
    connections.settings["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


def ensure_database(scale: Scale, base: str) -> None:
    """Create, migrate and generate the scale's database unless it is there already."""
    import psycopg

    from cerchia.audit.models import AuditEntry
    from cerchia.insights.generate import Plan, generate

    scale.name = f"{base}_{scale.suffix}"
    params = dict(connections.settings["default"])
    parts = {
        "host": params["HOST"],
        "port": params["PORT"],
        "user": params["USER"],
        "password": params["PASSWORD"],
        "dbname": "postgres",
    }
    dsn = psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in parts.items() if v})
    with psycopg.connect(dsn, autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [scale.name]
        ).fetchone()
        if not exists:
            say(f"creating database {scale.name}")
            admin.execute(f'CREATE DATABASE "{scale.name}"')
    use_database(scale.name)
    call_command("migrate", verbosity=0)
    wanted = {
        "chapters": scale.chapters,
        "members_per_chapter": MEMBERS,
        "weeks": WEEKS,
        "seed": SEED,
        "until": UNTIL.isoformat(),
    }
    done = AuditEntry.objects.filter(action="insights.generated").values_list("data", flat=True)
    if wanted in list(done):
        say(f"{scale.name}: reusing the {scale.chapters:,} chapters generated before")
        return
    if done:
        raise SystemExit(
            f"{scale.name} holds another generated organisation ({list(done)}): drop it first."
        )
    say(f"{scale.name}: generating {scale.chapters:,} chapters × {MEMBERS} × {WEEKS} weeks")
    began = time.perf_counter()
    plan = Plan(chapters=scale.chapters, members=MEMBERS, weeks=WEEKS, seed=SEED, until=UNTIL)
    generate(plan, progress=lambda message: say(f"  {message}"))
    say(f"{scale.name}: generated in {time.perf_counter() - began:.0f} s")
    connections.close_all()


def referral_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM ledger_referral")
        return int(cursor.fetchone()[0])


def sample_members(chapters: int) -> list[str]:
    """Four members of each of five chapters spread over the smaller database."""
    from cerchia.insights.generate import Plan

    plan = Plan(chapters=chapters, members=MEMBERS, weeks=WEEKS, seed=SEED, until=UNTIL)
    numbers = sorted({1 + k * (chapters - 1) // 4 for k in range(5)})
    return [
        plan.email((number - 1) * MEMBERS + j + 1) for number in numbers for j in (0, 7, 15, 29)
    ]


def captured_report_sql(user: Any) -> list[str]:
    """The statements member_report runs for ``user`` over the report's period."""
    from cerchia.insights.report import member_report

    with CaptureQueriesContext(connection) as queries:
        member_report(user, REPORT_FROM, REPORT_TO, today=UNTIL)
    return [query["sql"] for query in queries.captured_queries]


# --- 2. the report's SQL at two sizes -------------------------------------------------------


def median_ms(run: Callable[[], Any], repeat: int = 5) -> float:
    run()  # warm
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return 1000 * statistics.median(times)


def report_sql_ms(emails: list[str]) -> tuple[float, int]:
    """Median ms to run every sampled member's report SQL once, and the statements per run."""
    from cerchia.accounts.models import User

    statements = [
        sql for u in User.objects.filter(email__in=emails) for sql in captured_report_sql(u)
    ]

    def run() -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    return median_ms(run), len(statements)


# --- 1. the endpoint against its raw twin ---------------------------------------------------


def serve(handler: WSGIHandler, target: str, key: str, threads: int, seconds: float) -> float:
    """Requests per second to ``target`` from ``threads`` threads for ``seconds``."""
    path_only, _, query = target.partition("?")
    counts = [0] * threads
    failures: list[str] = []
    start = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def worker(index: int) -> None:
        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            if not status.startswith("200"):
                failures.append(status)
            return None

        start.wait()
        try:
            while time.perf_counter() < stop_at[0]:
                environ = {
                    "REQUEST_METHOD": "GET",
                    "PATH_INFO": path_only,
                    "QUERY_STRING": query,
                    "SERVER_NAME": HOST,
                    "SERVER_PORT": "80",
                    "HTTP_HOST": HOST,
                    "HTTP_AUTHORIZATION": f"Bearer {key}",
                    "wsgi.url_scheme": "http",
                    "wsgi.input": io.BytesIO(b""),
                    "wsgi.errors": sys.stderr,
                    "SERVER_PROTOCOL": "HTTP/1.1",
                }
                response = handler(environ, start_response)
                try:
                    for _chunk in response:
                        pass
                finally:
                    response.close()  # request_finished: the connection stays (CONN_MAX_AGE)
                counts[index] += 1
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    start.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(f"{target}: unexpected responses {sorted(set(failures))}")
    return sum(counts) / elapsed


def endpoint_against_twin(
    email: str, seconds: float
) -> tuple[float, float, list[tuple[str, float]]]:
    from cerchia.accounts.models import User
    from cerchia.accounts.services import create_api_token

    user = User.objects.get(email=email)
    TWIN_SQL[user.pk] = captured_report_sql(user)
    _token, key = create_api_token(user, name="bench")
    connections.close_all()
    handler = WSGIHandler()
    threads = 4
    serve(handler, ENDPOINT, key, threads, seconds / 4)  # warm-up, untimed
    serve(handler, TWIN, key, threads, seconds / 4)
    rounds = []
    for label, target in (("A", ENDPOINT), ("B", TWIN), ("B", TWIN), ("A", ENDPOINT)):
        rounds.append((label, serve(handler, target, key, threads, seconds)))
    api = statistics.mean(rate for label, rate in rounds if label == "A")
    raw = statistics.mean(rate for label, rate in rounds if label == "B")
    return api, raw, rounds


# --- 3. the organisation's lights against DuckDB --------------------------------------------


def window_exports(organisation: Any, start: datetime.date, end: datetime.date) -> dict[str, str]:
    """SELECTs of the window's raw rows of the organisation's chapters, one per source."""
    chapters = f"SELECT id FROM groups_group WHERE parent_id = {int(organisation.pk)}"
    days = f"BETWEEN DATE '{start}' AND DATE '{end}'"
    local_day = "CAST(mt.starts_at AT TIME ZONE g.time_zone AS date)"
    at_meeting = (
        "JOIN meetings_meeting mt ON mt.id = x.meeting_id "
        "JOIN groups_group g ON g.id = mt.group_id "
        f"WHERE mt.group_id IN ({chapters}) AND {local_day} {days}"
    )
    return {
        "memberships": "SELECT group_id, user_id FROM groups_membership "
        f"WHERE status = 'active' AND group_id IN ({chapters})",
        "attendance": f"SELECT mt.group_id, x.user_id, x.status FROM meetings_attendance x "
        f"{at_meeting}",
        "referrals": "SELECT group_id, giver_id AS user_id FROM ledger_referral "
        f"WHERE group_id IN ({chapters}) AND given_on {days}",
        "closed": "SELECT b.group_id, b.receiver_id AS user_id, b.amount_minor "
        "FROM ledger_closedbusiness b JOIN groups_group g ON g.id = b.group_id "
        f"WHERE b.group_id IN ({chapters}) AND b.closed_on {days} AND b.currency = g.currency",
        "one_to_ones": "SELECT group_id, proposer_id AS user_id FROM ledger_onetoone "
        f"WHERE status = 'held' AND group_id IN ({chapters}) AND held_on {days} "
        "UNION ALL SELECT group_id, partner_id FROM ledger_onetoone "
        f"WHERE status = 'held' AND group_id IN ({chapters}) AND held_on {days}",
        "credits": "SELECT group_id, user_id, kind FROM ledger_credit "
        f"WHERE group_id IN ({chapters}) AND earned_on {days}",
        "visits": "SELECT mt.group_id, x.registered_by_id AS user_id "
        f"FROM meetings_registration x {at_meeting} AND x.visitor_id IS NOT NULL "
        "AND x.registered_by_id IS NOT NULL AND x.checked_in_at IS NOT NULL",
    }


PER_MEMBER = """
    WITH att AS (
        SELECT group_id, user_id,
               count(*) FILTER (WHERE status IN ('present', 'late')) AS attended,
               count(*) FILTER (WHERE status = 'late') AS late,
               count(*) FILTER (WHERE status = 'absent') AS absent,
               count(*) FILTER (WHERE status = 'substitute') AS substituted
        FROM attendance GROUP BY group_id, user_id),
    ref AS (SELECT group_id, user_id, count(*) AS referrals FROM referrals GROUP BY ALL),
    vis AS (SELECT group_id, user_id, count(*) AS visitors FROM visits GROUP BY ALL),
    clo AS (SELECT group_id, user_id, sum(amount_minor) AS closed_minor FROM closed GROUP BY ALL),
    one AS (SELECT group_id, user_id, count(*) AS one_to_ones FROM one_to_ones GROUP BY ALL),
    cre AS (
        SELECT group_id, user_id,
               count(*) FILTER (WHERE kind = 'testimonial') AS testimonials,
               count(*) FILTER (WHERE kind = 'education') AS education
        FROM credits GROUP BY ALL)
    SELECT m.group_id, m.user_id,
           coalesce(att.absent, 0) AS absent, coalesce(att.substituted, 0) AS substituted,
           coalesce(att.late, 0) AS late, coalesce(att.attended, 0) AS attended,
           coalesce(ref.referrals, 0) AS referrals, coalesce(vis.visitors, 0) AS visitors,
           coalesce(clo.closed_minor, 0) AS closed_minor,
           coalesce(cre.testimonials, 0) AS testimonials, coalesce(cre.education, 0) AS education,
           coalesce(one.one_to_ones, 0) AS one_to_ones
    FROM memberships m
    LEFT JOIN att USING (group_id, user_id) LEFT JOIN ref USING (group_id, user_id)
    LEFT JOIN vis USING (group_id, user_id) LEFT JOIN clo USING (group_id, user_id)
    LEFT JOIN one USING (group_id, user_id) LEFT JOIN cre USING (group_id, user_id)
"""
PER_CHAPTER = f"""
    SELECT group_id, count(*) AS size, sum(attended) AS attended, sum(absent) AS absent,
           sum(late) AS late, sum(substituted) AS substituted, sum(referrals) AS referrals,
           sum(visitors) AS visitors, sum(closed_minor) AS closed_minor,
           sum(testimonials) AS testimonials, sum(education) AS education,
           sum(one_to_ones) AS one_to_ones,
           avg(referrals) AS referrals_per_member
    FROM ({PER_MEMBER}) per_member GROUP BY group_id
"""


def six_month_counts(
    chapter_ids: list[int], start: datetime.date, names: list[str]
) -> dict[tuple[int, int], dict[str, int]]:
    """The six-month rollup's rows that organisation_lights reads (the chapter's currency),
    under DuckDB's column names."""
    from cerchia.groups.models import Group
    from cerchia.ledger.models import SixMonthRollup

    columns = dict(zip(names, WINDOW_COLUMNS, strict=True))
    currency = dict(Group.objects.filter(pk__in=chapter_ids).values_list("pk", "currency"))
    rows = SixMonthRollup.objects.filter(start=start, group_id__in=chapter_ids).values_list(
        "group_id", "user_id", "currency", *columns.values()
    )
    return {
        (row[0], row[1]): dict(zip(columns, row[3:], strict=True))
        for row in rows.iterator(chunk_size=10_000)
        if row[2] == currency[row[0]]
    }


# DuckDB's per-member columns, in PER_MEMBER's order, as the six-month rollup names them.
WINDOW_COLUMNS = (
    "absent",
    "substituted",
    "late",
    "attended",
    "referrals_given",
    "visitors_brought",
    "closed_received_minor",
    "testimonials",
    "education",
    "one_to_ones",
)


def lights_against_duckdb(today: datetime.date) -> tuple[float, float, str]:
    import duckdb

    from cerchia.groups.models import Group
    from cerchia.insights.generate import Plan
    from cerchia.insights.lights import organisation_lights, organisation_window, rollup_counts

    slug = Plan(chapters=1, members=2, weeks=1, seed=SEED, until=UNTIL).organisation_slug
    organisation = Group.objects.get(slug=slug)
    window = organisation_window(today)
    lights_ms = median_ms(lambda: organisation_lights(organisation, today))
    lights = organisation_lights(organisation, today)

    duck = duckdb.connect()
    with tempfile.TemporaryDirectory() as folder, connection.cursor() as cursor:
        exported = 0
        for name, sql in window_exports(organisation, window.start, window.end).items():
            file = Path(folder) / f"{name}.csv"
            copy = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"
            with file.open("wb") as out, cursor.cursor.copy(copy) as rows:
                for data in rows:
                    out.write(data)
            duck.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{file}', header = true)")
            exported += duck.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    say(f"exported {exported:,} rows of {window.start}..{window.end} to DuckDB")
    duck_ms = median_ms(lambda: duck.execute(PER_CHAPTER).fetchall())

    # The second computation: DuckDB's counts from the raw rows against the rollup's.
    names = [d[0] for d in duck.execute(PER_MEMBER + " LIMIT 0").description]
    raw = {
        (row[0], row[1]): dict(zip(names[2:], row[2:], strict=True))
        for row in duck.execute(PER_MEMBER).fetchall()
    }
    rolled = {
        key: counts.as_dict()
        for key, counts in rollup_counts([row.group_id for row in lights], window).items()
    }
    six = six_month_counts([row.group_id for row in lights], window.start, names[2:])
    nothing = dict.fromkeys(names[2:], 0)
    wrong = [key for key, counts in raw.items() if counts != rolled.get(key, nothing)]
    wrong += [key for key, counts in raw.items() if counts != six.get(key, nothing)]
    per_chapter = {row[0]: row[6] for row in duck.execute(PER_CHAPTER).fetchall()}
    disagree = [row.slug for row in lights if per_chapter.get(row.group_id, 0) != row.referrals]
    check = (
        f"{len(raw):,} members' counts equal the monthly and the six-month rollup's, "
        f"{len(lights):,} chapters' referrals equal the lights'"
        if not wrong and not disagree
        else f"MISMATCH: {len(wrong)} members, {len(disagree)} chapters differ"
    )
    return lights_ms, duck_ms, check


# --- the run --------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small databases, short runs")
    parser.add_argument(
        "--seconds", type=float, default=0, help="seconds per timed HTTP round (default 10, 2)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/insights.py runs on PostgreSQL: set DATABASE_URL=postgres://...")
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    base = connections.settings["default"]["NAME"]
    if args.quick:
        small, large = Scale("S", "bench_quick_s", 20), Scale("L", "bench_quick_l", 200)
    else:
        small, large = Scale("1M", "bench_1m", 1_000), Scale("10M", "bench_10m", 10_000)
    seconds = args.seconds or (2.0 if args.quick else 10.0)
    began = time.perf_counter()
    results: list[str] = []

    ensure_database(small, base)
    small_rows = referral_rows()
    emails = sample_members(small.chapters)
    small_ms, statements = report_sql_ms(emails)
    ensure_database(large, base)
    large_rows = referral_rows()
    large_ms, _statements = report_sql_ms(emails)

    api, raw, rounds = endpoint_against_twin(emails[1], seconds)
    ratio = api / raw
    results.append(
        f"1. GET /api/v1/report vs the same SQL in a raw Django view: {api:,.0f} vs {raw:,.0f} "
        f"requests/s (ABBA {', '.join(f'{label} {rate:,.0f}' for label, rate in rounds)}; "
        f"4 threads, {seconds:g} s each) → {ratio:.2f}× (goal ≥ 0.5×): {verdict(ratio >= 0.5)}"
    )
    growth = large_ms / small_ms
    results.append(
        f"2. report SQL for {len(emails)} members ({statements} statements) at "
        f"{large_rows:,} vs {small_rows:,} referral rows: {large_ms:.1f} vs {small_ms:.1f} ms "
        f"(median of 5) → {growth:.2f}× (goal < 1.5×): {verdict(growth < 1.5)}"
    )
    lights_ms, duck_ms, check = lights_against_duckdb(UNTIL)
    times = lights_ms / duck_ms
    results.append(
        f"3. organisation_lights for {large.chapters:,} chapters vs DuckDB over the exported "
        f"window: {lights_ms:,.0f} vs {duck_ms:,.0f} ms (median of 5) → {times:.2f}× "
        f"(goal ≤ 2×): {verdict(times <= 2)}; {check}"
    )
    connections.close_all()
    print(
        f"PostgreSQL {connection.pg_version // 10000}, "  # type: ignore[attr-defined]
        f"{os.cpu_count()} cores, "
        f"databases {small.name} and {large.name}, {time.perf_counter() - began:.0f} s in all"
    )
    for line in results:
        print(line)
    if "MISMATCH" in check:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
