"""The Italian catalogue is complete: every string in the code and templates is translated."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "it" / "LC_MESSAGES" / "django.po"


def parse_po(text: str) -> list[dict[str, Any]]:
    """Entries of a .po file: msgid, msgstr (or plural forms) and flags."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields:
            entries.append({"fields": fields, "fuzzy": "fuzzy" in flags})
    return entries


def untranslated(entries: list[dict[str, Any]]) -> list[str]:
    missing = []
    for entry in entries:
        fields = entry["fields"]
        if fields["msgid"] == "":  # the header
            continue
        values = [v for k, v in fields.items() if k.startswith("msgstr")]
        if entry["fuzzy"] or not values or any(v == "" for v in values):
            missing.append(fields["msgid"])
    return missing


def test_italian_catalogue_has_no_untranslated_or_fuzzy_entry() -> None:
    missing = untranslated(parse_po(CATALOGUE.read_text(encoding="utf-8")))
    assert missing == [], f"{len(missing)} Italian entries to translate: {missing[:10]}"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) not installed")
def test_every_string_in_code_and_templates_is_in_the_italian_catalogue(
    tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    """Extract the strings afresh (in a copy, so the real catalogue is untouched)."""
    base = Path(settings.BASE_DIR)
    for name in ("cerchia", "templates"):
        shutil.copytree(
            base / name,
            tmp_path / name,
            ignore=shutil.ignore_patterns("__pycache__", "tests", "migrations"),
        )
    (tmp_path / "locale" / "it" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(CATALOGUE, tmp_path / "locale" / "it" / "LC_MESSAGES" / "django.po")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["it"], no_obsolete=True, verbosity=0)
    fresh = parse_po((tmp_path / "locale/it/LC_MESSAGES/django.po").read_text(encoding="utf-8"))
    missing = untranslated(fresh)
    assert missing == [], (
        f"Strings missing from the Italian catalogue (run `make messages`): {missing[:10]}"
    )


def test_the_compiled_catalogue_translates_at_run_time() -> None:
    with translation.override("it"):
        assert translation.gettext("Groups") == "Gruppi"
        assert translation.gettext("Only me") == "Solo io"
