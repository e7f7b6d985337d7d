"""`cerchia import-contacts` and `cerchia export-contacts`: the summary line, the exit codes,
the progress bar on stderr only, and the export read back by vobject."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import vobject
from django.core.management import CommandError, call_command
from django.db import connections

from cerchia import cli
from cerchia.conftest import Cast
from cerchia.contacts.models import Contact
from cerchia.contacts.tests.import_helpers import FIXTURES, fixture

pytestmark = pytest.mark.django_db

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``run("import-contacts", ...)`` → (exit code, stdout, stderr) of the `cerchia` command."""
    # A command run from the command line closes the database connections when it ends,
    # which would end the test's transaction on PostgreSQL.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["cerchia", *args])
        code = 0
        try:
            cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("fmt", "name", "people"),
    [
        ("linkedin", "Connections.csv", 40),
        ("google", "contacts.csv", 30),
        ("vcard", "address-book-v3.vcf", 20),
        ("vcard", "contacts-v4.vcf", 12),
    ],
)
def test_import_prints_a_summary_ending_with_the_counts(
    cast: Cast, run: Run, fmt: str, name: str, people: int
) -> None:
    path = str(FIXTURES / name)

    code, out, err = run("import-contacts", "--user", "Member@Example.org", "--format", fmt, path)

    assert code == 0
    assert out.splitlines()[-1] == f"imported {people}, already present 0"
    assert err == ""  # not a terminal: no progress bar
    assert Contact.objects.filter(owner=cast.member).count() == people

    code, out, _err = run("import-contacts", "--user", cast.member.email, "--format", fmt, path)

    assert code == 0
    assert out.splitlines()[-1] == f"imported 0, already present {people}"
    assert Contact.objects.filter(owner=cast.member).count() == people


def test_import_draws_a_progress_bar_on_a_terminal_stderr_only(cast: Cast) -> None:
    out, err = io.StringIO(), Terminal()

    call_command(
        "import_contacts",
        "--user",
        cast.member.email,
        "--format",
        "linkedin",
        str(FIXTURES / "Connections.csv"),
        stdout=out,
        stderr=err,
    )

    assert "\r[" + "#" * 30 + "] 40/40" in err.getvalue()
    assert "\r" not in out.getvalue()
    assert out.getvalue().endswith("imported 40, already present 0\n")


def test_a_bad_file_prints_the_line_and_exits_non_zero(
    cast: Cast, run: Run, tmp_path: Path
) -> None:
    text = fixture("Connections.csv").decode("utf-8").split("\r\n")
    fields = text[6].split(",")
    fields[3] = "x@"
    text[6] = ",".join(fields)
    bad = tmp_path / "Connections.csv"
    bad.write_text("\r\n".join(text), encoding="utf-8")

    code, out, err = run(
        "import-contacts", "--user", cast.member.email, "--format", "linkedin", str(bad)
    )

    assert code != 0
    assert out == ""
    assert "Line 7: " in err and "x@" in err
    assert not Contact.objects.exists()


def test_unknown_user_missing_file_and_unknown_format_are_clear_errors(
    cast: Cast, run: Run, tmp_path: Path
) -> None:
    path = str(FIXTURES / "Connections.csv")
    with pytest.raises(CommandError, match="nobody@example.org"):
        call_command(
            "import_contacts", "--user", "nobody@example.org", "--format", "linkedin", path
        )
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "import_contacts",
            "--user",
            cast.member.email,
            "--format",
            "linkedin",
            str(tmp_path / "none.csv"),
        )

    code, out, err = run(
        "import-contacts", "--user", cast.member.email, "--format", "outlook", path
    )

    assert code != 0 and out == ""
    assert "outlook" in err
    assert not Contact.objects.exists()


def test_export_writes_vcard_that_vobject_reads_back_with_the_same_people(
    cast: Cast, run: Run
) -> None:
    for fmt, name in (
        ("linkedin", "Connections.csv"),
        ("google", "contacts.csv"),
        ("vcard", "contacts-v4.vcf"),
    ):
        run("import-contacts", "--user", cast.member.email, "--format", fmt, str(FIXTURES / name))
    Contact.objects.create(owner=cast.outsider, name="Someone Else", emails=["else@example.org"])
    contacts = list(Contact.objects.filter(owner=cast.member))
    # 40 + 30 + 12, less two people in two files: D'Arcy De Luca (same name and company on
    # LinkedIn and Google) and Beatrice Nguyễn (same name, no company, on LinkedIn and vCard).
    assert len(contacts) == 80

    code, out, err = run("export-contacts", "--user", cast.member.email, "--format", "vcard")

    assert code == 0 and err == ""
    assert out.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    cards = list(vobject.readComponents(out))

    def card_person(card: vobject.base.Component) -> tuple[object, ...]:
        org = card.contents.get("org")
        title = card.contents.get("title")
        return (
            card.fn.value,
            card.n.value.given,
            card.n.value.family,
            tuple(e.value for e in card.contents.get("email", [])),
            tuple(t.value for t in card.contents.get("tel", [])),
            org[0].value[0] if org else "",
            title[0].value if title else "",
        )

    def contact_person(contact: Contact) -> tuple[object, ...]:
        return (
            contact.name,
            contact.first_name,
            contact.last_name,
            tuple(contact.emails),
            tuple(contact.phones),
            contact.company,
            contact.title,
        )

    assert sorted(map(card_person, cards)) == sorted(map(contact_person, contacts))


def test_export_refuses_an_unknown_user_and_format(cast: Cast, run: Run) -> None:
    with pytest.raises(CommandError, match="nobody@example.org"):
        call_command("export_contacts", "--user", "nobody@example.org", "--format", "vcard")

    code, out, err = run("export-contacts", "--user", cast.member.email, "--format", "csv")

    assert code != 0 and out == ""
    assert "csv" in err


def test_import_reads_stdin_for_a_dash(
    cast: Cast, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(fixture("contacts-v4.vcf")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)

    code, out, _err = run("import-contacts", "--user", cast.member.email, "--format", "vcard", "-")

    assert code == 0
    assert out.splitlines()[-1] == "imported 12, already present 0"
    assert Contact.objects.filter(owner=cast.member).count() == 12
