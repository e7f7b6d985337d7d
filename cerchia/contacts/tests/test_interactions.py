"""Stay in touch: any logged interaction — by hand, from the ledger or an introduction —
resets the interval; the losing-touch list and the fading list; snoozes; the weekly digest;
ledger hooks logging once per ledger row; informal referrals that the report counts."""

from __future__ import annotations

import datetime

import pytest

from cerchia.audit.models import AuditEntry
from cerchia.conftest import make_user
from cerchia.contacts.errors import ContactsError
from cerchia.contacts.interactions import (
    digest_key,
    fading,
    log_between,
    log_interaction,
    losing_touch,
    send_touch_digest,
    set_stay_in_touch,
    snooze_contact,
)
from cerchia.contacts.models import Contact, Interaction
from cerchia.contacts.referrals import refer_from_contact
from cerchia.contacts.tests.touch_helpers import DAY, TODAY, contact_of, days_ago, on
from cerchia.daily import run_daily
from cerchia.insights.report import member_report
from cerchia.ledger import services as ledger
from cerchia.ledger.models import Referral
from cerchia.ledger.services import LedgerError
from cerchia.notices.models import Notice


@pytest.fixture(autouse=True)
def _today():
    with on(TODAY):
        yield


def due_names(owner, today=TODAY):
    return [row.contact.name for row in losing_touch(owner, today)]


# --- logging resets stay in touch ---------------------------------------------------------


def test_logging_a_call_resets_stay_in_touch(cast):
    anna = contact_of(
        cast.owner, "Anna Bassi", stay_in_touch_days=30, last_interaction_on=days_ago(40)
    )
    assert due_names(cast.owner) == ["Anna Bassi"]

    interaction = log_interaction(anna, kind="call", on=TODAY, note="Caught up on the shop")

    anna.refresh_from_db()
    assert anna.last_interaction_on == TODAY
    assert anna.touch_due_on() == TODAY + 30 * DAY
    assert due_names(cast.owner) == []
    assert (interaction.owner, interaction.kind, interaction.note) == (
        cast.owner,
        "call",
        "Caught up on the shop",
    )
    entry = AuditEntry.objects.get(action="contacts.interaction.logged")
    # The private note never reaches the audit trail.
    assert "Caught up" not in str(entry.data)


@pytest.mark.parametrize("kind", Interaction.Kind.values)
def test_every_kind_of_interaction_resets_the_interval(cast, kind):
    anna = contact_of(
        cast.owner, "Anna Bassi", stay_in_touch_days=7, last_interaction_on=days_ago(20)
    )

    log_interaction(anna, kind=kind, on=days_ago(1))

    anna.refresh_from_db()
    assert anna.last_interaction_on == days_ago(1)
    assert due_names(cast.owner) == []


def test_an_older_interaction_never_moves_the_last_one_back(cast):
    anna = contact_of(
        cast.owner, "Anna Bassi", stay_in_touch_days=30, last_interaction_on=days_ago(3)
    )

    log_interaction(anna, kind="email", on=days_ago(50))

    anna.refresh_from_db()
    assert anna.last_interaction_on == days_ago(3)
    assert anna.interactions.count() == 1


@pytest.mark.parametrize(
    ("kind", "day", "message"),
    [
        ("fax", TODAY, "Unknown kind"),
        ("call", TODAY + DAY, "future"),
        ("call", "2026-06-01", "Give the day"),
    ],
)
def test_a_bad_interaction_is_refused_and_nothing_changes(cast, kind, day, message):
    anna = contact_of(
        cast.owner, "Anna Bassi", stay_in_touch_days=30, last_interaction_on=days_ago(40)
    )

    with pytest.raises(ContactsError, match=message):
        log_interaction(anna, kind=kind, on=day)

    anna.refresh_from_db()
    assert anna.last_interaction_on == days_ago(40)
    assert Interaction.objects.count() == 0


