"""The daily job, day by day with frozen time: reminders, automatic renewals, grace and lapse
notices, leadership terms; idempotent, once a day, and its command."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cerchia.conftest import make_user
from cerchia.daily import run_daily, run_daily_if_due
from cerchia.dues.models import DailyRun, Invoice
from cerchia.dues.services import record_payment, set_auto_renew, void_invoice
from cerchia.dues.tests.conftest import (
    EXPIRES,
    dues_audit,
    notices,
    on,
    paid_member,
    run_days,
    snapshot,
)
from cerchia.groups.access import rights_in
from cerchia.groups.models import Membership
from cerchia.groups.services import set_role
from cerchia.notices.models import Notice

DAY = dt.timedelta(days=1)
WINDOW_OPENS = EXPIRES - 30 * DAY  # the chamber's renewal window: 30 days


def _local_day(notice: Notice) -> dt.date:
    return timezone.localdate(notice.created_at)


def _invoices(membership: Membership) -> list[Invoice]:
    return list(Invoice.objects.filter(membership=membership).order_by("pk"))


def test_running_twice_a_day_changes_nothing_the_second_time(chamber):
    with on(WINDOW_OPENS):
        run_daily(WINDOW_OPENS)  # warns the auto-renewing member
    group = chamber.group
    entering_grace = paid_member(
        group, make_user("grace@example.org"), chamber.yearly, EXPIRES - DAY, auto_renew=False
    )
    lapsing = paid_member(
        group, make_user("lapse@example.org"), chamber.yearly, EXPIRES - 31 * DAY, auto_renew=False
    )
    Membership.objects.filter(pk=lapsing.pk).update(standing="grace")
    reminded = paid_member(
        group, make_user("remind@example.org"), chamber.yearly, EXPIRES + 30 * DAY, auto_renew=False
    )
    officer = Membership.objects.get(group=group, user=chamber.treasurer)
    Membership.objects.filter(pk=officer.pk).update(role_until=EXPIRES + 10 * DAY)

    with on(EXPIRES, hour=2):
        first = run_daily(EXPIRES)
    before = snapshot()
    with on(EXPIRES, hour=2):
        second = run_daily(EXPIRES)
    with on(EXPIRES, hour=23):
        third = run_daily(EXPIRES)

    assert first["renewals"] == 1
    assert first["reminders"] == 1
    assert first["standing_changes"] >= 2
    assert first["term_notices"] == 1
    for again in (second, third):
        # Every step of the job (dues, roles, meetings...) has nothing left to do.
        assert again == {"day": "2026-06-30", **{key: 0 for key in again if key != "day"}}
        assert {"reminders", "renewals", "standing_changes", "roles_ended", "term_notices"} <= set(
            again
        )
    assert snapshot() == before
    assert len(notices(entering_grace.user, "dues.grace")) == 1
    assert len(notices(lapsing.user, "dues.lapsed")) == 1
    assert len(notices(reminded.user, "dues.renewal_reminder")) == 1
    assert DailyRun.objects.get(day=EXPIRES).summary == third


def test_the_renewal_reminder_arrives_once_when_the_window_opens(chamber):
    set_auto_renew(chamber.membership, actor=chamber.member, on=False)

    summaries = run_days(WINDOW_OPENS - 2 * DAY, EXPIRES + 2 * DAY)

    [reminder] = notices(chamber.member, "dues.renewal_reminder")
    assert _local_day(reminder) == WINDOW_OPENS
    assert reminder.params == {
        "group": "Bologna Chamber",
        "tier": "Standard",
        "date": "2026-06-30",
        "amount": "240.00 EUR",
    }
    assert reminder.url == f"/groups/{chamber.group.slug}/dues/"
    assert [s["day"] for s in summaries if s["reminders"]] == ["2026-05-31"]
    assert not notices(chamber.member, "dues.auto_renew_warning")


def test_an_auto_renewing_member_is_warned_then_billed_on_the_expiry_day(chamber):
    summaries = run_days(WINDOW_OPENS - DAY, EXPIRES + DAY)

    [warning] = notices(chamber.member, "dues.auto_renew_warning")
    assert _local_day(warning) == WINDOW_OPENS
    assert warning.params["date"] == "2026-06-30"
    assert warning.params["amount"] == "240.00 EUR"
    assert not notices(chamber.member, "dues.renewal_reminder")
    assert [s["day"] for s in summaries if s["renewals"]] == ["2026-06-30"]
    [invoice] = _invoices(chamber.membership)
    assert (invoice.kind, invoice.amount_minor, invoice.status) == ("dues", 24000, "issued")
    assert (invoice.period_start, invoice.period_end) == (EXPIRES + DAY, dt.date(2027, 6, 30))
    assert (invoice.issued_on, invoice.due_on, invoice.created_by) == (EXPIRES, EXPIRES, None)
    membership = Membership.objects.get(pk=chamber.membership.pk)
    assert (membership.expires_on, membership.standing) == (EXPIRES, "grace")  # until paid


def test_paying_the_automatic_renewal_keeps_the_member_active(chamber):
    run_days(WINDOW_OPENS, EXPIRES)
    [invoice] = _invoices(chamber.membership)

    with on(EXPIRES):
        record_payment(invoice, actor=chamber.treasurer, amount_minor=24000, method="cash")
    run_days(EXPIRES + DAY, EXPIRES + 3 * DAY)

    membership = Membership.objects.get(pk=chamber.membership.pk)
    assert (membership.expires_on, membership.standing) == (dt.date(2027, 6, 30), "active")
    assert not notices(chamber.member, "dues.grace")
    assert len(_invoices(chamber.membership)) == 1


def test_the_auto_renew_warning_comes_at_least_a_week_ahead(cast):
    from cerchia.dues.models import Tier
    from cerchia.groups.services import create_group

    group = create_group(
        cast.owner,
        name="Late Chamber",
        kind="chamber",
        join_policy="open",
        rule_overrides={"renewal_window_days": 3},
    )
    tier = Tier.objects.create(group=group, name="Standard", dues_minor=10000, period="year")
    automatic = paid_member(group, cast.member, tier, EXPIRES)
    manual = paid_member(group, cast.leader, tier, EXPIRES, auto_renew=False)

    run_days(EXPIRES - 10 * DAY, EXPIRES)

    [warning] = notices(automatic.user, "dues.auto_renew_warning")
    [reminder] = notices(manual.user, "dues.renewal_reminder")
    assert _local_day(warning) == EXPIRES - 7 * DAY
    assert _local_day(reminder) == EXPIRES - 3 * DAY
    assert len(_invoices(automatic)) == 1
    assert _invoices(manual) == []


def test_nobody_is_billed_on_the_day_they_are_first_warned(chamber):
    """When the job did not run before the expiry day (an outage, a date just changed), the
    warning goes out that day and the bill only on a later day."""
    with on(EXPIRES):
        first = run_daily(EXPIRES)

    assert len(notices(chamber.member, "dues.auto_renew_warning")) == 1
    assert first["renewals"] == 0
    assert _invoices(chamber.membership) == []

    with on(EXPIRES + DAY):
        run_daily(EXPIRES + DAY)

    [invoice] = _invoices(chamber.membership)
    assert invoice.period_start == EXPIRES + DAY
    assert invoice.issued_on == invoice.due_on == EXPIRES + DAY


def test_a_member_who_turned_auto_renew_off_is_reminded_and_never_billed(chamber):
    set_auto_renew(chamber.membership, actor=chamber.member, on=False)

    run_days(WINDOW_OPENS - DAY, EXPIRES + 32 * DAY)

    assert len(notices(chamber.member, "dues.renewal_reminder")) == 1
    assert not notices(chamber.member, "dues.auto_renew_warning")
    assert _invoices(chamber.membership) == []
    assert Membership.objects.get(pk=chamber.membership.pk).standing == "lapsed"


def test_turning_auto_renew_off_after_the_warning_stops_the_bill(chamber):
    run_days(WINDOW_OPENS, WINDOW_OPENS + DAY)
    assert len(notices(chamber.member, "dues.auto_renew_warning")) == 1

    set_auto_renew(chamber.membership, actor=chamber.member, on=False)
    run_days(EXPIRES - DAY, EXPIRES + 2 * DAY)

    assert _invoices(chamber.membership) == []
    # Now renewing by hand, they are reminded to — once.
    assert len(notices(chamber.member, "dues.renewal_reminder")) == 1


def test_a_voided_automatic_renewal_is_not_billed_again(chamber):
    run_days(WINDOW_OPENS, EXPIRES)
    [invoice] = _invoices(chamber.membership)
    void_invoice(invoice, actor=chamber.treasurer, reason="The member is moving away")

    run_days(EXPIRES + DAY, EXPIRES + 5 * DAY)

    assert [i.status for i in _invoices(chamber.membership)] == ["void"]


def test_grace_and_lapse_are_told_once_each(chamber):
    set_auto_renew(chamber.membership, actor=chamber.member, on=False)

    run_days(EXPIRES, EXPIRES + 35 * DAY)

    [grace] = notices(chamber.member, "dues.grace")
    [lapsed] = notices(chamber.member, "dues.lapsed")
    assert _local_day(grace) == EXPIRES + DAY
    assert grace.params["date"] == "2026-06-30"
    assert grace.params["until"] == "2026-07-30"
    assert _local_day(lapsed) == EXPIRES + 31 * DAY
    assert lapsed.params["date"] == "2026-07-31"
    changes = dues_audit("dues.membership.standing_changed").filter(
        target_id=str(chamber.membership.pk)
    )
    assert sorted((c.data["from"], c.data["to"], c.actor) for c in changes) == [
        ("active", "grace", None),
        ("grace", "lapsed", None),
    ]
    assert Membership.objects.get(pk=chamber.membership.pk).standing == "lapsed"


def test_without_grace_days_the_member_hears_only_of_the_lapse(chamber):
    chamber.group.rule_overrides = {"grace_days": 0}
    chamber.group.save()
    set_auto_renew(chamber.membership, actor=chamber.member, on=False)

    run_days(EXPIRES, EXPIRES + 3 * DAY)

    assert not notices(chamber.member, "dues.grace")
    [lapsed] = notices(chamber.member, "dues.lapsed")
    assert _local_day(lapsed) == EXPIRES + DAY
    assert lapsed.params["date"] == "2026-07-01"


def test_an_unpaid_automatic_renewal_lapses_and_is_not_billed_again(chamber):
    run_days(WINDOW_OPENS, EXPIRES + 33 * DAY)

    assert len(_invoices(chamber.membership)) == 1
    assert len(notices(chamber.member, "dues.grace")) == 1
    assert len(notices(chamber.member, "dues.lapsed")) == 1
    assert Membership.objects.get(pk=chamber.membership.pk).standing == "lapsed"


def test_daily_notices_are_emailed_with_their_subject(
    chamber, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for day in (WINDOW_OPENS, EXPIRES, EXPIRES + DAY, EXPIRES + 31 * DAY):
            run_days(day, day)

    to_member = [m.subject for m in mailoutbox if m.to == ["member@example.org"]]
    assert to_member == [
        "Your membership of Bologna Chamber renews automatically on 2026-06-30",
        "Invoice 2026-0001 from Bologna Chamber",
        "Your membership of Bologna Chamber has expired",
        "Your membership of Bologna Chamber has lapsed",
    ]
    assert "turn automatic renewal off" in mailoutbox[0].body
    assert "2026-07-30" in next(m.body for m in mailoutbox if "expired" in m.subject)


# Once a day, and the command.


def test_run_daily_if_due_runs_once_a_day(chamber):
    day = EXPIRES + DAY
    with on(day):
        summary = run_daily_if_due()
        again = run_daily_if_due()

    assert summary is not None and summary["day"] == "2026-07-01"
    assert again is None
    run = DailyRun.objects.get(day=day)
    assert run.finished_at is not None
    assert run.summary == summary
    assert Membership.objects.get(pk=chamber.membership.pk).standing == "grace"
    with on(day + DAY):
        assert run_daily_if_due() is not None
    assert DailyRun.objects.count() == 2


def test_a_failed_run_is_tried_again_later_the_same_day(chamber, monkeypatch):
    """The worker checks every hour: a run that failed must not hold the day's claim."""
    day = EXPIRES + DAY

    def broken(today):
        raise RuntimeError("database went away")

    with on(day), monkeypatch.context() as patch:
        patch.setattr("cerchia.daily.run_daily_dues", broken)
        with pytest.raises(RuntimeError):
            run_daily_if_due()
    with on(day, hour=13):
        summary = run_daily_if_due()

    assert summary is not None
    assert DailyRun.objects.get(day=day).finished_at is not None
    assert Membership.objects.get(pk=chamber.membership.pk).standing == "grace"


