"""Benchmark: recording a referral through the API, against a view doing one raw INSERT.

Run it from the project's root (a script, not a test):

    .venv/bin/python bench/referrals.py                  # SQLite (a temporary file)
    DATABASE_URL=postgres://user@host:5432/cerchia .venv/bin/python bench/referrals.py
    .venv/bin/python bench/referrals.py --profile        # queries and cProfile of one path

Against PostgreSQL it makes (and drops) a ``bench_referrals_<name>`` database beside the one
named in DATABASE_URL. Every request goes through the whole middleware stack with the Django test
client: one member of a chapter passes 2,000 referrals to another with ``POST
/api/v1/referrals`` and a bearer token, from 8 threads, each with its own client and its own
persistent database connection (CONN_MAX_AGE; the script counts the connections it opens).
The baseline is a minimal view that does one INSERT, measured in the same run with the same
clients, so the ratio says what recording a referral costs beyond the framework and the
database. A warm-up by another pair of members is not timed. The receiver's notice email is
queued for the worker, as in production (TASKS_BACKEND=database). Afterwards it checks the
outcome: exactly N referrals, steps, audit entries, notices and queued emails, and the giver's
and receiver's rollups counting N."""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import queue
import secrets
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
# Production queues the notice email for `cerchia worker`; the request pays for the queueing.
os.environ.setdefault("TASKS_BACKEND", "database")
# Persistent connections, as deployed (settings.py reads it; 600 is also its default).
os.environ.setdefault("CONN_MAX_AGE", "600")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

URL = "/api/v1/referrals"


@csrf_exempt
def one_insert(request: HttpRequest) -> HttpResponse:
    """The baseline: the least a write request can do — one INSERT, then 201."""
    from cerchia.audit.models import AuditEntry

    AuditEntry.objects.create(action="bench.ping", target_type="bench", target_id="0")
    return HttpResponse(status=201)


# The project's addresses plus the baseline, as this module's URLconf.
urlpatterns = [path("bench/insert/", one_insert), path("", include("cerchia.urls"))]


class Pair:
    """A giver with an API token and the receiver they pass referrals to."""

    def __init__(self, giver: Any, key: str, receiver: Any) -> None:
        self.giver = giver
        self.key = key
        self.receiver = receiver


def make_chapter(pairs: int) -> tuple[Any, list[Pair]]:
    """A chapter with ``pairs`` × 2 active members; each giver has an API token."""
    from django.contrib.auth.hashers import make_password

    from cerchia.accounts.models import ApiToken, Profile, User
    from cerchia.accounts.services import TOKEN_PREFIX
    from cerchia.groups.models import Membership
    from cerchia.groups.services import create_group

    owner = User.objects.create_user(email="organiser@example.org", password=None)
    group = create_group(
        owner,
        name="Bench Chapter",
        kind="lead_group",
        visibility="private",
        join_policy="application",
    )
    unusable = make_password(None)  # nobody signs in with these: the API tokens are the way in
    users = User.objects.bulk_create(
        [User(email=f"bench{i}@example.org", password=unusable) for i in range(pairs * 2)]
    )
    Profile.objects.bulk_create(
        [Profile(user=u, display_name=f"Bench person {i:02d}") for i, u in enumerate(users)]
    )
    Membership.objects.bulk_create(
        [
            Membership(group=group, user=u, role="member", status="active", standing="active")
            for u in users
        ]
    )
    out = []
    for giver, receiver in zip(users[::2], users[1::2], strict=True):
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        ApiToken.objects.create(
            user=giver,
            name="bench",
            prefix=key[: len(TOKEN_PREFIX) + 6],
            key_hash=ApiToken.hash_key(key),
        )
        out.append(Pair(giver, key, receiver))
    return group, out


