"""Run the documentation's blocks the way a reader would: `make demo`'s world in a checkout of
its own, one terminal per page, and hold each answer to what the page says."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from graphql import OperationDefinitionNode, parse, print_ast
from graphql.language import DocumentNode

from tests.docs.blocks import ROOT, Block, facts_value
from tests.harness import free_port, wait_for_health

DEMO_CITIZENS = 300  # `make demo` makes 10,000; the commands need only the citizens of interest
CASE_REFERENCE = "DOCS-CHECK-1"
BLOCK_TIMEOUT = 90.0
# Shell variables that are bash's own (or change by themselves) and do not pass between blocks.
BASH_OWN = (
    "BASH*|EUID|UID|PPID|SHELLOPTS|RANDOM|SRANDOM|SECONDS|LINENO|FUNCNAME|PIPESTATUS|GROUPS"
    "|DIRSTACK|EPOCH*|HIST*|COLUMNS|LINES|OPT*|_|__name|PWD|OLDPWD|SHLVL|IFS|PS4|MACHTYPE"
    "|HOSTTYPE|OSTYPE|HOSTNAME|COMP_WORDBREAKS"
)
# A page is one terminal: each block starts from the variables and functions the page's
# earlier blocks left, and stops at its first failing command.
PROLOGUE = 'set -eo pipefail\nif [ -s "$DOCS_STATE" ]; then . "$DOCS_STATE"; fi\n'
EPILOGUE = f"""
{{
  for __name in $(compgen -v); do
    case $__name in {BASH_OWN}) continue ;; esac
    declare -p "$__name" 2>/dev/null | grep -v '^declare -[a-zA-Z]*r' || true
  done
  declare -f
}} > "$DOCS_STATE"
"""


@dataclass
class Demo:
    """`make demo` running in `workspace`, a checkout of its own with its own `var/`."""

    workspace: Path
    url: str
    env: dict[str, str]
    facts: dict[str, Any]

    async def token(self, role: str) -> str:
        """A fresh token of the demo client `role` (a block at a time: none outlives its TTL)."""
        client = self.facts["clients"][role]
        async with httpx.AsyncClient(base_url=self.url) as http:
            answer = await http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(client["client_id"], client["client_secret"]),
            )
        answer.raise_for_status()
        return str(answer.json()["access_token"])


def checkout(workspace: Path) -> None:
    """The repository's files, linked, but `var/` of its own (and no `.git`)."""
    for entry in ROOT.iterdir():
        if entry.name not in {"var", ".git"}:
            (workspace / entry.name).symlink_to(entry)
    (workspace / "var").mkdir()