def test_the_command_runs_the_job_for_a_date_and_prints_json(chamber):
    out, err = io.StringIO(), io.StringIO()

    with on(EXPIRES):
        call_command("run_daily", "--date", "2026-07-31", stdout=out, stderr=err)

    summary = json.loads(out.getvalue())
    assert summary["day"] == "2026-07-31"
    # The dues steps report their counts, beside the other steps of the job.
    assert set(summary) >= {
        "day",
        "reminders",
        "renewals",
        "standing_changes",
        "roles_ended",
        "term_notices",
    }
    assert Membership.objects.get(pk=chamber.membership.pk).standing == "lapsed"
    assert DailyRun.objects.filter(day=dt.date(2026, 7, 31)).exists()


def test_the_command_runs_for_today_by_default(chamber):
    out = io.StringIO()

    with on(EXPIRES + DAY):
        call_command("run_daily", stdout=out, stderr=io.StringIO())

    assert json.loads(out.getvalue())["day"] == "2026-07-01"


def test_the_command_rejects_a_bad_date(chamber):
    before = snapshot()

    for bad in ("2026-13-01", "tomorrow", "31/07/2026", "2026-07-31T00:00"):
        with pytest.raises(CommandError, match="--date must be YYYY-MM-DD"):
            call_command("run_daily", "--date", bad, stdout=io.StringIO(), stderr=io.StringIO())

    assert snapshot() == before
    assert not DailyRun.objects.exists()


