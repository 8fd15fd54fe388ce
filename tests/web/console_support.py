"""Helpers for the agency console's tests: staff accounts and a logged-in console browser."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

import httpx

from auth.accounts.staff import StaffDraft, create_staff
from store.db import transaction
from store.staff_models import StaffAccount
from tests.harness import RunningGateway
from tests.web.support import browser

STAFF_PASSWORD = "a long staff passphrase"
CIVIL = "civil-registry"
EDUCATION = "education"


async def ensure_staff(gw: RunningGateway, username: str, agency: str, role: str) -> str:
    async with transaction(gw.gateway.sessions) as session:
        if await session.get(StaffAccount, username) is None:
            draft = StaffDraft(username, agency, role, f"{username} (test)", STAFF_PASSWORD)
            await create_staff(session, draft, created_by="tests")
    return username


def console_csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


async def console_login(
    client: httpx.AsyncClient, username: str, password: str = STAFF_PASSWORD
) -> httpx.Response:
    page = await client.get("/console/login")
    assert page.status_code == 200, page.text
    form = {"csrf_token": console_csrf(page.text), "username": username, "password": password}
    return await client.post("/console/login", data=form)


@contextlib.asynccontextmanager
async def staff_browser(
    gw: RunningGateway, username: str, agency: str, role: str, **headers: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser logged in to the console as `username` (added first when missing)."""
    await ensure_staff(gw, username, agency, role)
    async with browser(gw, **headers) as client:
        response = await console_login(client, username)
        assert response.status_code == 303, response.text
        yield client


async def post_form(
    client: httpx.AsyncClient, page_path: str, target: str, **fields: str
) -> httpx.Response:
    """POST to `target` with the CSRF token of the page at `page_path`."""
    page = await client.get(page_path)
    assert page.status_code == 200, page.text
    return await client.post(target, data={"csrf_token": console_csrf(page.text), **fields})