def test_a_note_over_the_limit_is_refused(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    with pytest.raises(ContactsError, match="too long"):
        log_interaction(anna, kind="note", on=TODAY, note="x" * 4001)
    assert Interaction.objects.count() == 0


def test_an_interaction_with_a_source_is_logged_once(cast):
    anna = contact_of(cast.owner, "Anna Bassi")

    first = log_interaction(anna, kind="referral", on=days_ago(2), source="ledger.referral:7")
    again = log_interaction(anna, kind="referral", on=days_ago(2), source="ledger.referral:7")

    assert first.pk == again.pk
    assert anna.interactions.count() == 1
    assert first.source_url == "/ledger/referrals/7/"


# --- interval and snooze ------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -3, 3651, True, "30"])
def test_a_bad_interval_is_refused(cast, days):
    anna = contact_of(cast.owner, "Anna Bassi", stay_in_touch_days=30)
    with pytest.raises(ContactsError, match="1 to 3650"):
        set_stay_in_touch(anna, days=days)
    anna.refresh_from_db()
    assert anna.stay_in_touch_days == 30


def test_a_contact_never_logged_is_due_from_when_it_was_added(cast):
    with on(days_ago(10)):
        anna = contact_of(cast.owner, "Anna Bassi")
    set_stay_in_touch(anna, days=7)
    set_stay_in_touch(contact_of(cast.owner, "Bruno Cola"), days=7)  # added today

    assert anna.touch_due_on() == days_ago(3)
    assert due_names(cast.owner) == ["Anna Bassi"]


def test_stopping_the_reminders_drops_the_contact_from_the_list_and_its_snooze(cast):
    anna = contact_of(
        cast.owner, "Anna Bassi", stay_in_touch_days=7, last_interaction_on=days_ago(30)
    )
    snooze_contact(anna, until=TODAY + 3 * DAY)

    set_stay_in_touch(anna, days=None)

    anna.refresh_from_db()
    assert (anna.stay_in_touch_days, anna.snoozed_until) == (None, None)
    assert due_names(cast.owner, TODAY + 5 * DAY) == []


def test_a_snooze_hides_the_reminder_until_its_day(cast):
    anna = contact_of(
        cast.owner, "Anna Bassi", stay_in_touch_days=7, last_interaction_on=days_ago(30)
    )

    snooze_contact(anna, until=TODAY + 5 * DAY)

    assert due_names(cast.owner) == []
    assert due_names(cast.owner, TODAY + 4 * DAY) == []
    assert due_names(cast.owner, TODAY + 5 * DAY) == ["Anna Bassi"]


@pytest.mark.parametrize(
    ("until", "message"),
    [(TODAY, "after today"), (TODAY - DAY, "after today"), (TODAY + 366 * DAY, "365 days")],
)
def test_a_bad_snooze_is_refused(cast, until, message):
    anna = contact_of(cast.owner, "Anna Bassi", stay_in_touch_days=7)
    with pytest.raises(ContactsError, match=message):
        snooze_contact(anna, until=until)
    anna.refresh_from_db()
    assert anna.snoozed_until is None


def test_a_snooze_needs_an_interval(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    with pytest.raises(ContactsError, match="how often"):
        snooze_contact(anna, until=TODAY + DAY)


def test_a_new_interaction_ends_the_snooze(cast):
    anna = contact_of(
        cast.owner, "Anna Bassi", stay_in_touch_days=7, last_interaction_on=days_ago(30)
    )
    snooze_contact(anna, until=TODAY + 60 * DAY)

    log_interaction(anna, kind="call", on=TODAY)

    anna.refresh_from_db()
    assert anna.snoozed_until is None
    assert anna.touch_due_on() == TODAY + 7 * DAY


# --- the lists ----------------------------------------------------------------------------


def test_losing_touch_lists_only_my_due_contacts_the_most_overdue_first(cast):
    owner = cast.owner
    contact_of(owner, "Late Ten", stay_in_touch_days=20, last_interaction_on=days_ago(30))
    contact_of(owner, "Late Two", stay_in_touch_days=28, last_interaction_on=days_ago(30))
    contact_of(owner, "Due Today", stay_in_touch_days=30, last_interaction_on=days_ago(30))
    contact_of(
        owner, "Close Two", stay_in_touch_days=28, last_interaction_on=days_ago(30), closeness=5
    )
    contact_of(owner, "Not Yet", stay_in_touch_days=31, last_interaction_on=days_ago(30))
    contact_of(owner, "No Rhythm", last_interaction_on=days_ago(300))
    contact_of(
        cast.member, "Someone Else's", stay_in_touch_days=1, last_interaction_on=days_ago(30)
    )

    rows = losing_touch(owner, TODAY)

    assert [row.contact.name for row in rows] == ["Late Ten", "Close Two", "Late Two", "Due Today"]
    assert [row.overdue_days for row in rows] == [10, 2, 2, 0]
    assert rows[0].days_since == 30 and rows[0].due_on == days_ago(10)


def test_fading_lists_contacts_without_an_interval_silent_for_30_to_45_days(cast):
    owner = cast.owner
    for name, days in (("Day 29", 29), ("Day 30", 30), ("Day 45", 45), ("Day 46", 46)):
        contact_of(owner, name, last_interaction_on=days_ago(days))
    contact_of(owner, "On A Rhythm", stay_in_touch_days=90, last_interaction_on=days_ago(35))
    contact_of(cast.member, "Not Mine", last_interaction_on=days_ago(35))

    assert [c.name for c in fading(owner, TODAY)] == ["Day 45", "Day 30"]


# --- the weekly digest --------------------------------------------------------------------


def test_the_digest_goes_once_a_week_to_each_person_with_someone_due(cast):
    contact_of(cast.owner, "Late Ten", stay_in_touch_days=20, last_interaction_on=days_ago(30))
    contact_of(cast.owner, "Late One", stay_in_touch_days=29, last_interaction_on=days_ago(30))
    contact_of(cast.member, "Not Due", stay_in_touch_days=60, last_interaction_on=days_ago(30))
    gone = make_user("gone@example.org")
    gone.is_active = False
    gone.save()
    contact_of(gone, "Late For Nobody", stay_in_touch_days=1, last_interaction_on=days_ago(30))

    first = send_touch_digest(TODAY)
    same_week = send_touch_digest(TODAY + 2 * DAY)
    next_week = send_touch_digest(TODAY + 7 * DAY)

    assert (first, same_week, next_week) == (
        {"touch_digests": 1},
        {"touch_digests": 0},
        {"touch_digests": 1},
    )
    notices = list(Notice.objects.filter(kind="contacts.losing_touch").order_by("pk"))
    assert [n.user for n in notices] == [cast.owner, cast.owner]
    assert notices[0].params == {"count": "2", "names": "Late Ten, Late One"}
    assert notices[0].key == digest_key(cast.owner.pk, TODAY)
    assert notices[0].url == "/contacts/losing-touch/"


def test_the_daily_job_sends_the_digest_and_a_second_run_sends_nothing(cast):
    contact_of(cast.owner, "Late Ten", stay_in_touch_days=20, last_interaction_on=days_ago(30))

    first = run_daily(TODAY)
    second = run_daily(TODAY)

    assert (first["touch_digests"], second["touch_digests"]) == (1, 0)
    assert Notice.objects.filter(user=cast.owner, kind="contacts.losing_touch").count() == 1


# --- ledger hooks -------------------------------------------------------------------------


def test_a_referral_given_or_received_is_logged_on_both_sides_linked_contacts(cast):
    mine = contact_of(
        cast.member, "Leo from the chapter", member=cast.leader, last_interaction_on=days_ago(90)
    )
    theirs = contact_of(cast.leader, "Mia", member=cast.member)
    unrelated = contact_of(cast.outsider, "Leo too", member=cast.leader)

    referral = ledger.record_referral(
        cast.member,
        receiver=cast.leader,
        group=cast.group,
        prospect_name="Sposi Verdi",
        given_on=days_ago(1),
    )

    for contact in (mine, theirs):
        contact.refresh_from_db()
        assert contact.last_interaction_on == days_ago(1)
        [interaction] = contact.interactions.all()
        assert (interaction.kind, interaction.source) == (
            "referral",
            f"ledger.referral:{referral.pk}",
        )
        assert interaction.note == ""  # the prospect stays in the ledger
    assert unrelated.interactions.count() == 0


def test_a_one_to_one_is_logged_when_held_not_when_proposed(cast):
    mine = contact_of(cast.member, "Leo", member=cast.leader)

    one = ledger.propose_one_to_one(cast.member, partner=cast.leader, group=cast.group)
    assert mine.interactions.count() == 0

    ledger.hold_one_to_one(one, actor=cast.leader, held_on=days_ago(2))

    [interaction] = mine.interactions.all()
    assert (interaction.kind, interaction.happened_on, interaction.source) == (
        "one_to_one",
        days_ago(2),
        f"ledger.onetoone:{one.pk}",
    )
    logged = ledger.propose_one_to_one(cast.member, partner=cast.leader, held_on=TODAY)
    assert mine.interactions.filter(source=f"ledger.onetoone:{logged.pk}").count() == 1
    mine.refresh_from_db()
    assert mine.last_interaction_on == TODAY


def test_a_connection_and_its_follow_up_are_logged_on_the_owners_contact_only(cast):
    mine = contact_of(cast.member, "Leo", member=cast.leader)
    theirs = contact_of(cast.leader, "Mia", member=cast.member)

    connection = ledger.record_connection(
        cast.member, where="elsewhere", person=cast.leader, met_on=days_ago(5)
    )
    ledger.mark_followed_up(connection, actor=cast.member, on=days_ago(1))

    assert [(i.kind, i.happened_on) for i in mine.interactions.all()] == [
        ("follow_up", days_ago(1)),
        ("meeting", days_ago(5)),
    ]
    assert theirs.interactions.count() == 0
    mine.refresh_from_db()
    assert mine.last_interaction_on == days_ago(1)


def test_the_same_ledger_row_seen_twice_is_logged_once(cast):
    mine = contact_of(cast.member, "Leo", member=cast.leader)

    first = log_between(
        cast.member.pk, cast.leader.pk, kind="referral", on=TODAY, source="ledger.referral:9"
    )
    second = log_between(
        cast.member.pk, cast.leader.pk, kind="referral", on=TODAY, source="ledger.referral:9"
    )

    assert (first, second) == (1, 1)
    assert mine.interactions.count() == 1


# --- informal referrals -------------------------------------------------------------------


def test_referring_a_contact_to_a_member_is_an_informal_ledger_entry_the_report_counts(cast):
    anna = contact_of(
        cast.owner,
        "Anna Bassi",
        company="Bassi Fiori",
        phones=["+39051111"],
        last_interaction_on=days_ago(60),
    )

    referral = refer_from_contact(
        anna, role="prospect", receiver=cast.member, notes="Needs a photographer"
    )

    assert (referral.group, referral.giver, referral.receiver) == (None, cast.owner, cast.member)
    assert (
        referral.prospect_name,
        referral.prospect_company,
        referral.prospect_email,
        referral.prospect_phone,
    ) == (
        "Anna Bassi",
        "Bassi Fiori",
        "anna.bassi@example.net",
        "+39051111",
    )
    [interaction] = anna.interactions.all()
    assert (interaction.kind, interaction.source) == ("referral", f"ledger.referral:{referral.pk}")
    anna.refresh_from_db()
    assert anna.last_interaction_on == TODAY
    assert Notice.objects.filter(user=cast.member, kind="ledger.referral_received").exists()
    report = member_report(cast.owner, None, None, today=TODAY)
    informal = [row for row in report["by_kind"] if row["group_kind"] == "informal"]
    assert len(informal) == 1 and informal[0]["referrals_given"] == 1


def test_referring_business_to_a_contact_without_an_account_names_them_as_receiver(cast):
    anna = contact_of(cast.owner, "Anna Bassi")

    referral = refer_from_contact(
        anna, role="receiver", prospect_name="Hotel Roma", prospect_company="Roma Srl"
    )

    assert (referral.receiver, referral.receiver_name, referral.receiver_email) == (
        None,
        "Anna Bassi",
        "anna.bassi@example.net",
    )
    assert referral.prospect_name == "Hotel Roma" and referral.group is None
    assert anna.interactions.get().kind == "referral"


def test_referring_to_a_contact_linked_to_a_member_reaches_the_member_and_logs_once(cast):
    leo = contact_of(cast.owner, "Leo", member=cast.leader)

    referral = refer_from_contact(leo, role="receiver", prospect_name="Hotel Roma")

    assert (referral.receiver, referral.receiver_name) == (cast.leader, "")
    assert leo.interactions.count() == 1


def test_referring_one_contact_to_another_logs_on_both(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    bruno = contact_of(cast.owner, "Bruno Cola")

    referral = refer_from_contact(anna, role="prospect", receiver_contact=bruno)

    assert (referral.receiver_name, referral.prospect_name) == ("Bruno Cola", "Anna Bassi")
    assert anna.interactions.count() == bruno.interactions.count() == 1


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"role": "prospect"}, LedgerError, "Choose whom"),
        ({"role": "receiver"}, LedgerError, "Name the prospect"),
        ({"role": "sideways", "receiver_name": "X"}, ContactsError, "prospect or the receiver"),
        (
            {"role": "prospect", "receiver_name": "X", "given_on": TODAY + DAY},
            LedgerError,
            "future",
        ),
    ],
)
def test_a_bad_informal_referral_saves_nothing(cast, fields, error, message):
    anna = contact_of(cast.owner, "Anna Bassi", last_interaction_on=days_ago(60))

    with pytest.raises(error, match=message):
        refer_from_contact(anna, **fields)

    assert Referral.objects.count() == 0 and Interaction.objects.count() == 0
    anna.refresh_from_db()
    assert anna.last_interaction_on == days_ago(60)


def test_another_owners_contact_cannot_be_the_receiver(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    theirs = contact_of(cast.member, "Bruno Cola")
    with pytest.raises(ContactsError, match="No such contact"):
        refer_from_contact(anna, role="prospect", receiver_contact=theirs)
    assert Referral.objects.count() == 0


def test_logging_changes_nothing_else_on_the_contact(cast):
    """Only the last day moves: closeness, the interval and the rest stay."""
    anna = contact_of(cast.owner, "Anna Bassi", closeness=5, stay_in_touch_days=14)
    log_interaction(anna, kind="meeting", on=TODAY)
    fresh = Contact.objects.get(pk=anna.pk)
    assert (fresh.closeness, fresh.stay_in_touch_days, fresh.name) == (5, 14, "Anna Bassi")
    assert isinstance(fresh.last_interaction_on, datetime.date)
