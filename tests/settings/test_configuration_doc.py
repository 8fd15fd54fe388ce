"""Every variable the settings read has its row in docs/configuration.md, with the default the
code has; every variable listed there is read."""

from __future__ import annotations

import re
from pathlib import Path

from settings import ROOT, Settings
from settings.environment import variables
from settings.tools import AgencyCliSettings, BareBenchSettings, DemoSettings

DOC = ROOT / "docs" / "configuration.md"
ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \| (.*?) \| (.*) \|$")
READERS = (Settings, AgencyCliSettings, DemoSettings, BareBenchSettings)


def documented() -> dict[str, tuple[str, str]]:
    """variable -> (default cell, meaning cell) of each table row."""
    rows: dict[str, tuple[str, str]] = {}
    for line in DOC.read_text().splitlines():
        if found := ROW.match(line):
            name, default, meaning = found.groups()
            assert name not in rows, f"{name} has two rows"
            rows[name] = (default, meaning)
    return rows


def shown(default: object) -> str | None:
    """How the doc writes a default (None: in words, not checked)."""
    if default is None:
        return None
    if default == "" or default == ():
        return "empty"
    if isinstance(default, bool):
        return "`on`" if default else "`off`"
    if isinstance(default, tuple):
        return f"`{','.join(default)}`"
    if isinstance(default, Path) and default.is_relative_to(ROOT):
        return f"`{default.relative_to(ROOT)}`"
    return f"`{default}`"


def test_every_variable_read_is_documented_with_its_default() -> None:
    rows = documented()
    read = [item for reader in READERS for item in variables(reader)]
    assert len(read) > 60  # the walk reaches the groups
    for variable, default in read:
        assert variable.name in rows, f"{variable.name} is read but not in {DOC.name}"
        cell, meaning = rows[variable.name]
        assert meaning.strip(), variable.name
        expected = shown(default)
        if expected is not None:
            assert cell.startswith(expected), f"{variable.name}: {cell!r}, code: {expected!r}"
        if variable.older_name is not None:
            assert f"`{variable.older_name}`" in meaning, variable.name


def test_every_documented_variable_is_read() -> None:
    read = {variable.name for reader in READERS for variable, _ in variables(reader)}
    assert set(documented()) - read == set()


def test_gateway_variables_are_named_for_the_gateway() -> None:
    assert all(variable.name.startswith("GATEWAY_") for variable, _ in variables(Settings))