def run_clients(
    clients: int, jobs: list[Any], send: Callable[[Client, Any], int], expected: set[int]
) -> tuple[float, float]:
    """Send every job through ``clients`` threads at once; the seconds taken, and the CPU
    seconds this process spent (steadier than the clock on a busy machine)."""
    work: queue.Queue[Any] = queue.Queue()
    for job in jobs:
        work.put(job)
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def worker() -> None:
        client = Client()
        start.wait()
        try:
            while True:
                try:
                    job = work.get_nowait()
                except queue.Empty:
                    return
                status = send(client, job)
                with lock:
                    statuses.append(status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    unexpected = [s for s in statuses if s not in expected]
    if unexpected:
        raise SystemExit(f"unexpected responses: {sorted(set(unexpected))}")
    if len(statuses) != len(jobs):
        raise SystemExit(f"{len(jobs) - len(statuses)} requests did not finish")
    return elapsed, cpu


def api_sender(group: Any) -> Callable[[Client, Pair], int]:
    def send(client: Client, pair: Pair) -> int:
        response = client.post(
            URL,
            {
                "receiver_id": pair.receiver.pk,
                "group_id": group.pk,
                "kind": "inside",
                "prospect_name": "Anna Prospect",
                "prospect_company": "Prospect Srl",
                "prospect_phone": "+39 02 1234567",
                "temperature": 4,
                "notes": "Needs photos for a wedding in June.",
            },
            content_type="application/json",
            headers={"Authorization": f"Bearer {pair.key}"},
        )
        if response.status_code != 201:
            print(response.status_code, response.content[:300], file=sys.stderr)
        return response.status_code

    return send


def baseline(client: Client, _job: Any) -> int:
    return client.post("/bench/insert/").status_code


def check(pair: Pair, group: Any, count: int) -> None:
    """Exactly ``count`` referrals from the pair, each with everything a referral brings."""
    from django.db.models import Sum
    from django_tasks_db.models import DBTaskResult

    from cerchia.audit.models import AuditEntry
    from cerchia.ledger.models import Referral, ReferralStep, Rollup
    from cerchia.notices.models import Notice

    referrals = Referral.objects.filter(giver=pair.giver, receiver=pair.receiver, group=group)
    ids = [str(pk) for pk in referrals.values_list("pk", flat=True)]
    rollup = Rollup.objects.filter(group=group)
    given = rollup.filter(user=pair.giver).aggregate(n=Sum("referrals_given"))["n"]
    received = rollup.filter(user=pair.receiver).aggregate(n=Sum("referrals_received"))["n"]
    found = {
        "referrals": len(ids),
        "steps": ReferralStep.objects.filter(referral__in=referrals, by=pair.giver).count(),
        "audit entries": AuditEntry.objects.filter(
            action="ledger.referral.created", target_id__in=ids
        ).count(),
        "notices to the receiver": Notice.objects.filter(
            user=pair.receiver, kind="ledger.referral_received"
        ).count(),
        "rollup referrals_given": given,
        "rollup referrals_received": received,
    }
    if settings.TASKS_BACKEND == "database":
        notices = set(Notice.objects.filter(user=pair.receiver).values_list("pk", flat=True))
        queued = DBTaskResult.objects.filter(task_path__endswith="send_notice_email")
        found["queued emails"] = sum(
            1 for task in queued.values_list("args_kwargs", flat=True) if task["args"][0] in notices
        )
    print(", ".join(f"{name}: {value}" for name, value in found.items()))
    wrong = {name: value for name, value in found.items() if value != count}
    if wrong:
        raise SystemExit(f"expected {count} of each, found {wrong}")


def profile(group: Any, pair: Pair, requests: int) -> None:
    """The queries of one API request, then where the time of ``requests`` more goes."""
    client = Client()
    send = api_sender(group)
    send(client, pair)  # warm: first request of this client
    with CaptureQueriesContext(connection) as queries:
        send(client, pair)
    print(f"queries in one POST {URL}: {len(queries)}")
    for number, query in enumerate(queries.captured_queries, 1):
        print(f"{number:3d}. {query['sql'][:160]}")
    with CaptureQueriesContext(connection) as queries:
        baseline(client, None)
    print(f"queries in one baseline request: {len(queries)}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        send(client, pair)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per path")
    parser.add_argument("--clients", type=int, default=8, help="threads, one client each")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests per path")
    parser.add_argument(
        "--profile", action="store_true", help="print queries and a cProfile instead"
    )
    args = parser.parse_args()
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    vendor = connection.vendor
    tmp = None
    if vendor == "sqlite":
        tmp = tempfile.TemporaryDirectory()
        # A file, not the in-memory default: the threads need one database they all see.
        connection.settings_dict["TEST"]["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
    else:
        # Not test_<name>: a test run against the same server may be using that one.
        connection.settings_dict["TEST"]["NAME"] = (
            f"bench_referrals_{connection.settings_dict['NAME']}"
        )
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        group, (measured, warm) = make_chapter(2)
        connections.close_all()
        if args.profile:
            profile(group, warm, args.requests // 10 or 1)
            return
        opened: list[str] = []
        lock = threading.Lock()

        def count_connection(**kwargs: Any) -> None:
            with lock:
                opened.append(kwargs["connection"].alias)

        send, n = api_sender(group), args.requests
        run_clients(args.clients, [None] * args.warmup, baseline, {201})
        run_clients(args.clients, [warm] * args.warmup, send, {201})
        connection_created.connect(count_connection)
        base_seconds, base_cpu = run_clients(args.clients, [None] * n, baseline, {201})
        api_seconds, api_cpu = run_clients(args.clients, [measured] * n, send, {201})
        connection_created.disconnect(count_connection)

        base_rate, api_rate = n / base_seconds, n / api_seconds
        max_age = connection.settings_dict["CONN_MAX_AGE"]
        print(
            f"database: {vendor}, {args.clients} clients (threads), {n} requests per path "
            f"after {args.warmup} untimed, CONN_MAX_AGE={max_age}, "
            f"{len(opened)} connections opened for {2 * n} timed requests"
        )
        print(
            f"one-INSERT view:        {base_rate:8.1f} requests/s ({base_seconds:.2f} s), "
            f"CPU {1000 * base_cpu / n:.2f} ms/request"
        )
        print(
            f"POST {URL}:    {api_rate:8.1f} requests/s ({api_seconds:.2f} s), "
            f"CPU {1000 * api_cpu / n:.2f} ms/request"
        )
        print(f"ratio (referrals API / one-INSERT view): {api_rate / base_rate:.2f}")
        print(f"CPU ratio (one-INSERT view / referrals API, per request): {base_cpu / api_cpu:.2f}")
        check(measured, group, n)
        print(f"ok: exactly {n} referrals, each with its step, audit entry, notice")
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
