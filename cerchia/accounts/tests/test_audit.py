"""Every write in accounts leaves exactly one audit entry with its action code; refusals none."""

from __future__ import annotations

import pytest

from cerchia.accounts.models import Profile, User
from cerchia.accounts.services import (
    AccountError,
    add_connection,
    create_api_token,
    ensure_profile,
    register_user,
    remove_connection,
    revoke_api_token,
    update_profile,
)
from cerchia.audit.models import AuditEntry
from cerchia.groups.models import Group


def new_entries(since: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(pk__gt=since).order_by("pk"))


@pytest.fixture
def mark(cast) -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_register_user(db, django_capture_on_commit_callbacks):
    user = User.objects.create_user("fresh@example.org", "pw")

    with django_capture_on_commit_callbacks(execute=False):
        register_user(user, display_name="Fresh")

    actions = [e.action for e in AuditEntry.objects.order_by("pk")]
    assert actions == ["groups.informal.created", "accounts.user.registered"]
    entry = AuditEntry.objects.get(action="accounts.user.registered")
    assert (entry.actor, entry.target_type, entry.target_id) == (
        user,
        "accounts.user",
        str(user.pk),
    )


def test_registering_twice_keeps_one_card_and_one_network(db, django_capture_on_commit_callbacks):
    user = User.objects.create_user("fresh@example.org", "pw")
    with django_capture_on_commit_callbacks(execute=False):
        first = register_user(user, display_name="Fresh")
        second = register_user(user, display_name="Other")

    assert first.pk == second.pk
    assert second.display_name == "Fresh"
    assert AuditEntry.objects.filter(action="groups.informal.created").count() == 1


def test_update_profile(cast, mark):
    profile = update_profile(cast.member.profile, actor=cast.member, changes={"bio": "Hi"})

    [entry] = new_entries(mark)
    assert entry.action == "accounts.profile.updated"
    assert entry.actor == cast.member
    assert (entry.target_type, entry.target_id) == ("accounts.profile", str(profile.pk))
    assert entry.data == {"fields": ["bio"]}


def test_refused_update_profile_records_nothing(cast, mark):
    with pytest.raises(AccountError):
        update_profile(cast.member.profile, actor=cast.member, changes={"phone": "12345"})

    assert new_entries(mark) == []


def test_create_api_token(cast, mark):
    token, key = create_api_token(cast.member, name="laptop")

    [entry] = new_entries(mark)
    assert entry.action == "accounts.token.created"
    assert entry.actor == cast.member
    assert (entry.target_type, entry.target_id) == ("accounts.apitoken", str(token.pk))
    assert entry.data == {"name": "laptop"}
    assert key not in str(entry.data)


def test_revoke_api_token(cast):
    token, _key = create_api_token(cast.member, name="laptop")
    token_pk = token.pk
    since = AuditEntry.objects.order_by("-pk").first().pk

    revoke_api_token(token, actor=cast.member)

    [entry] = new_entries(since)
    assert entry.action == "accounts.token.revoked"
    assert entry.actor == cast.member
    assert entry.target_id == str(token_pk)


def test_add_connection(cast, mark):
    connection = add_connection(cast.member, other=cast.outsider)
    add_connection(cast.member, other=cast.outsider)  # already there: no second entry

    [entry] = new_entries(mark)
    assert entry.action == "accounts.connection.added"
    assert entry.actor == cast.member
    assert (entry.target_type, entry.target_id) == ("accounts.connection", str(connection.pk))
    assert entry.data == {"other": cast.outsider.pk}


def test_refused_connection_to_myself_records_nothing(cast, mark):
    with pytest.raises(AccountError):
        add_connection(cast.member, other=cast.member)

    assert new_entries(mark) == []


def test_remove_connection(cast):
    connection = add_connection(cast.member, other=cast.outsider)
    since = AuditEntry.objects.order_by("-pk").first().pk

    remove_connection(cast.member, other_id=cast.outsider.pk)
    remove_connection(cast.member, other_id=cast.outsider.pk)  # already gone: nothing more

    [entry] = new_entries(since)
    assert entry.action == "accounts.connection.removed"
    assert entry.target_id == str(connection.pk)
    assert entry.data == {"other": cast.outsider.pk}


def test_ensure_profile_gives_an_account_made_elsewhere_its_card_once(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    user = User.objects.create_user("made-by-admin@example.org", "pw")
    assert not Profile.objects.filter(user=user).exists()

    with django_capture_on_commit_callbacks(execute=True):
        profile = ensure_profile(user)
        again = ensure_profile(user)

    assert again.pk == profile.pk
    assert profile.display_name == "made-by-admin"
    assert AuditEntry.objects.filter(action="accounts.user.registered").count() == 1
    assert Group.objects.filter(owner=user, kind="informal").count() == 1
    assert mailoutbox == []  # nobody signed up: no welcome