# Leadership terms.

TERM_ENDS = dt.date(2026, 9, 30)


def _officer(chamber) -> Membership:
    membership = Membership.objects.get(group=chamber.group, user=chamber.treasurer)
    with on(dt.date(2026, 1, 5)):
        return set_role(
            membership, actor=chamber.owner, role="secretary_treasurer", until=TERM_ENDS
        )


def test_a_leadership_role_gets_the_groups_term_by_default(chamber):
    membership = Membership.objects.get(group=chamber.group, user=chamber.committee)

    with on(dt.date(2026, 1, 31)):
        set_role(membership, actor=chamber.owner, role="vice_president")

    membership.refresh_from_db()
    assert membership.role_until == dt.date(2027, 1, 31)


def test_officers_hear_30_days_ahead_that_their_term_ends(chamber):
    officer = _officer(chamber)

    run_days(TERM_ENDS - 31 * DAY, TERM_ENDS - 31 * DAY)
    assert not notices(chamber.treasurer, "roles.term_ending")

    for day in (TERM_ENDS - 30 * DAY, TERM_ENDS - 29 * DAY, TERM_ENDS - DAY, TERM_ENDS):
        run_days(day, day)

    [notice] = notices(chamber.treasurer, "roles.term_ending")
    assert _local_day(notice) == TERM_ENDS - 30 * DAY
    assert notice.params == {
        "group": "Bologna Chamber",
        "role": "Secretary-treasurer",
        "date": "2026-09-30",
    }
    officer.refresh_from_db()
    assert (officer.role, officer.role_until) == ("secretary_treasurer", TERM_ENDS)


