"""`make demo`'s proactive services, end to end in a real demo process: a birth the civil
registry reports makes social security's newborn insurance case at once (EXECUTED, delivered to
its webhook receiver exactly once, shown to the parent), and the age scan of the first start
offers the school starters a first-grade introduction their parents see."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from demo.service_cards import service_cards
from tests.docs.runner import Demo, running_demo

WITHIN = 60.0  # seconds; the engine polls every second, on a loaded machine
CASES = """query($card: String) { agencyServiceCases(cardId: $card, first: 100) {
  edges { node { id cardId status subject people { nationalId role } delivery } } } }"""

T = TypeVar("T")


async def eventually(look: Callable[[], Awaitable[T | None]], what: str) -> T:
    deadline = time.monotonic() + WITHIN
    while True:
        found = await look()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {WITHIN:g} s")
        await asyncio.sleep(0.5)


async def cases(demo: Demo, role: str, card: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {await demo.token(role)}"}
    async with httpx.AsyncClient(base_url=demo.url, timeout=30) as http:
        answer = await http.post(
            "/graphql", json={"query": CASES, "variables": {"card": card}}, headers=headers
        )
    body = answer.json()
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["agencyServiceCases"]["edges"]]


async def services_page(demo: Demo, national_id: str) -> str:
    """/me/services in English, logged in as the citizen with their demo password."""
    async with httpx.AsyncClient(base_url=demo.url, timeout=30) as browser:
        login = await browser.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token, login.text
        form = {"csrf_token": token.group(1), "national_id": national_id,
                "password": demo.facts["passwords"][national_id]}  # fmt: skip
        assert (await browser.post("/login", data=form)).status_code == 303
        page = await browser.get("/me/services", params={"lang": "en"})
    assert page.status_code == 200
    return page.text


async def report_birth(demo: Demo, parent: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "demo.events", "birth", "--parent", parent,
        cwd=demo.workspace, env=demo.env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), WITHIN)
    assert process.returncode == 0, err.decode()
    assert "webhook receiver" in err.decode()
    born: dict[str, Any] = json.loads(out)
    return born


async def test_the_demo_runs_its_proactive_services(tmp_path: Path) -> None:
    async with running_demo(tmp_path) as demo:
        parent = demo.facts["citizens"]["parent"]
        born = await report_birth(demo, parent)
        child = born["child"]
        assert parent in (born["father"], born["mother"]) and born["event"]["duplicate"] is False

        async def newborn_case() -> dict[str, Any] | None:
            made = await cases(demo, "social_admin", "newborn-health-insurance")
            return next((case for case in made if case["subject"] == child), None)

        case = await eventually(newborn_case, "newborn insurance case")
        assert case["status"] == "EXECUTED"
        people = {(p["nationalId"], p["role"]) for p in case["people"]}
        assert (child, "SUBJECT") in people and (parent, "PARENT") in people

        receiver = demo.facts["webhooks"]["social-security"]["url"]

        async def delivered() -> list[dict[str, Any]] | None:
            async with httpx.AsyncClient(timeout=30) as http:
                kept = (await http.get(receiver)).json()["received"]
            mine = [entry for entry in kept if entry["id"] == case["id"]]
            return mine or None

        (entry,) = await eventually(delivered, "webhook delivery")
        assert entry["payload"]["data"]["subject"] == child
        await asyncio.sleep(3)  # a few more rounds of the delivery worker: nothing sent again
        assert len(await delivered() or []) == 1
        after = await newborn_case()
        assert after is not None and after["delivery"] == "DELIVERED"

        page = await services_page(demo, parent)
        assert "Newborn health insurance" in page and child in page

        # The first start's age scan: each school starter offered a first-grade introduction.
        starters = demo.facts["school_starters"]
        assert len(starters) == 3

        async def offers() -> list[dict[str, Any]] | None:
            made = await cases(demo, "education_admin", "first-grade-introduction")
            children = {case["subject"] for case in made}
            return made if children >= {s["child"] for s in starters} else None

        made = await eventually(offers, "school offers")
        assert {case["status"] for case in made} == {"OFFERED"}
        school = next(c for c in service_cards() if c.id == "first-grade-introduction")
        for starter in starters:
            for role in ("father", "mother"):
                if starter[role]:
                    page = await services_page(demo, starter[role])
                    assert school.name_en in page and starter["child"] in page
