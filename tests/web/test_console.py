"""The agency console over HTTP on a real store: staff login, the sources page (a DOWN source says
why), registering with a dry run and an explicit confirmation before replacing the current
source, versions and their differences, cards and clients (a rotated secret shown once), staff
accounts and the reads of the agency's data. Every change is checked where the GraphQL API
checks it: the store's history names the staff member."""

from __future__ import annotations

import html
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from demo import mappings
from store.models import DataSource, OAuthClient, RegistrationVersion
from store.staff_models import StaffAccount
from tests.harness import RunningGateway, running_gateway
from tests.web.console_support import (
    CIVIL,
    EDUCATION,
    STAFF_PASSWORD,
    console_csrf,
    console_login,
    post_form,
    staff_browser,
)
from tests.web.support import CLIENT_ID, assert_secure_headers, browser, ensure_client

ADDRESS = "query($id: String!) { citizen(nationalId: $id) { address { city } } }"


@pytest.fixture(scope="module")
async def gw(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningGateway]:
    """A gateway of its own: these tests break and replace the civil registry's sources."""
    async with running_gateway(
        Path(tmp_path_factory.mktemp("console")), health_flush_interval=0.1
    ) as running:
        yield running


async def source(gw: RunningGateway, source_id: str) -> DataSource | None:
    async with gw.gateway.sessions() as session:
        return await session.get(DataSource, source_id)


async def test_login_sets_a_strict_console_cookie_and_logout_ends_it(gw: RunningGateway) -> None:
    async with staff_browser(gw, "civil.viewer", CIVIL, "VIEWER") as client:
        page = await client.get("/console/sources?lang=en")
        assert page.status_code == 200
        assert_secure_headers(page)
        assert "civil-identity" in page.text and "Viewer" in page.text
        assert "Register a source" not in page.text  # a viewer is offered no change
        logout = await client.post("/console/logout", data={"csrf_token": console_csrf(page.text)})
        assert logout.status_code == 303 and logout.headers["location"] == "/console/login"
        again = await client.get("/console/sources")
        assert again.status_code == 303 and again.headers["location"] == "/console/login"
    async with browser(gw) as client:
        answer = await console_login(client, "civil.viewer")
        cookie = answer.headers["set-cookie"]
        assert "darvazeh_console=" in cookie and "HttpOnly" in cookie
        assert "SameSite=strict" in cookie and "Path=/console" in cookie
        already = await client.get("/console/login")
        assert already.status_code == 303 and already.headers["location"] == "/console/sources"
    async with browser(gw) as client:
        wrong = await console_login(client, "civil.viewer", "not the password")
        assert wrong.status_code == 401 and "darvazeh_console=" not in wrong.headers.get(
            "set-cookie", ""
        )


async def test_a_down_source_says_why_after_its_table_lost_a_column(gw: RunningGateway) -> None:
    """Register a copy of the address table in its place (confirming the replacement), then the
    agency drops a mapped column: the page says which, with the time."""
    database = make_url(gw.urls.civil).database
    assert database is not None
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE neshani_copy AS SELECT * FROM neshani")
    mapping = {**mappings.CIVIL["address"], "table": "neshani_copy"}
    form = {
        "id": "civil-address-copy",
        "record_type": "address",
        "kind": "sql",
        "connection": json.dumps({"url": gw.urls.civil}),
        "mapping": json.dumps(mapping),
        "timeout": "",
    }
    async with staff_browser(gw, "civil.admin", CIVIL, "ADMIN") as client:
        tested = await post_form(
            client, "/console/sources/new?lang=en", "/console/sources/new", action="test", **form
        )
        assert tested.status_code == 200, tested.text
        assert (
            "It would be accepted" in tested.text and "replaces source civil-address" in tested.text
        )
        asked = await post_form(
            client, "/console/sources/new", "/console/sources/new", action="register", **form
        )
        # Replacing the agency's current address source is asked for, not done.
        assert asked.status_code == 409
        assert 'name="replaces" value="civil-address"' in asked.text
        assert (await source(gw, "civil-address-copy")) is None
        confirmed = await client.post(
            "/console/sources/new",
            data={"csrf_token": console_csrf(asked.text), "action": "register",
                  "replaces": "civil-address", **form},
        )  # fmt: skip
        assert confirmed.status_code == 303, confirmed.text
        assert confirmed.headers["location"] == "/console/sources/civil-address-copy"
        old = await source(gw, "civil-address")
        new = await source(gw, "civil-address-copy")
        assert old is not None and not old.enabled
        assert new is not None and new.enabled and new.updated_by == "staff:civil.admin"

        with sqlite3.connect(database) as db:
            db.execute("ALTER TABLE neshani_copy DROP COLUMN shahr")
        answer = await gw.query(ADDRESS, {"id": gw.citizens["parent"]})
        assert answer["errors"][0]["extensions"]["code"] == "SOURCE_UNAVAILABLE"
        await gw.gateway.registry.flush_health()
        page = await client.get("/console/sources?lang=en")
    shown = html.unescape(page.text)
    assert "data source 'civil-address-copy' no longer matches its mapping" in shown
    assert "table 'neshani_copy' has no column 'shahr'" in shown
    assert database not in shown and "OperationalError" not in shown


