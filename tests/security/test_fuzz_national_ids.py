"""National codes in every disguise against a whole gateway (GraphQL and the login page): a code
is read as its canonical Latin form (Persian and Arabic-Indic digits are Latin digits) or refused
with INVALID_NATIONAL_ID before any source is called; the access log only ever sees canonical
codes; nothing answers 5xx or shows a traceback."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from store.audit_models import AuditRecord
from tests.security.fuzz_inputs import canonical, national_codes
from tests.security.fuzz_verdicts import WRONG_ANSWER, FuzzLedger, Problem
from tests.security.fuzzing import (
    Exchange,
    FuzzGateway,
    examples,
    fuzz_gateway,
    fuzz_settings,
)

STATUTORY = "statutory_all_datasets"
CODES = 600
LOGINS = 150
DOCUMENT = "query($id: String!) { citizen(nationalId: $id) { nationalId identity { firstName } } }"
LIST_DOCUMENT = "query($ids: [String!]!) { citizens(nationalIds: $ids) { nationalId } }"
CANONICAL = re.compile(r"[0-9]{10}")


@pytest.fixture(scope="module")
def fuzz() -> Iterator[FuzzGateway]:
    with fuzz_gateway() as gateway:
        yield gateway


def _citizen_problems(value: str, answer: Any, calls_before: int, calls_after: int) -> list[str]:
    expected = canonical(value)
    data = answer.get("data") if isinstance(answer, dict) else None
    citizen = data.get("citizen") if isinstance(data, dict) else None
    codes = [
        (error.get("extensions") or {}).get("code")
        for error in (answer.get("errors") or [] if isinstance(answer, dict) else [])
    ]
    if expected is None:
        wrong = []
        if citizen is not None:
            wrong.append(f"{value!r} was read as {citizen.get('nationalId')!r}, not refused")
        if codes != ["INVALID_NATIONAL_ID"]:
            wrong.append(f"codes {codes}, not INVALID_NATIONAL_ID alone")
        if calls_after != calls_before:
            wrong.append(f"{calls_after - calls_before} source call(s) for a malformed code")
        return wrong
    if not isinstance(citizen, dict) or citizen.get("nationalId") != expected:
        return [f"{value!r} must be read as {expected!r}; got {citizen!r} with codes {codes}"]
    return []


def test_national_codes_are_canonical_or_refused(fuzz: FuzzGateway) -> None:
    ledger = FuzzLedger()
    known = fuzz.national_ids[:40]

    @fuzz_settings(CODES)
    @given(value=national_codes(known), inline=st.booleans())
    def send(value: str, inline: bool) -> None:
        before = sum(fuzz.source_calls().values())
        if inline:  # as a literal in the document
            literal = json.dumps(value, ensure_ascii=False)
            document = DOCUMENT.replace("query($id: String!) ", "").replace("$id", literal)
            exchange = fuzz.graphql(
                "national code (literal)", document, token=fuzz.token(STATUTORY)
            )
        else:
            exchange = fuzz.graphql(
                "national code", DOCUMENT, {"id": value}, token=fuzz.token(STATUTORY)
            )
        after = sum(fuzz.source_calls().values())
        wrong = _citizen_problems(value, exchange.json(), before, after)
        ledger.check(exchange, [Problem(WRONG_ANSWER, text) for text in wrong])

    send()
    _check_access_log(fuzz, ledger)
    ledger.finish(examples(CODES))


def test_lists_of_national_codes(fuzz: FuzzGateway) -> None:
    """`citizens`: each malformed code nulls its own entry alone; the others are read."""
    ledger = FuzzLedger()
    known = fuzz.national_ids[:40]

    @fuzz_settings(CODES // 3)
    @given(values=st.lists(national_codes(known), min_size=1, max_size=8))
    def send(values: list[str]) -> None:
        exchange = fuzz.graphql(
            "national codes", LIST_DOCUMENT, {"ids": values}, token=fuzz.token(STATUTORY)
        )
        body = exchange.json()
        entries = (body.get("data") or {}).get("citizens") if isinstance(body, dict) else None
        wrong = []
        if not isinstance(entries, list) or len(entries) != len(values):
            wrong.append(f"citizens is {entries!r} for {len(values)} codes")
        else:
            errors = {
                tuple(error.get("path") or ()): (error.get("extensions") or {}).get("code")
                for error in body.get("errors") or []
            }
            for index, (value, entry) in enumerate(zip(values, entries, strict=True)):
                expected = canonical(value)
                got = entry.get("nationalId") if isinstance(entry, dict) else None
                if got != expected:
                    wrong.append(f"entry {index}: {value!r} read as {got!r}, not {expected!r}")
                if expected is None and errors.get(("citizens", index)) != "INVALID_NATIONAL_ID":
                    wrong.append(f"entry {index}: {value!r} has no INVALID_NATIONAL_ID error")
        ledger.check(exchange, [Problem(WRONG_ANSWER, text) for text in wrong])

    send()
    ledger.finish(examples(CODES // 3))


def test_login_page_takes_any_national_code(fuzz: FuzzGateway) -> None:
    """The citizen's login form: any code typed is answered with a page (refused, throttled or
    logged in), never a 5xx or a traceback."""
    ledger = FuzzLedger()
    page = fuzz.send("login page", "GET", "/login")
    assert page.status == 200, page.describe()
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.describe()
    csrf = match.group(1)

    @fuzz_settings(LOGINS)
    @given(value=national_codes(fuzz.national_ids[:10]), password=st.text(max_size=30))
    def send(value: str, password: str) -> None:
        form = {"csrf_token": csrf, "national_id": value, "password": password}
        content = urlencode(form).encode("ascii")
        exchange = fuzz.send(
            "login form",
            "POST",
            "/login",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            content=content,
        )
        wrong = []
        if exchange.status not in {303, 400, 401, 429}:
            wrong.append(f"HTTP {exchange.status} for a login attempt")
        ledger.check(exchange, [Problem(WRONG_ANSWER, text) for text in wrong])

    send()
    ledger.finish(examples(LOGINS))


def _check_access_log(fuzz: FuzzGateway, ledger: FuzzLedger) -> None:
    """The access log names only canonical codes as subjects."""

    async def subjects() -> list[str]:
        async with fuzz.running.gateway.sessions() as session:
            rows = await session.scalars(select(AuditRecord.subject).distinct())
            return list(rows)

    written = fuzz.run(subjects())
    assert written, "the fuzzed reads left no audit records"
    odd = [subject for subject in written if not CANONICAL.fullmatch(subject)]
    if odd:
        shown = json.dumps(odd[:20], ensure_ascii=False)
        exchange = Exchange(
            "the access log after the run", "SELECT", "audit_records.subject", {},
            shown.encode(), 200, "", shown,
        )  # fmt: skip
        ledger.check(exchange, [Problem(WRONG_ANSWER, f"non-canonical subjects: {shown}")])