def test_after_the_term_an_officer_is_a_member_again(chamber):
    officer = _officer(chamber)

    summaries = run_days(TERM_ENDS, TERM_ENDS + 2 * DAY)

    officer.refresh_from_db()
    assert (officer.role, officer.role_until) == ("member", None)
    assert [s["roles_ended"] for s in summaries] == [0, 1, 0]
    [ended] = notices(chamber.treasurer, "roles.term_ended")
    assert _local_day(ended) == TERM_ENDS + DAY
    entry = dues_audit("groups.membership.role_term_ended").get()
    assert (entry.actor, entry.data["from"]) == (None, "secretary_treasurer")
    assert not rights_in(chamber.treasurer, chamber.group).treasurer


def test_the_last_administrator_keeps_the_role_after_the_term(chamber):
    owner = Membership.objects.get(group=chamber.group, user=chamber.owner)
    with on(dt.date(2026, 1, 5)):
        set_role(owner, actor=chamber.owner, role="administrator", until=TERM_ENDS)

    run_days(TERM_ENDS - 30 * DAY, TERM_ENDS - 30 * DAY)
    run_days(TERM_ENDS, TERM_ENDS + 2 * DAY)
    run_days(TERM_ENDS + 60 * DAY, TERM_ENDS + 60 * DAY)

    owner.refresh_from_db()
    assert (owner.role, owner.role_until) == ("administrator", TERM_ENDS)
    assert len(notices(chamber.owner, "roles.term_ending")) == 1
    assert not notices(chamber.owner, "roles.term_ended")
    assert not dues_audit("groups.membership.role_term_ended").exists()


def test_an_administrator_whose_term_ends_steps_down_when_another_remains(chamber):
    owner = Membership.objects.get(group=chamber.group, user=chamber.owner)
    president = Membership.objects.get(group=chamber.group, user=chamber.committee)
    with on(dt.date(2026, 1, 5)):
        set_role(president, actor=chamber.owner, role="president", until=dt.date(2027, 1, 5))
        set_role(owner, actor=chamber.owner, role="administrator", until=TERM_ENDS)

    run_days(TERM_ENDS + DAY, TERM_ENDS + DAY)

    owner.refresh_from_db()
    president.refresh_from_db()
    assert (owner.role, president.role) == ("member", "president")
