"""Attacks on the agency console: a VIEWER changing things, staff of one agency touching another's
objects, forms without or with a forged CSRF token, guessing passwords, and oversized fields.
Each is refused and changes nothing."""

from __future__ import annotations

import pytest

from auth.accounts.staff import StaffMember, staff_principal
from resolvers import data_sources, service_clients
from resolvers.context import RequestContext
from standard.errors import DarvazehError, ErrorCode
from standard.statuses import StaffRole
from store.db import transaction
from store.models import DataSource
from store.staff_models import StaffAccount
from tests.harness import RunningGateway
from tests.web.console_support import (
    CIVIL,
    EDUCATION,
    console_csrf,
    console_login,
    ensure_staff,
    post_form,
    staff_browser,
)
from tests.web.support import browser


async def enabled(gw: RunningGateway, source_id: str) -> bool:
    async with gw.gateway.sessions() as session:
        row = await session.get(DataSource, source_id)
    return row is not None and row.enabled


async def test_a_viewer_changes_nothing(gateway: RunningGateway) -> None:
    async with staff_browser(gateway, "sec.viewer", CIVIL, "VIEWER") as client:
        page = "/console/sources/civil-identity"
        for target, fields in (
            (f"{page}/disable", {}),
            (f"{page}/restore", {"version": "1"}),
            (f"{page}/mapping", {"mapping": "{}"}),
            ("/console/staff", {"username": "sneaky", "role": "ADMIN", "display_name": "x",
                                "password": "a long enough password"}),
            ("/console/sources/new", {"id": "x", "kind": "sql"}),
        ):  # fmt: skip
            answer = await post_form(client, page, target, **fields)
            assert answer.status_code == 403, target
    assert await enabled(gateway, "civil-identity")
    async with gateway.gateway.sessions() as session:
        assert await session.get(StaffAccount, "sneaky") is None


async def test_the_resolvers_refuse_a_viewer_whatever_the_page_offers(
    gateway: RunningGateway,
) -> None:
    member = StaffMember("v", "V", CIVIL, StaffRole.VIEWER, "00" * 32, "ab" * 32)
    context = RequestContext(
        registry=gateway.gateway.registry,
        principal=staff_principal(member),
        sessions=gateway.gateway.sessions,
    )
    assert [row.id for row in await data_sources.list_sources(context)]  # it may look
    for change in (
        data_sources.disable(context, "civil-identity"),
        data_sources.restore(context, "civil-identity", 1),
        service_clients.rotate_secret(context, "anything"),
    ):
        with pytest.raises(DarvazehError) as refused:
            await change
        assert refused.value.code is ErrorCode.FORBIDDEN
    assert await enabled(gateway, "civil-identity")


async def test_staff_of_one_agency_cannot_touch_anothers(gateway: RunningGateway) -> None:
    await ensure_staff(gateway, "sec.civil", CIVIL, "ADMIN")
    async with staff_browser(gateway, "sec.edu", EDUCATION, "ADMIN") as client:
        assert (await client.get("/console/sources/civil-identity")).status_code == 404
        listed = await client.get("/console/sources")
        assert "civil-identity" not in listed.text
        page = "/console/sources"
        refusals = [
            await post_form(client, page, "/console/sources/civil-identity/disable"),
            await post_form(client, page, "/console/sources/civil-identity/restore", version="1"),
            await post_form(client, page, "/console/staff/sec.civil/disable"),
            await post_form(client, page, "/console/clients/civil-registry-admin/rotate"),
        ]
        card = await client.get("/console/cards/birth-certificate-online")
        client_history = await client.get("/console/clients/civil-registry-admin")
    for answer in refusals:
        assert answer.status_code == 400, answer.text
        assert "has no" in answer.text  # the same words whether it exists elsewhere or not
    assert card.status_code == 404 and client_history.status_code == 404
    assert await enabled(gateway, "civil-identity")
    async with gateway.gateway.sessions() as session:
        civil = await session.get(StaffAccount, "sec.civil")
    assert civil is not None and civil.enabled


async def test_forms_without_or_with_a_forged_csrf_token_are_refused(
    gateway: RunningGateway,
) -> None:
    async with staff_browser(gateway, "sec.other", CIVIL, "ADMIN") as other:
        forged = console_csrf((await other.get("/console/sources")).text)
    async with staff_browser(gateway, "sec.admin", CIVIL, "ADMIN") as client:
        target = "/console/sources/civil-identity/disable"
        assert (await client.post(target, data={})).status_code == 403
        assert (await client.post(target, data={"csrf_token": forged})).status_code == 403
        assert (await client.post(target, data={"csrf_token": "x" * 64})).status_code == 403
    assert await enabled(gateway, "civil-identity")
    async with browser(gateway) as client:
        # A cross-site login form has no cookie to match its token.
        answer = await client.post(
            "/console/login",
            data={"csrf_token": "a" * 43, "username": "sec.admin", "password": "x" * 20},
        )
    assert answer.status_code == 403


async def test_guessing_a_staff_password_is_throttled(gateway: RunningGateway) -> None:
    await ensure_staff(gateway, "sec.guessed", CIVIL, "ADMIN")
    async with browser(gateway) as client:
        statuses = [
            (await console_login(client, "sec.guessed", f"wrong guess {n}")).status_code
            for n in range(6)
        ]
        assert statuses[:5] == [401] * 5 and statuses[5] == 429
        right = await console_login(client, "sec.guessed")
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0
    assert "darvazeh_console=" not in right.headers.get("set-cookie", "")


async def test_oversized_fields_are_refused_and_change_nothing(gateway: RunningGateway) -> None:
    async with browser(gateway) as client:
        page = await client.get("/console/login")
        huge = await client.post(
            "/console/login",
            data={"csrf_token": console_csrf(page.text), "username": "u" * 100_000,
                  "password": "p" * 100_000},
        )  # fmt: skip
    assert huge.status_code in (401, 403)
    async with staff_browser(gateway, "sec.admin", CIVIL, "ADMIN") as client:
        page = "/console/sources/civil-identity"
        mapping = await post_form(client, page, f"{page}/mapping", mapping="{" + " " * 16_100 + "}")
        assert mapping.status_code in (400, 403)
        many = await post_form(client, page, f"{page}/mapping", mapping="x" * 1_000_000)
        assert many.status_code == 403  # past the form's part size: not read at all
        long_id = await client.get("/console/sources/" + "a" * 5000)
        assert long_id.status_code == 404
        version = await post_form(client, page, f"{page}/restore", version="9" * 40)
        assert version.status_code == 400
    assert await enabled(gateway, "civil-identity")


async def test_a_disabled_account_loses_its_session_at_once(gateway: RunningGateway) -> None:
    async with staff_browser(gateway, "sec.leaver", CIVIL, "VIEWER") as client:
        assert (await client.get("/console/sources")).status_code == 200
        async with transaction(gateway.gateway.sessions) as session:
            account = await session.get(StaffAccount, "sec.leaver")
            assert account is not None
            account.enabled = False
        answer = await client.get("/console/sources")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"