def reader_environment(workspace: Path) -> dict[str, str]:
    """A reader's shell: none of the gateway's settings, the var folder the demo uses."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GATEWAY_", "DARVAZEH_", "VIRTUAL_ENV", "EDUCATION_", "SOCIAL_"))
    }
    # Settings find `var/` at the repository root, links resolved: name the checkout's own.
    env["DARVAZEH_VAR_DIR"] = str(workspace / "var")
    return env


@contextlib.asynccontextmanager
async def running_demo(
    workspace: Path, settings: Mapping[str, str] | None = None
) -> AsyncIterator[Demo]:
    """`make demo` (what it runs: `python -m demo`) on free ports, in `workspace`, with
    `settings` for the demo's environment; its output in `workspace/demo.log`."""
    checkout(workspace)
    port, education_port, social_port = free_port(), free_port(), free_port()
    env = reader_environment(workspace)
    demo_env = env | {
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "EDUCATION_PORT": str(education_port),
        "SOCIAL_PORT": str(social_port),
        **(settings or {}),
    }
    log = workspace / "demo.log"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "demo", "--count", str(DEMO_CITIZENS),
            cwd=workspace, env=demo_env, stdout=sink, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its education service and school client go with it
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            await wait_for_health(url, process, within=120)
        except (RuntimeError, TimeoutError) as error:
            tail = log.read_text(errors="replace").splitlines()[-30:]
            raise RuntimeError(f"make demo did not start: {error}\n" + "\n".join(tail)) from None
        facts = json.loads((workspace / "var" / "demo.json").read_text(encoding="utf-8"))
        yield Demo(workspace, url, env | {"DARVAZEH_GATEWAY": url}, facts)
    finally:
        await stop(process)


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM (the demo stops its helpers), then the whole group if it lingers."""
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


@dataclass
class Outcome:
    status: int
    output: str  # stdout
    errors: str  # stderr
    answers: list[Any]  # the JSON values the output holds


def json_values(text: str) -> list[Any]:
    """Every JSON value printed one after another (jq's output), skipping lines that are not."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError:
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline + 1
            continue
        values.append(value)
    return values


async def run_sh(block: Block, demo: Demo, state: Path) -> Outcome:
    env = demo.env | {"DOCS_STATE": str(state)}
    bash = shutil.which("bash") or "/bin/bash"
    process = await asyncio.create_subprocess_exec(
        bash, "-c", PROLOGUE + block.text + EPILOGUE,
        cwd=demo.workspace, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), BLOCK_TIMEOUT)
    except TimeoutError:
        os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        raise AssertionError(f"{block.where}: still running after {BLOCK_TIMEOUT:g} s") from None
    output, errors = out.decode(errors="replace"), err.decode(errors="replace")
    return Outcome(process.returncode or 0, output, errors, json_values(output))


def operations(text: str) -> list[DocumentNode]:
    """One document per operation of the block, each with the block's fragments."""
    document = parse(text)
    fragments = [d for d in document.definitions if not isinstance(d, OperationDefinitionNode)]
    return [
        DocumentNode(definitions=(definition, *fragments))
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]


async def run_graphql(block: Block, demo: Demo) -> Outcome:
    headers = {}
    if block.note.role is not None:
        headers["Authorization"] = f"Bearer {await demo.token(block.note.role)}"
        headers["Darvazeh-Case-Reference"] = CASE_REFERENCE
    variables = facts_value(demo.facts, block.note.variables)
    answers: list[Any] = []
    statuses: list[int] = []
    async with httpx.AsyncClient(base_url=demo.url, timeout=BLOCK_TIMEOUT) as http:
        for document in operations(block.text):
            answer = await http.post(
                "/graphql",
                json={"query": print_ast(document), "variables": variables},
                headers=headers,
            )
            statuses.append(answer.status_code)
            answers.append(answer.json())
    output = "\n".join(json.dumps(answer, ensure_ascii=False, indent=2) for answer in answers)
    failed = [status for status in statuses if status != 200]
    return Outcome(failed[0] if failed else 0, output, "", answers)


def error_codes(answers: list[Any]) -> list[str]:
    """The `extensions.code` of every GraphQL error among the answers."""
    codes = []
    for answer in answers:
        if isinstance(answer, dict) and isinstance(answer.get("errors"), list):
            for error in answer["errors"]:
                extensions = (error.get("extensions") if isinstance(error, dict) else None) or {}
                codes.append(str(extensions.get("code")))
    return codes


def problems(block: Block, outcome: Outcome) -> list[str]:
    """What in the outcome contradicts the page."""
    found = []
    note = block.note
    expected_status = note.exit if block.language == "sh" else 0
    if outcome.status != expected_status:
        found.append(f"ended with {outcome.status}, the page expects {expected_status}")
    codes = error_codes(outcome.answers)
    if note.errors is None and codes:
        found.append(f"answered GraphQL errors {codes}; the page shows none")
    if note.errors is not None:
        if set(codes) != set(note.errors):
            found.append(f"answered GraphQL errors {codes}; the page shows {note.errors}")
    elif '"errors"' in outcome.output and not outcome.answers:
        found.append("the output mentions errors")
    everything = outcome.output + outcome.errors
    found += [f"the output lacks {text!r}" for text in note.expect if text not in everything]
    return found
