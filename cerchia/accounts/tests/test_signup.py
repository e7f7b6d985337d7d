"""Signing up through allauth: the account gets its card, its informal network and a welcome."""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from cerchia.accounts.models import Profile, User
from cerchia.audit.models import AuditEntry
from cerchia.groups.models import Group, Membership

PASSWORD = "a-long-Unusual-passphrase-42"
SIGNUP = {"email": "New.Person@Example.org", "password1": PASSWORD, "password2": PASSWORD}


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # allauth counts sign-ups per IP in the cache, which outlives a single test.
    cache.clear()


def welcome_mails(outbox) -> list:
    return [m for m in outbox if m.subject == "Welcome to Cerchia"]


def sign_up(client: Client, capture, data: dict | None = None):
    with capture(execute=True):
        return client.post("/account/signup/", data or SIGNUP)


def test_signup_creates_the_account_its_card_and_one_informal_network(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    client = Client()

    response = sign_up(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    profile = Profile.objects.get(user=user)
    assert profile.display_name == "new.person"
    informal = Group.objects.filter(owner=user, kind="informal")
    assert informal.count() == 1
    assert not informal.get().memberships.exists()
    assert not Membership.objects.filter(user=user).exists()
    entry = AuditEntry.objects.get(action="accounts.user.registered")
    assert entry.actor == user
    assert entry.target_id == str(user.pk)
    assert entry.data == {"email": "new.person@example.org"}
    mails = welcome_mails(mailoutbox)
    assert len(mails) == 1
    assert mails[0].to == ["new.person@example.org"]
    assert "Hello new.person," in mails[0].body


def test_signup_in_italian_sends_the_welcome_in_italian(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    client = Client(headers={"Accept-Language": "it"})

    sign_up(client, django_capture_on_commit_callbacks)

    assert User.objects.filter(email="new.person@example.org").exists()
    assert not welcome_mails(mailoutbox)
    italian = [m for m in mailoutbox if m.subject == "Ti diamo il benvenuto in Cerchia"]
    assert len(italian) == 1
    assert italian[0].to == ["new.person@example.org"]
    assert "/me/profile/" in italian[0].body


def test_failed_signup_creates_nothing_and_sends_nothing(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    data = {**SIGNUP, "password2": PASSWORD + "-typo"}

    response = sign_up(Client(), django_capture_on_commit_callbacks, data)

    assert response.status_code == 200
    assert not User.objects.exists()
    assert not Profile.objects.exists()
    assert not Group.objects.exists()
    assert not AuditEntry.objects.exists()
    assert mailoutbox == []


def test_signup_with_a_taken_email_is_refused(cast, mailoutbox, django_capture_on_commit_callbacks):
    data = {**SIGNUP, "email": "MEMBER@example.org"}

    response = sign_up(Client(), django_capture_on_commit_callbacks, data)

    assert response.status_code == 200
    assert User.objects.filter(email__iexact="member@example.org").count() == 1
    assert not welcome_mails(mailoutbox)


@pytest.fixture
def database_tasks(settings) -> Iterator[None]:
    """Queue tasks in the database, as production does; restore what db_worker changes."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASKS_BACKEND = "database"
    assert isinstance(task_backends["default"], DatabaseBackend)  # the handler was reset
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    loggers = [logging.getLogger(name) for name in ("django_tasks", "django_tasks_db")]
    saved = [(lg, lg.level, list(lg.handlers)) for lg in loggers]
    yield
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    for lg, level, lg_handlers in saved:
        lg.setLevel(level)
        lg.handlers[:] = lg_handlers


# db_worker closes the database connections when it is done, as a real worker does: that
# needs a test outside the usual wrapping transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_database_backend_the_welcome_waits_for_the_worker(
    database_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(Client(), django_capture_on_commit_callbacks)

    queued = DBTaskResult.objects.get()
    assert queued.task_path == "cerchia.accounts.tasks.send_welcome_email"
    assert queued.status == "READY"
    assert not welcome_mails(mailoutbox)

    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)

    mails = welcome_mails(mailoutbox)
    assert len(mails) == 1
    assert mails[0].to == ["new.person@example.org"]
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    # A second run finds nothing left to do.
    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)
    assert len(welcome_mails(mailoutbox)) == 1


def test_welcome_is_queued_only_once_the_signup_commits(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        Client().post("/account/signup/", SIGNUP)
        assert not welcome_mails(mailoutbox)

    assert User.objects.filter(email="new.person@example.org").exists()
    assert not welcome_mails(mailoutbox)
    for callback in callbacks:
        callback()
    assert len(welcome_mails(mailoutbox)) == 1
