"""`cerchia export-ledger` and the ledger page's download: one row per entry, exact columns,
the person's own entries only, the same bytes from both."""

from __future__ import annotations

import csv
import datetime
import io
import sys
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cerchia.accounts.models import User
from cerchia.conftest import Cast
from cerchia.groups.models import Group, Kind
from cerchia.ledger import services
from cerchia.ledger.exports import HEADER, ledger_rows
from cerchia.meetings.tests.meeting_helpers import at, rome

HEADER_LINE = (
    "entry_type,date,group_slug,group_kind,counterpart,amount_minor,currency,hours,status,"
    "referral_id"
)
NOW = rome(2026, 5, 20, 12, 0)


def day(d: int) -> datetime.date:
    return datetime.date(2026, 5, d)


def build(cast: Cast) -> dict[str, Any]:
    """One entry of every type for the member, and some of the leader's own."""
    member, leader, group = cast.member, cast.leader, cast.group
    with at(NOW):
        given = services.record_referral(
            member, receiver=leader, group=group, prospect_name="Bianchi", given_on=day(4)
        )
        received = services.record_referral(
            leader, receiver=member, group=group, prospect_name="Verdi", given_on=day(5)
        )
        external = services.record_referral(
            member, receiver_name="Ezio External", prospect_name="Rossi", given_on=day(6)
        )
        services.record_closed_business(
            member, referral=received, amount_minor=30000, closed_on=day(7)
        )
        services.record_closed_business(
            leader,
            giver=member,
            group=group,
            amount_minor=4500,
            currency="CHF",
            kind="repeat",
            closed_on=day(8),
        )
        held = services.propose_one_to_one(member, partner=leader, group=group)
        services.hold_one_to_one(held, actor=leader, held_on=day(9))
        services.propose_one_to_one(
            leader, partner=member, group=group, scheduled_for=rome(2026, 6, 1, 9, 0)
        )
        services.propose_one_to_one(member, partner=leader)  # planned for no date: created today
        nina = services.record_connection(
            member, where="elsewhere", name="Nina Newcomer", met_on=day(10)
        )
        services.mark_followed_up(nina, actor=member, on=day(12))
        services.record_investment(
            member, kind="travel", group=group, amount_minor=2350, hours="1.5", spent_on=day(11)
        )
        # The leader's own: never in the member's export.
        services.record_investment(leader, kind="meals", amount_minor=800, group=group)
        services.record_connection(leader, where="elsewhere", name="Lara Lead", met_on=day(3))
    return {"given": given, "received": received, "external": external}


def export(user: User, *args: str) -> str:
    out = io.StringIO()
    call_command("export_ledger", "--user", user.email, *args, stdout=out)
    return out.getvalue()


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_one_row_per_entry_with_exact_cells(cast: Cast) -> None:
    made = build(cast)
    slug, informal = cast.group.slug, f"informal-{cast.member.pk}"
    g, r, e = made["given"].pk, made["received"].pk, made["external"].pk
    text = export(cast.member)
    assert text.splitlines()[0] == HEADER_LINE
    sl, lg, leo, inf, ik = slug, "lead_group", "Leo Leader", informal, "informal"
    assert parse(text)[1:] == [
        ["referral_given", "2026-05-04", sl, lg, leo, "", "", "", "given", str(g)],
        ["referral_received", "2026-05-05", sl, lg, leo, "", "", "", "won", str(r)],
        ["referral_given", "2026-05-06", inf, ik, "Ezio External", "", "", "", "given", str(e)],
        ["closed_business_received", "2026-05-07", sl, lg, leo, "30000", "EUR", "", "new", str(r)],
        ["closed_business_given", "2026-05-08", sl, lg, leo, "4500", "CHF", "", "repeat", ""],
        ["one_to_one", "2026-05-09", sl, lg, leo, "", "", "", "held", ""],
        ["connection", "2026-05-10", inf, ik, "Nina Newcomer", "", "", "", "followed_up", ""],
        ["hours", "2026-05-11", sl, lg, "", "", "", "1.50", "travel", ""],
        ["money", "2026-05-11", sl, lg, "", "2350", "EUR", "", "travel", ""],
        ["follow_up_done", "2026-05-12", inf, ik, "Nina Newcomer", "", "", "", "done", ""],
        ["one_to_one", "2026-05-20", inf, ik, leo, "", "", "", "proposed", ""],
        ["one_to_one", "2026-06-01", sl, lg, leo, "", "", "", "proposed", ""],
    ]  # fmt: skip
    assert tuple(HEADER) == tuple(HEADER_LINE.split(","))


def test_from_and_to_are_inclusive(cast: Cast) -> None:
    build(cast)
    rows = parse(export(cast.member, "--from", "2026-05-06", "--to", "2026-05-09"))[1:]
    assert [(row[0], row[1]) for row in rows] == [
        ("referral_given", "2026-05-06"),
        ("closed_business_received", "2026-05-07"),
        ("closed_business_given", "2026-05-08"),
        ("one_to_one", "2026-05-09"),
    ]
    # A connection made before the period, followed up in it: only the follow-up.
    rows = parse(export(cast.member, "--from", "2026-05-12", "--to", "2026-05-12"))[1:]
    assert [row[0] for row in rows] == ["follow_up_done"]


