"""The `cerchia` command line: help, `token create`, and `worker` refusing to run in demo mode."""

from __future__ import annotations

import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import Client

from cerchia import cli
from cerchia.accounts.models import ApiToken, Profile, User
from cerchia.groups.models import Group


@pytest.fixture
def run(monkeypatch, capsys):
    """``run("token", "create", email)`` → (stdout, stderr) of `cerchia token create email`."""
    # Management commands close the database connections when they finish; keep the test's.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> tuple[str, str]:
        monkeypatch.setattr(sys, "argv", ["cerchia", *args])
        cli.main()
        captured = capsys.readouterr()
        return captured.out, captured.err

    return run


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["help"], []])
def test_help_lists_the_cerchia_commands(run, args):
    out, err = run(*args)

    for command in (
        "demo",
        "serve",
        "worker",
        "migrate",
        "seed-demo",
        "token create EMAIL",
        "createsuperuser",
    ):
        assert f"\n  {command}" in out, command
    assert out.startswith("usage: cerchia COMMAND")
    assert err == ""


def test_token_create_prints_only_the_token_on_stdout(cast, run):
    out, err = run("token", "create", "member@example.org")

    lines = out.splitlines()
    assert len(lines) == 1
    key = lines[-1]
    assert key.startswith("cer_")
    assert "member@example.org" in err
    assert key not in err
    token = ApiToken.objects.get(user=cast.member)
    assert token.name == "cli"
    assert token.key_hash == ApiToken.hash_key(key)
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == "member@example.org"


def test_token_create_matches_the_email_case_insensitively_and_takes_a_name(cast, run):
    out, _err = run("token", "create", " Member@Example.org ", "--name", "backup script")

    assert ApiToken.objects.get(user=cast.member).name == "backup script"
    assert ApiToken.objects.get().key_hash == ApiToken.hash_key(out.strip())


def test_token_create_for_an_unknown_email_is_a_command_error(cast):
    with pytest.raises(CommandError, match="nobody@example.org"):
        call_command("token", "create", "nobody@example.org")

    assert not ApiToken.objects.exists()


def test_cli_token_create_for_an_unknown_email_exits_with_an_error(cast, run, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run("token", "create", "nobody@example.org")

    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "No user with the email nobody@example.org" in captured.err
    assert "cer_" not in captured.out
    assert not ApiToken.objects.exists()


def test_token_create_refuses_a_deactivated_user(cast):
    cast.member.is_active = False
    cast.member.save()

    with pytest.raises(CommandError, match="deactivated"):
        call_command("token", "create", "member@example.org")

    assert not ApiToken.objects.exists()


def test_worker_in_demo_mode_exits_2_with_a_clear_message(settings, run, monkeypatch, capsys):
    settings.TASKS_BACKEND = "immediate"
    started = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: started.append(a))

    with pytest.raises(SystemExit) as exit_info:
        run("worker")

    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "database task backend" in err
    assert "CERCHIA_MODE=production" in err
    assert started == []


def test_worker_with_the_database_backend_runs_db_worker_with_the_options(
    settings, run, monkeypatch
):
    settings.TASKS_BACKEND = "database"
    started = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: started.append(a))
    monkeypatch.setattr("cerchia.daily.start_daily_thread", lambda: started.append("daily"))

    run("worker", "--batch")

    # The worker also runs the daily job (in a thread), then the queue.
    assert started == ["daily", ("db_worker", "--batch")]


def test_createsuperuser_gives_the_administrator_a_card(db, run, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-Unusual-passphrase-42")

    run("createsuperuser", "--noinput", "--email", "root@example.org")

    user = User.objects.get(email="root@example.org")
    assert user.is_superuser
    assert user.is_staff
    assert user.check_password("a-long-Unusual-passphrase-42")
    assert Profile.objects.filter(user=user).exists()
    assert Group.objects.filter(owner=user, kind="informal").count() == 1
