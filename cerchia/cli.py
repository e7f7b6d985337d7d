"""The `cerchia` command: Cerchia's own commands plus every Django management command."""

from __future__ import annotations

import os
import sys

USAGE = """usage: cerchia COMMAND [options]

Cerchia commands:
  demo                 migrate, build the demo world if missing, print the logins and serve
                       on http://127.0.0.1:8000 (demo mode: tasks run in-process)
  serve                serve with gunicorn in production mode (CERCHIA_BIND, WEB_CONCURRENCY)
  worker               run the background task worker (django-tasks-db db_worker); it also
                       runs the daily job once a day
  run-daily [--date D] membership standings, renewal reminders, automatic renewals,
                       leadership terms, recurring meetings, seat offers, no-shows,
                       visitor follow-ups, follow-up digests, the organisation view's
                       six-month rollup (idempotent; the worker runs it daily)
  export-ledger --user EMAIL [--from DATE] [--to DATE]
                       one person's ledger as CSV on stdout, one row per entry
  traffic-lights --group SLUG --format csv|json [--date DATE]
                       a group's traffic lights on stdout, one record per active member
  report --user EMAIL [--from DATE] [--to DATE] --format json|csv
                       one person's report (where their business comes from) on stdout
  advise --profile FILE.json
                       the fit 0-100 of each kind of networking for a business profile,
                       with reasons, as JSON on stdout
  import-contacts --user EMAIL --format linkedin|google|vcard FILE
                       import a contacts file, all or nothing; ends with
                       `imported N, already present M` (progress on stderr)
  export-contacts --user EMAIL --format vcard
                       one person's contacts as vCard 4.0 on stdout
  rebuild-rollups      add missing automatic investments, then recompute the monthly
                       ledger rollups from the ledger (progress on stderr)
  generate --chapters N --members-per-chapter M --weeks W --seed S [--organisation NAME]
                       build a synthetic organisation for benchmarks by bulk inserts
                       (COPY on PostgreSQL; progress on stderr, rows per table on stdout)
  migrate              create or update the database tables
  seed-demo            build the demo world only (idempotent)
  token create EMAIL   print a new API token for that user (the token alone on the last line)
  createsuperuser      create a site administrator
  help                 this text; `cerchia help COMMAND` for one command's options

Every Django management command works too (e.g. `cerchia check`, `cerchia shell`);
`cerchia help --commands` lists them all.
"""


def _django_setup() -> None:
    import django

    django.setup()


def _serve() -> None:
    os.environ["CERCHIA_MODE"] = "production"
    from django.core.management import call_command

    _django_setup()
    call_command("collectstatic", interactive=False, verbosity=0)
    from gunicorn.app.wsgiapp import run

    workers = os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1))
    sys.argv = [
        "gunicorn",
        "cerchia.wsgi:application",
        "--bind",
        os.environ.get("CERCHIA_BIND", "127.0.0.1:8000"),
        "--workers",
        workers,
        "--access-logfile",
        "-",
        *sys.argv[2:],
    ]
    run()


def _worker() -> None:
    from django.conf import settings
    from django.core.management import call_command

    _django_setup()
    if settings.TASKS_BACKEND != "database":
        sys.stderr.write(
            "cerchia worker needs the database task backend: set CERCHIA_MODE=production "
            "or TASKS_BACKEND=database (in demo mode tasks already run in-process).\n"
        )
        raise SystemExit(2)
    from cerchia.daily import start_daily_thread

    start_daily_thread()  # the daily job, once a day, alongside the queue
    call_command("db_worker", *sys.argv[2:])


def _demo() -> None:
    os.environ["CERCHIA_MODE"] = "demo"
    from django.core.management import call_command

    _django_setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo")
    bind = os.environ.get("CERCHIA_BIND", "127.0.0.1:8000")
    call_command("runserver", bind, use_reloader=False)


def main() -> None:
    from django.core.exceptions import ImproperlyConfigured

    try:
        _main()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"cerchia: {exc}\n")
        raise SystemExit(2) from None


def _main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cerchia.settings")
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help") or args == ["help"]:
        sys.stdout.write(USAGE)
        return
    command = args[0]
    if command == "serve":
        _serve()
        return
    if command == "worker":
        _worker()
        return
    if command == "demo":
        _demo()
        return
    from django.core.management import execute_from_command_line

    argv = ["cerchia", command.replace("-", "_"), *args[1:]]
    if command == "help" and args[1:] == ["--commands"]:
        argv = ["cerchia", "help", "--commands"]
    elif command == "help" and len(args) > 1:
        argv = ["cerchia", "help", args[1].replace("-", "_")]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