def test_another_persons_entries_never_appear(cast: Cast) -> None:
    made = build(cast)
    text = export(cast.member)
    assert "Lara Lead" not in text and "800" not in text and "meals" not in text
    leader_rows = parse(export(cast.leader))[1:]
    # The member's slip is the leader's received referral, in the leader's own export.
    assert [
        "referral_received",
        "2026-05-04",
        cast.group.slug,
        "lead_group",
        "Mia Member",
        "",
        "",
        "",
        "given",
        str(made["given"].pk),
    ] in leader_rows
    assert not any(row[4] == "Nina Newcomer" for row in leader_rows)
    assert not any(row[4] == "Ezio External" for row in leader_rows)
    assert "Lara Lead" in {row[4] for row in leader_rows}
    # The outsider has nothing at all.
    assert export(cast.outsider).splitlines() == [HEADER_LINE]


def test_the_export_writes_nothing_and_costs_fixed_queries(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    """An export reads: it does not even create the informal network it names."""
    build(cast)
    with at(NOW):
        services.record_referral(cast.outsider, receiver_name="Zed", prospect_name="P")
    Group.objects.filter(kind=Kind.INFORMAL, owner=cast.outsider).delete()
    rows = list(ledger_rows(cast.outsider))
    assert rows[0][2:4] == (f"informal-{cast.outsider.pk}", "informal")
    assert not Group.objects.filter(kind=Kind.INFORMAL, owner=cast.outsider).exists()

    with django_assert_max_num_queries(8):
        few = list(ledger_rows(cast.member))
    with at(NOW):
        for n in range(10):
            services.record_connection(
                cast.member, where="elsewhere", name=f"Person {n}", met_on=day(13)
            )
            services.record_investment(
                cast.member, kind="meals", amount_minor=100 + n, currency="EUR", spent_on=day(14)
            )
    with django_assert_max_num_queries(8):
        many = list(ledger_rows(cast.member))
    assert len(many) == len(few) + 20


def test_names_that_look_like_formulas_are_defused_but_numbers_are_not(cast: Cast) -> None:
    with at(NOW):
        services.record_connection(
            cast.member, where="elsewhere", name="=HYPERLINK(1)", met_on=day(2)
        )
        services.record_investment(
            cast.member, kind="meals", amount_minor=1999, currency="EUR", spent_on=day(2)
        )
    rows = parse(export(cast.member))[1:]
    assert rows[0][4] == "'=HYPERLINK(1)"
    assert (rows[1][0], rows[1][5], rows[1][6]) == ("money", "1999", "EUR")


def test_the_command_prints_only_csv_and_fails_cleanly(
    cast: Cast, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connections

    from cerchia.cli import main

    # A command run from the command line closes the database connections when it ends,
    # which would end the test's transaction on PostgreSQL.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    build(cast)
    monkeypatch.setattr(sys, "argv", ["cerchia", "export-ledger", "--user", cast.member.email])
    main()
    out, err = capsys.readouterr()
    assert out == export(cast.member)
    assert all(len(row) == 10 for row in parse(out))
    assert err == ""

    monkeypatch.setattr(sys, "argv", ["cerchia", "export-ledger", "--user", "nobody@example.org"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out, err = capsys.readouterr()
    assert exit_info.value.code != 0
    assert out == ""
    assert "nobody@example.org" in err

    monkeypatch.setattr(
        sys, "argv", ["cerchia", "export-ledger", "--user", cast.member.email, "--from", "May 1"]
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    out, err = capsys.readouterr()
    assert exit_info.value.code != 0
    assert out == "" and "--from must be YYYY-MM-DD" in err


def test_bad_dates_are_refused(cast: Cast) -> None:
    with pytest.raises(CommandError, match="--to must be YYYY-MM-DD"):
        export(cast.member, "--to", "2026-13-01")
    with pytest.raises(CommandError, match="--from comes after --to"):
        export(cast.member, "--from", "2026-05-10", "--to", "2026-05-01")


def test_the_page_download_gives_the_same_bytes(cast: Cast) -> None:
    build(cast)
    client = cast.client("member")
    response = client.get("/ledger/export.csv?from=2026-05-05&to=2026-05-11")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert (
        response.content
        == export(cast.member, "--from", "2026-05-05", "--to", "2026-05-11").encode()
    )
    whole = client.get("/ledger/export.csv")
    assert whole.content == export(cast.member).encode()
    # Each person downloads their own ledger only.
    mine = cast.client("member").get("/ledger/export.csv").content
    theirs = cast.client("outsider").get("/ledger/export.csv").content
    assert mine != theirs and theirs.decode().splitlines() == [HEADER_LINE]
    bad = client.get("/ledger/export.csv?from=yesterday")
    assert bad.status_code == 400 and "yesterday" in bad.content.decode()


def test_the_download_needs_a_login(cast: Cast) -> None:
    from django.test import Client

    response = Client().get("/ledger/export.csv")
    assert response.status_code == 302 and "/login" in response["Location"]
