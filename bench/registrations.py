"""Benchmark: 8 clients registering at once for a 500-seat event, 2,000 attempts in all.

Run it from the project's root (a script, not a test):

    .venv/bin/python bench/registrations.py                  # SQLite (a temporary file)
    DATABASE_URL=postgres://user@host:5432/cerchia .venv/bin/python bench/registrations.py

Against PostgreSQL it makes (and drops) a ``test_<name>`` database beside the one named in
DATABASE_URL. Every attempt goes through the real API (``POST /api/v1/meetings/{id}/register``
with a bearer token, through the whole middleware stack) in one of 8 threads, each with its own
Django test client and database connection. Throughput is printed as attempts per second and
as a ratio to a minimal view that does one INSERT, measured in the same run with the same
clients, so the number says what registering costs beyond the framework and the database. It
then checks the outcome: exactly 500 registered on seats 1..500, the other 1,500 waitlisted."""

from __future__ import annotations

import argparse
import datetime
import os
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
os.environ.setdefault("TASKS_BACKEND", "immediate")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

CLIENTS = 8
SEATS = 500
ATTEMPTS = 2000


@csrf_exempt
def one_insert(request: HttpRequest) -> HttpResponse:
    """The baseline: the least a write request can do — one INSERT, then 201."""
    from cerchia.audit.models import AuditEntry

    AuditEntry.objects.create(action="bench.ping", target_type="bench", target_id="0")
    return HttpResponse(status=201)


# The project's addresses plus the baseline, as this module's URLconf.
urlpatterns = [path("bench/insert/", one_insert), path("", include("cerchia.urls"))]


def make_people(count: int) -> list[tuple[int, str]]:
    """``count`` accounts with a card and an API token each: (user id, token)."""
    from django.contrib.auth.hashers import make_password

    from cerchia.accounts.models import ApiToken, Profile, User
    from cerchia.accounts.services import TOKEN_PREFIX

    unusable = make_password(None)  # nobody signs in with these: the API tokens are the way in
    users = User.objects.bulk_create(
        [User(email=f"bench{i}@example.org", password=unusable) for i in range(count)]
    )
    Profile.objects.bulk_create(
        [Profile(user=u, display_name=f"Bench person {i:04d}") for i, u in enumerate(users)]
    )
    keys = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in users]
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user=u,
                name="bench",
                prefix=key[: len(TOKEN_PREFIX) + 6],
                key_hash=ApiToken.hash_key(key),
            )
            for u, key in zip(users, keys, strict=True)
        ]
    )
    return [(u.pk, key) for u, key in zip(users, keys, strict=True)]


def make_event() -> Any:
    from cerchia.accounts.models import User
    from cerchia.groups.services import create_group
    from cerchia.meetings.models import Meeting

    owner = User.objects.create_user(email="organiser@example.org", password=None)
    group = create_group(
        owner, name="Bench Events", kind="event_network", visibility="public", join_policy="open"
    )
    start = timezone.now() + datetime.timedelta(days=30)
    return Meeting.objects.create(
        group=group,
        kind="trade_show",
        title="Bench trade show",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=8),
        capacity=SEATS,
        price_non_member_minor=2500,
    )


def run_clients(
    jobs: list[Any], send: Callable[[Client, Any], int], expected: set[int]
) -> tuple[float, list[int]]:
    """Send every job through ``CLIENTS`` threads at once; the seconds taken and the statuses."""
    work: queue.Queue[Any] = queue.Queue()
    for job in jobs:
        work.put(job)
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS + 1)

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

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    unexpected = [s for s in statuses if s not in expected]
    if unexpected:
        raise SystemExit(f"unexpected responses: {sorted(set(unexpected))}")
    return elapsed, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    vendor = connection.vendor
    tmp = None
    if vendor == "sqlite":
        tmp = tempfile.TemporaryDirectory()
        # A file, not the in-memory default: 8 threads need one database they all see.
        connection.settings_dict["TEST"]["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from cerchia.meetings.models import Registration

        people = make_people(ATTEMPTS)
        meeting = make_event()
        url = f"/api/v1/meetings/{meeting.pk}/register"
        connections.close_all()

        def baseline(client: Client, _job: Any) -> int:
            return client.post("/bench/insert/").status_code

        def attempt(client: Client, job: tuple[int, str]) -> int:
            response = client.post(
                url,
                "",
                content_type="application/json",
                headers={"Authorization": f"Bearer {job[1]}"},
            )
            return response.status_code

        base_seconds, _ = run_clients(list(range(ATTEMPTS)), baseline, {201})
        reg_seconds, _ = run_clients(people, attempt, {201})

        regs = Registration.objects.filter(meeting=meeting)
        registered = regs.filter(status="registered")
        seats = sorted(s or 0 for s in registered.values_list("seat", flat=True))
        base_rate = ATTEMPTS / base_seconds
        reg_rate = ATTEMPTS / reg_seconds
        print(f"database: {vendor}, {CLIENTS} clients, {ATTEMPTS} attempts, {SEATS} seats")
        print(f"one-INSERT view: {base_rate:8.1f} requests/s ({base_seconds:.2f} s)")
        print(f"registrations:   {reg_rate:8.1f} requests/s ({reg_seconds:.2f} s)")
        print(f"ratio (registrations / one-INSERT view): {reg_rate / base_rate:.2f}")
        print(
            f"registered: {registered.count()}, waitlisted: "
            f"{regs.filter(status='waitlisted').count()}"
        )
        assert registered.count() == SEATS, registered.count()
        assert seats == list(range(1, SEATS + 1)), "seats are not 1..500, each once"
        assert regs.filter(status="waitlisted").count() == ATTEMPTS - SEATS
        assert regs.count() == ATTEMPTS
        print("ok: exactly 500 registered, no seat sold twice")
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
