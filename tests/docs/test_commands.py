"""Every command in the documentation runs, and answers what the page says.

Each page's `sh` blocks run in order, as one terminal, against `make demo`'s world started the
way the README says (in a checkout of its own, on free ports); its `graphql` blocks are posted to
that gateway. `tests/docs/blocks.py` says how a page marks its blocks.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.docs.blocks import (
    FENCE,
    NOTE,
    REFUSED,
    ROOT,
    RUN,
    SHOWN,
    all_blocks,
    blocks,
    documentation,
)
from tests.docs.names import stale_names
from tests.docs.runner import Demo, problems, run_graphql, run_sh, running_demo

PAGES = documentation()


# What the pages' commands use besides the project (a reader's shell has them).
TOOLS = ("bash", "curl", "jq", "openssl")


@pytest.fixture(scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Demo]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"the documentation's commands need {', '.join(missing)}"
        if os.environ.get("DARVAZEH_REQUIRE_SERVICES") == "1":  # CI: required, as the servers
            pytest.fail(message)
        pytest.skip(message)
    async with running_demo(Path(tmp_path_factory.mktemp("checkout"))) as running:
        yield running


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
async def test_page_commands(page: Path, demo: Demo, tmp_path: Path) -> None:
    state = tmp_path / "terminal.sh"
    for block in blocks(page):
        if block.language not in RUN or block.note.not_run:
            continue
        if block.language == "sh":
            outcome = await run_sh(block, demo, state)
        else:
            outcome = await run_graphql(block, demo)
        found = problems(block, outcome)
        assert not found, (
            f"{block.where}: " + "; ".join(found) + f"\n--- block\n{block.text}"
            f"--- output\n{outcome.output[-3000:]}\n--- stderr\n{outcome.errors[-3000:]}"
        )


def test_every_block_says_what_it_is() -> None:
    """Commands are `sh` (run) or `console` (not run, with the reason); notes are well formed."""
    found = []
    for block in all_blocks():
        where, note = block.where, block.note
        if not block.language:
            found.append(f"{where}: a fence without a language (`text` for plain text)")
        if block.language in REFUSED:
            found.append(f"{where}: `{block.language}`: commands are `sh` or `console`")
        found += [f"{where}: {problem}" for problem in note.problems]
        if block.language in SHOWN and not note.not_run:
            found.append(f"{where}: a console block needs `<!-- test: not run: <reason> -->`")
        if block.language == "sh" and note.not_run:
            found.append(f"{where}: an sh block is always run; show it as `console`")
        if block.noted and block.language not in RUN | SHOWN:
            found.append(f"{where}: a test note above a `{block.language}` block")
    assert not found, "\n".join(found)


def test_the_run_blocks_are_many() -> None:
    """The test cannot pass by running nothing: the README's query is among the blocks run."""
    run = [b for b in all_blocks() if b.language in RUN and not b.note.not_run]
    readme = [b for b in run if b.page == ROOT / "README.md"]
    assert len(run) >= 20 and any("/graphql" in b.text for b in readme)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_named_files_and_links_exist(page: Path) -> None:
    """Every path and module of ours a page names in backquotes, and every link, is there."""
    stale = stale_names(page)
    assert not stale, "\n".join(stale)


def test_notes_stand_above_blocks() -> None:
    """A `<!-- test: ... -->` note not right above a fence would be silently ignored."""
    found = []
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if NOTE.match(line) and not (number < len(lines) and FENCE.match(lines[number])):
                found.append(f"{page.relative_to(ROOT)}:{number}: a test note above no block")
    assert not found, "\n".join(found)
