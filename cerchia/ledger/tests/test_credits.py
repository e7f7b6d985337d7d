"""Credits (education units and testimonials) and late arrivals in the monthly rollup: kept by
the services, equal to a rebuild, refused for non-members."""

from __future__ import annotations

import datetime

import pytest

from cerchia.conftest import Cast
from cerchia.ledger import rollups, services
from cerchia.ledger.models import Credit, Rollup
from cerchia.ledger.services import LedgerError
from cerchia.ledger.tests.people_helpers import TODAY, meeting_of, on
from cerchia.meetings.attendance import Mark, record_attendance

pytestmark = pytest.mark.django_db
MARCH = datetime.date(2026, 3, 1)


def march_row(cast: Cast, who: str = "member") -> Rollup:
    return Rollup.objects.get(user=getattr(cast, who), group=cast.group, month=MARCH)


def test_a_credit_counts_in_the_rollup_and_deleting_it_takes_it_back(cast: Cast) -> None:
    with on(TODAY):
        book = services.record_credit(
            cast.member, cast.group, kind="education", title="Givers Gain", earned_on=TODAY
        )
        services.record_credit(
            cast.member, cast.group, kind="testimonial", title="For Leo's flowers"
        )
    row = march_row(cast)
    assert (row.education, row.testimonials) == (1, 1)
    assert rollups.snapshot() == _rebuilt()

    services.delete_credit(book, actor=cast.member)
    row = march_row(cast)
    assert (row.education, row.testimonials) == (0, 1)
    assert not Credit.objects.filter(pk=book.pk).exists()


def test_only_active_members_log_credits_and_only_the_owner_deletes(cast: Cast) -> None:
    with on(TODAY):
        for who in ("outsider", "visitor"):
            with pytest.raises(LedgerError, match="not an active member"):
                services.record_credit(
                    getattr(cast, who), cast.group, kind="education", title="A book"
                )
        with pytest.raises(LedgerError, match="Choose"):
            services.record_credit(cast.member, cast.group, kind="bonus", title="A book")
        with pytest.raises(LedgerError, match="Say what"):
            services.record_credit(cast.member, cast.group, kind="education", title="  ")
        with pytest.raises(LedgerError, match="future"):
            services.record_credit(
                cast.member,
                cast.group,
                kind="education",
                title="A book",
                earned_on=TODAY + datetime.timedelta(days=1),
            )
        credit = services.record_credit(cast.member, cast.group, kind="education", title="Book")
        with pytest.raises(LedgerError, match="owner"):
            services.delete_credit(credit, actor=cast.leader)
    assert Credit.objects.count() == 1
    assert march_row(cast).education == 1


def test_late_counts_as_attended_and_late_and_moves_with_the_mark(cast: Cast) -> None:
    meeting = meeting_of(cast.group)
    with on(TODAY, hour=9):
        record_attendance(meeting, actor=cast.leader, items=[Mark(cast.member.pk, "late")])
    row = march_row(cast)
    assert (row.attended, row.late, row.absent) == (1, 1, 0)
    assert rollups.snapshot() == _rebuilt()

    with on(TODAY, hour=9):
        record_attendance(meeting, actor=cast.leader, items=[Mark(cast.member.pk, "present")])
    row = march_row(cast)
    assert (row.attended, row.late) == (1, 0)
    assert rollups.snapshot() == _rebuilt()


def _rebuilt() -> dict:
    kept = rollups.snapshot()
    rollups.rebuild()
    rebuilt = rollups.snapshot()
    assert rebuilt == kept
    return rebuilt
