"""Many writes at once land in the same rollup row without losing a count: the row is created
once (a unique constraint) and each write adds to it in SQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.conftest import add_member, make_user
from cerchia.groups.models import Group
from cerchia.groups.services import create_group
from cerchia.groups.tests.test_concurrency import run_together
from cerchia.ledger import rollups
from cerchia.ledger.models import Referral, Rollup
from cerchia.ledger.services import record_referral

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent upserts need PostgreSQL")
def test_referrals_given_at_the_same_moment_all_count() -> None:
    owner = make_user("owner@example.org")
    group = create_group(owner, name="Chapter", kind="lead_group", join_policy="open")
    giver = make_user("giver@example.org")
    receivers = [make_user(f"r{i}@example.org") for i in range(6)]
    for person in (giver, *receivers):
        add_member(group, person)
    queue = list(receivers)

    def give() -> Referral:
        receiver = User.objects.get(pk=queue.pop().pk)
        return record_referral(
            User.objects.get(pk=giver.pk),
            receiver=receiver,
            group=Group.objects.get(pk=group.pk),
            prospect_name="Prospect",
        )

    results = run_together(give, len(receivers))

    assert all(isinstance(r, Referral) for r in results), results
    month = timezone.localdate().replace(day=1)
    row = Rollup.objects.get(user=giver, group=group, month=month)
    assert row.referrals_given == len(receivers)
    incremental = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == incremental
