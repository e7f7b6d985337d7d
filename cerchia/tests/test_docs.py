"""The README keeps its promises: two commands first, every setting documented."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)


def test_readme_opens_with_the_two_commands() -> None:
    text = (BASE / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line]
    assert commands == ["make demo", "make test"]


def test_every_environment_variable_is_in_the_readme_table() -> None:
    readme = (BASE / "README.md").read_text(encoding="utf-8")
    sources = "".join(p.read_text(encoding="utf-8") for p in (BASE / "cerchia").rglob("*.py"))
    names = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', sources))
    names |= set(re.findall(r'environ\.get\(\s*"([A-Z_]+)"', sources))
    names -= {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    assert len(names) > 20
    missing = sorted(n for n in names if f"| `{n}` |" not in readme)
    assert missing == []


def test_every_rule_of_the_kinds_is_documented() -> None:
    import dataclasses

    from cerchia.groups.kinds import KindRules

    text = (BASE / "docs" / "kinds.md").read_text(encoding="utf-8")
    missing = [
        f.name
        for f in dataclasses.fields(KindRules)
        if f.name != "profile_defaults" and f"`{f.name}`" not in text
    ]
    assert missing == []
