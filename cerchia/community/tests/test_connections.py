"""Connection requests: the lifecycle, every refusal, the daily cap from the group's rules and
the newcomer limit, blocks never named, notices, "not interested", and requests at once."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from cerchia.accounts.models import Block, Connection, ConnectionRequest, User
from cerchia.audit.models import AuditEntry
from cerchia.community import connections as services
from cerchia.community.errors import CommunityError
from cerchia.community.models import Dismissal, Trust
from cerchia.conftest import Cast, add_member, make_user
from cerchia.groups.services import create_group
from cerchia.groups.tests.test_concurrency import run_together
from cerchia.notices.models import Notice

Status = ConnectionRequest.Status
NEUTRAL = "You cannot send a connection request to this member."


def _send(sender: User, recipient: User, **kw: object) -> ConnectionRequest:
    return services.send_connection_request(sender, recipient, **kw)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_request_accepted_connects_both_ways_and_tells_the_sender(cast: Cast):
    request = _send(cast.member, cast.leader, message="Weddings together?", group=cast.group)
    assert request.status == Status.PENDING and request.group == cast.group
    received = Notice.objects.get(user=cast.leader, kind="connections.request_received")
    assert received.params == {"person": "Mia Member", "message": "Weddings together?"}
    assert received.url == "/account/requests/"

    services.accept_connection_request(request, actor=cast.leader)

    request.refresh_from_db()
    assert request.status == Status.ACCEPTED and request.decided_at is not None
    assert Connection.objects.filter(owner=cast.member, other=cast.leader).exists()
    assert Connection.objects.filter(owner=cast.leader, other=cast.member).exists()
    assert Notice.objects.filter(user=cast.member, kind="connections.request_accepted").exists()
    assert AuditEntry.objects.filter(action="community.connection_request.accepted").count() == 1
    with pytest.raises(CommunityError, match="already connected with Leo Leader"):
        _send(cast.member, cast.leader)


@pytest.mark.django_db
def test_declining_connects_nobody_and_tells_the_sender_nothing(cast: Cast):
    request = _send(cast.member, cast.leader)
    services.decline_connection_request(request, actor=cast.leader)
    assert ConnectionRequest.objects.get(pk=request.pk).status == Status.DECLINED
    assert not Connection.objects.exists()
    assert not Notice.objects.filter(user=cast.member).exists()


@pytest.mark.django_db
def test_after_a_decline_the_sender_waits_90_days(cast: Cast):
    request = _send(cast.member, cast.leader)
    services.decline_connection_request(request, actor=cast.leader)
    with pytest.raises(CommunityError, match="did not accept your last request"):
        _send(cast.member, cast.leader)
    # The one declined may still ask the other way round.
    assert _send(cast.leader, cast.member).status == Status.PENDING
    with time_machine.travel(timezone.now() + datetime.timedelta(days=91)):
        services.withdraw_connection_request(
            ConnectionRequest.objects.get(sender=cast.leader), actor=cast.leader
        )
        assert _send(cast.member, cast.leader).status == Status.PENDING


@pytest.mark.django_db
def test_withdrawn_by_the_sender_only(cast: Cast):
    request = _send(cast.member, cast.leader)
    with pytest.raises(CommunityError, match="Only its sender"):
        services.withdraw_connection_request(request, actor=cast.leader)
    with pytest.raises(CommunityError, match="Only the person asked"):
        services.accept_connection_request(request, actor=cast.member)
    assert ConnectionRequest.objects.get(pk=request.pk).status == Status.PENDING
    services.withdraw_connection_request(request, actor=cast.member)
    assert ConnectionRequest.objects.get(pk=request.pk).status == Status.WITHDRAWN
    with pytest.raises(CommunityError, match="no longer waiting"):
        services.accept_connection_request(request, actor=cast.leader)
    assert not Connection.objects.exists()
    # Withdrawn, it may be sent again.
    assert _send(cast.member, cast.leader).status == Status.PENDING


@pytest.mark.django_db
def test_refusals_change_nothing(cast: Cast):
    with pytest.raises(CommunityError, match="yourself"):
        _send(cast.member, cast.member)
    with pytest.raises(CommunityError, match="at most 500"):
        _send(cast.member, cast.leader, message="x" * 501)
    with pytest.raises(CommunityError, match="only as an active member"):
        _send(cast.outsider, cast.leader, group=cast.group)
    first = _send(cast.member, cast.leader)
    with pytest.raises(CommunityError, match="You already asked Leo Leader"):
        _send(cast.member, cast.leader)
    with pytest.raises(CommunityError, match="Mia Member already asked to connect with you"):
        _send(cast.leader, cast.member)
    assert list(ConnectionRequest.objects.all()) == [first]
    assert Notice.objects.filter(kind="connections.request_received").count() == 1


@pytest.mark.django_db
def test_a_block_either_way_is_answered_with_the_same_neutral_words(cast: Cast):
    Block.objects.create(blocker=cast.leader, blocked=cast.member)
    for sender, recipient in ((cast.member, cast.leader), (cast.leader, cast.member)):
        with pytest.raises(CommunityError) as caught:
            _send(sender, recipient)
        assert str(caught.value) == NEUTRAL
        assert "block" not in str(caught.value).lower()
    cast.outsider.is_active = False
    cast.outsider.save()
    with pytest.raises(CommunityError) as caught:
        _send(cast.member, cast.outsider)
    assert str(caught.value) == NEUTRAL
    assert not ConnectionRequest.objects.exists() and not Notice.objects.exists()


@pytest.mark.django_db
def test_a_block_after_the_request_stops_its_acceptance(cast: Cast):
    request = _send(cast.member, cast.leader)
    Block.objects.create(blocker=cast.member, blocked=cast.leader)
    with pytest.raises(CommunityError):
        services.accept_connection_request(request, actor=cast.leader)
    assert not Connection.objects.exists()
    assert ConnectionRequest.objects.get(pk=request.pk).status == Status.PENDING


@pytest.mark.django_db
def test_outgoing_requests_are_capped_per_day_by_the_groups_rule(cast: Cast):
    group = cast.public_group
    group.rule_overrides = {"connection_requests_per_day": 2}
    group.save()
    sender = make_user("busy@example.org", "Busy")
    add_member(group, sender)
    people = [make_user(f"p{i}@example.org") for i in range(3)]
    _send(sender, people[0], group=group)
    _send(sender, people[1], group=group)
    with pytest.raises(CommunityError, match="at most 2 connection requests a day"):
        _send(sender, people[2], group=group)
    assert ConnectionRequest.objects.filter(sender=sender).count() == 2
    # Incoming requests are never capped.
    for n in range(3):
        _send(make_user(f"in{n}@example.org"), sender)
    assert ConnectionRequest.objects.filter(recipient=sender).count() == 3
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert _send(sender, people[2], group=group).status == Status.PENDING


@pytest.mark.django_db
def test_newcomers_at_trust_level_0_may_send_three_a_day(cast: Cast):
    owner = make_user("mod@example.org")
    community = create_group(
        owner, name="Makers", kind="online_community", visibility="public", join_policy="open"
    )
    newcomer = make_user("new@example.org", "Nina New")
    add_member(community, newcomer)
    Trust.objects.create(group=community, user=newcomer, level=0, locked=True)
    people = [make_user(f"q{i}@example.org") for i in range(4)]
    for person in people[:3]:
        _send(newcomer, person, group=community)
    with pytest.raises(CommunityError, match="at most 3 connection requests a day"):
        _send(newcomer, people[3], group=community)
    assert ConnectionRequest.objects.filter(sender=newcomer).count() == 3


@pytest.mark.django_db
def test_not_interested_is_kept_once_and_never_for_oneself(cast: Cast):
    first = services.dismiss_suggestion(cast.member, other=cast.leader)
    again = services.dismiss_suggestion(cast.member, other=cast.leader)
    assert first.pk == again.pk and Dismissal.objects.count() == 1
    assert AuditEntry.objects.filter(action="community.suggestion.dismissed").count() == 1
    with pytest.raises(CommunityError):
        services.dismiss_suggestion(cast.member, other=cast.member)


pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pg_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_request_sent_twice_at_once_leaves_one_pending() -> None:
    a, b = make_user("a@example.org", "Ann"), make_user("b@example.org", "Bob")

    results = run_together(
        lambda: _send(User.objects.get(pk=a.pk), User.objects.get(pk=b.pk)), times=4
    )

    made = [r for r in results if isinstance(r, ConnectionRequest)]
    refused = [r for r in results if isinstance(r, CommunityError)]
    assert len(made) == 1 and len(refused) == 3, results
    assert ConnectionRequest.objects.filter(status=Status.PENDING).count() == 1
    assert Notice.objects.filter(user=b, kind="connections.request_received").count() == 1


@pg_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_requests_both_ways_at_once_leave_one_pending() -> None:
    a, b = make_user("a@example.org", "Ann"), make_user("b@example.org", "Bob")
    pairs = [(a.pk, b.pk), (b.pk, a.pk)] * 2

    def work() -> ConnectionRequest:
        sender, recipient = pairs.pop()
        return _send(User.objects.get(pk=sender), User.objects.get(pk=recipient))

    results = run_together(work, times=4)

    assert sum(isinstance(r, ConnectionRequest) for r in results) == 1, results
    assert ConnectionRequest.objects.filter(status=Status.PENDING).count() == 1


@pg_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_accepting_and_withdrawing_at_once_decide_once() -> None:
    a, b = make_user("a@example.org", "Ann"), make_user("b@example.org", "Bob")
    request = _send(a, b)
    actions = [
        lambda: services.accept_connection_request(
            ConnectionRequest.objects.get(pk=request.pk), actor=User.objects.get(pk=b.pk)
        ),
        lambda: services.withdraw_connection_request(
            ConnectionRequest.objects.get(pk=request.pk), actor=User.objects.get(pk=a.pk)
        ),
    ]

    results = run_together(lambda: actions.pop()(), times=2)

    assert sum(isinstance(r, CommunityError) for r in results) == 1, results
    final = ConnectionRequest.objects.get(pk=request.pk).status
    assert final in (Status.ACCEPTED, Status.WITHDRAWN)
    assert Connection.objects.count() == (2 if final == Status.ACCEPTED else 0)
