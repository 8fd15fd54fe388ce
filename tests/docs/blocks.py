"""The fenced blocks of the documentation, and what the docs test is told about each.

A block's language says what it is:

- `sh`: commands, run by `tests/docs/test_commands.py` in bash against the demo gateway;
- `graphql`: a document, each of its operations posted to that gateway's `/graphql`;
- `console`: commands shown but not run; each says why in a `not run:` note;
- anything else (`text`, `json`, `python`, `yaml`, ...): not a command.

A note for the test is an HTML comment on the line just above the fence, invisible on the
rendered page: `<!-- test: as agency_admin; errors FORBIDDEN -->`. Its parts, separated by `;`:

- `not run: <reason>` (last, the rest of the note is the reason): a `console` (or `graphql`)
  block that is not run, and why;
- `as <role>`: a `graphql` block's caller, a client of `var/demo.json` (`clients.<role>`) or
  `anonymous` (default: `statutory_all_datasets`, with a case reference);
- `variables <JSON>`: a `graphql` block's variables; a string `@citizens.parent` is that fact
  of `var/demo.json`;
- `errors <CODE> ...`: the answer shows GraphQL errors, with exactly these codes;
- `expect <text>`: the output must contain this text (may be given more than once);
- `exit <N>`: an `sh` block ends with this status (default 0).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RUN = {"sh", "graphql"}
SHOWN = {"console"}
# Shell languages a command could hide under; commands are `sh` (run) or `console` (not run).
REFUSED = {"bash", "shell", "zsh", "shell-session", "sh-session"}

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>.*)$")
NOTE = re.compile(r"^\s*<!--\s*test:(?P<body>.*?)-->\s*$")


def documentation() -> list[Path]:
    """Every page a reader gets: the README, `docs/`, `bench/README.md`."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    pages.append(ROOT / "bench" / "README.md")
    return [page for page in pages if page.exists()]


@dataclass
class Note:
    not_run: str | None = None
    role: str | None = "statutory_all_datasets"
    variables: dict[str, Any] = field(default_factory=dict)
    errors: list[str] | None = None  # None: no error allowed
    expect: list[str] = field(default_factory=list)
    exit: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    note: Note
    noted: bool  # a `test:` note stands above it

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def parse_note(body: str) -> Note:
    note = Note()
    body, marked, reason = body.partition("not run:")
    if marked:  # the reason is the rest of the note, semicolons and all
        note.not_run = reason.strip()
        if not note.not_run:
            note.problems.append("`not run:` needs its reason")
    for part in (part.strip() for part in body.split(";")):
        if not part:
            continue
        key, _, value = part.partition(" ")
        value = value.strip()
        if key == "as":
            note.role = None if value == "anonymous" else value
        elif key == "variables":
            try:
                note.variables = json.loads(value)
            except ValueError as error:
                note.problems.append(f"variables are not JSON: {error}")
        elif key == "errors":
            note.errors = value.split()
        elif key == "expect":
            note.expect.append(value)
        elif key == "exit" and value.isdigit():
            note.exit = int(value)
        else:
            note.problems.append(f"unknown part {part!r}")
    return note


def blocks(page: Path) -> list[Block]:
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        language = opening["info"].strip().split(" ")[0].lower()
        end = index + 1
        while end < len(lines) and not (
            lines[end].strip().startswith(fence) and lines[end].strip().strip(fence[0]) == ""
        ):
            end += 1
        text = "\n".join(line[indent:] for line in lines[index + 1 : end]) + "\n"
        above = NOTE.match(lines[index - 1]) if index > 0 else None
        note = parse_note(above["body"]) if above else Note()
        found.append(Block(page, index + 1, language, text, note, above is not None))
        index = end + 1
    return found


def all_blocks() -> list[Block]:
    return [block for page in documentation() for block in blocks(page)]


def facts_value(facts: dict[str, Any], value: Any) -> Any:
    """A variable's value, with `@a.b` strings read from the demo facts."""
    if isinstance(value, str) and value.startswith("@"):
        found: Any = facts
        for key in value[1:].split("."):
            found = found[key]
        return found
    if isinstance(value, list):
        return [facts_value(facts, item) for item in value]
    if isinstance(value, dict):
        return {key: facts_value(facts, item) for key, item in value.items()}
    return value