async def test_dry_run_lists_every_problem_beside_its_field(gw: RunningGateway) -> None:
    form = {
        "id": "civil-broken",
        "record_type": "identity",
        "kind": "sql",
        "connection": "{not json",
        "mapping": "{}",
        "timeout": "500",
    }
    async with staff_browser(gw, "civil.admin", CIVIL, "ADMIN") as client:
        answer = await post_form(
            client, "/console/sources/new?lang=en", "/console/sources/new", action="test", **form
        )
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert 'id="connection-problem-1"' in text and "connection: not JSON" in text
    assert 'id="timeout-problem-1"' in text
    assert 'aria-invalid="true"' in text
    assert (await source(gw, "civil-broken")) is None


async def test_disable_enable_history_and_a_diff_between_versions(gw: RunningGateway) -> None:
    async with staff_browser(gw, "civil.admin", CIVIL, "ADMIN") as client:
        page = "/console/sources/civil-birth"
        disabled = await post_form(client, page, f"{page}/disable")
        assert disabled.status_code == 303
        assert not (await source(gw, "civil-birth")).enabled  # type: ignore[union-attr]
        enabled = await post_form(client, page, f"{page}/enable")
        assert enabled.status_code == 303
        row = await source(gw, "civil-birth")
        assert row is not None and row.enabled
        detail = await client.get(f"{page}?lang=en&from={row.version - 1}&to={row.version}")
    assert detail.status_code == 200
    text = html.unescape(detail.text)
    assert f"Differences between versions {row.version - 1} and {row.version}" in text
    assert "<del>false</del>" in text and "<ins>true</ins>" in text
    assert "connection_sealed" not in text
    async with gw.gateway.sessions() as session:
        changed_by = set(
            await session.scalars(
                select(RegistrationVersion.changed_by).where(
                    RegistrationVersion.object_id == "civil-birth"
                )
            )
        )
    assert "staff:civil.admin" in changed_by


async def test_rotating_a_client_secret_shows_it_once(gw: RunningGateway) -> None:
    await ensure_client(gw)
    async with staff_browser(gw, "edu.admin", EDUCATION, "ADMIN") as client:
        page = await client.get("/console/services?lang=en")
        assert CLIENT_ID in page.text
        rotated = await client.post(
            f"/console/clients/{CLIENT_ID}/rotate", data={"csrf_token": console_csrf(page.text)}
        )
        assert rotated.status_code == 200
        assert rotated.headers["cache-control"] == "no-store"
        secret = html.unescape(rotated.text).split('<code class="secret">')[1].split("<")[0]
        again = await client.get("/console/services")
        assert secret not in again.text
        history = await client.get(f"/console/clients/{CLIENT_ID}?lang=en")
    assert "secret rotated" in history.text and secret not in history.text
    token = await gw.http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=(CLIENT_ID, secret),
    )
    assert token.status_code != 401  # the new secret authenticates the client
    async with gw.gateway.sessions() as session:
        row = await session.get(OAuthClient, CLIENT_ID)
    assert row is not None and secret not in (row.client_secret_hash or "")


async def test_an_admin_adds_staff_of_their_own_agency_only(gw: RunningGateway) -> None:
    async with staff_browser(gw, "edu.admin", EDUCATION, "ADMIN") as client:
        refused = await post_form(
            client, "/console/staff?lang=en", "/console/staff",
            username="X", role="OWNER", display_name="", password="short",
        )  # fmt: skip
        assert refused.status_code == 400
        text = html.unescape(refused.text)
        assert "username:" in text and "role:" in text and "password:" in text
        added = await post_form(
            client, "/console/staff", "/console/staff",
            username="edu.viewer2", role="VIEWER", display_name="Sara", password=STAFF_PASSWORD,
        )  # fmt: skip
        assert added.status_code == 303
    async with gw.gateway.sessions() as session:
        account = await session.get(StaffAccount, "edu.viewer2")
    assert account is not None and account.agency_code == EDUCATION and account.role == "VIEWER"
    assert account.created_by == "staff:edu.admin" and STAFF_PASSWORD not in account.password_hash


async def test_the_reads_of_our_data_and_the_persian_page(gw: RunningGateway) -> None:
    await gw.query(
        "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }",
        {"id": gw.citizens["parent"]},
    )
    async with staff_browser(gw, "civil.viewer", CIVIL, "VIEWER") as client:
        page = await client.get("/console/reads?lang=en&days=7")
        persian = await client.get("/console/sources?lang=fa")
        bounded = await client.get("/console/reads?days=100000000000000")
    assert page.status_code == 200 and "Reads of our data" in page.text
    assert "By law" in page.text and "Read" in page.text
    assert persian.status_code == 200 and 'dir="rtl"' in persian.text and "منبع" in persian.text
    assert bounded.status_code == 200
