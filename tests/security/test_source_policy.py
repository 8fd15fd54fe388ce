"""No agency reads what is not its own: a data source reaches only what the operator allows.

The attacks are an agency admin's (the demo's `civil-registry-admin`) through the real
registration API over GraphQL, against a gateway whose store and agencies are real SQLite files;
the address rules are also exercised on the policy itself, with a resolver under the test's
control where DNS is the edge being attacked.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import AsyncIterator
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from auth.accounts.login import hash_password
from auth.oauth.registration import create_client
from datasources.addresses import AddressRules, IPAddress, PolicyRefusal, unmapped
from datasources.base import SourceError
from datasources.connections import build_adapter
from datasources.mapping import Mapping
from datasources.policy import SourcePolicy, WebReach, parse_allowlist
from datasources.registration_store import snapshot
from datasources.sql import SqlAdapter
from datasources.sqlite_files import SqliteFiles
from datasources.web_transport import guarded_client
from demo import mappings
from demo.agencies import agency_file
from demo.seed import AgencyUrls, register_sources
from schema.records import record_specs
from store.citizen_models import CitizenAccount
from store.db import transaction
from store.models import DataSource
from store.registrations import Action, RegistrationKind, new_version, record_version
from store.secrets import SecretBox
from tests.datasources.test_cli import Cli
from tests.harness import RunningGateway, running_gateway, serve

REFUSED = "REGISTRATION_REFUSED"
SOURCE = "id recordType kind enabled version"
REGISTER = f"mutation($r: DataSourceInput!) {{ registerDataSource(input: $r) {{ {SOURCE} }} }}"
TEST = """mutation($r: DataSourceInput!) {
  testDataSource(input: $r) { ok latencyMs problems replaces } }"""
UPDATE = f"""mutation($id: ID!, $c: DataSourceChanges!) {{
  updateDataSource(id: $id, changes: $c) {{ {SOURCE} }} }}"""
ENABLE = f"mutation($id: ID!) {{ enableDataSource(id: $id) {{ {SOURCE} }} }}"
DISABLE = f"mutation($id: ID!) {{ disableDataSource(id: $id) {{ {SOURCE} }} }}"
RESTORE = (
    f"mutation($id: ID!, $v: Int!) {{ restoreDataSource(id: $id, version: $v) {{ {SOURCE} }} }}"
)
SHOWN = """query($id: ID!) { agencyRegistrations { dataSource(id: $id) {
  enabled notServed version } } }"""
ADDRESS = "query($id: String!) { citizen(nationalId: $id) { address { province city } } }"
DEATH = "query($id: String!) { citizen(nationalId: $id) { death { date } } }"
# What the attacker maps onto the address record: the store's password hashes.
HASHES: dict[str, Any] = {
    "table": "citizen_accounts",
    "key": {"from": "national_id"},
    "fields": {
        "province": {"from": "password_hash"},
        "city": {"from": "password_hash"},
        "postalCode": {"from": "national_id"},
    },
}
SECRETS: dict[str, Any] = {
    "table": "oauth_clients",
    "key": {"from": "client_id"},
    "fields": {
        "province": {"from": "client_secret_hash"},
        "city": {"from": "client_secret_hash"},
        "postalCode": {"from": "client_id"},
    },
}


@pytest.fixture(scope="module")
async def gw(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningGateway]:
    """A gateway of this module's own (the attacks change registrations), a tax agency admin,
    and a citizen login, so the store holds an argon2 hash worth stealing."""
    async with running_gateway(Path(tmp_path_factory.mktemp("policy"))) as running:
        async with transaction(running.gateway.sessions) as session:
            _, secret = await create_client(
                session,
                client_id="tax-admin",
                name="Tax administrators",
                agency_code="tax",
                role="agency_admin",
                scopes=["agency.admin"],
                grant_types=["client_credentials"],
            )
            parent = running.citizens["parent"]
            hashed = await hash_password("correct horse battery staple")
            session.add(CitizenAccount(national_id=parent, password_hash=hashed))
        running.clients["tax_admin"] = {"client_id": "tax-admin", "client_secret": secret}
        yield running


def store_file(gw: RunningGateway) -> Path:
    return gw.gateway.settings.var_dir / "gateway.db"


def agencies(gw: RunningGateway) -> Path:
    return gw.gateway.settings.agencies_folder


def civil_folder(gw: RunningGateway) -> Path:
    return agencies(gw) / "civil-registry"


def sqlite_url(path: Path | str) -> str:
    return f"sqlite+aiosqlite:///{path}"


def address_source(url: str, mapping: dict[str, Any] | None = None, **more: Any) -> dict:
    return {
        "id": "civil-address-2",
        "recordType": "address",
        "kind": "sql",
        "connection": {"url": url},
        "mapping": mapping or mappings.CIVIL["address"],
        **more,
    }


async def admin(gw: RunningGateway, query: str, variables: dict, role: str = "agency_admin") -> Any:
    return await gw.query(query, variables, role=role)


async def refusal(gw: RunningGateway, query: str, variables: dict, **kw: Any) -> str:
    """The refusal's message (asserting it is one); nothing else about the answer."""
    answer = await admin(gw, query, variables, **kw)
    assert "errors" in answer, answer
    [error] = answer["errors"]
    assert error["extensions"]["code"] == REFUSED, error
    return str(error["message"])


async def dry_run(gw: RunningGateway, registration: dict, **kw: Any) -> dict[str, Any]:
    answer = await admin(gw, TEST, {"r": registration}, **kw)
    assert "errors" not in answer, answer
    return dict(answer["data"]["testDataSource"])


async def refused_dry_run(gw: RunningGateway, registration: dict) -> str:
    """Refused before the source is touched: no probe, one problem naming the rule."""
    result = await dry_run(gw, registration)
    assert result["ok"] is False and result["latencyMs"] is None, result
    [problem] = result["problems"]
    return str(problem)


async def province_of(gw: RunningGateway, national_id: str) -> str | None:
    answer = await gw.query(ADDRESS, {"id": national_id})
    address = answer["data"]["citizen"]["address"]
    return address["province"] if address else None


# -- the attacks as reported ------------------------------------------------------------------


async def test_an_address_source_on_the_gateways_store_cannot_read_password_hashes(
    gw: RunningGateway,
) -> None:
    parent = gw.citizens["parent"]
    province = next(p.province for p in gw.world.people if p.national_id == parent)
    attack = address_source(sqlite_url(store_file(gw)), HASHES)
    for registration in (attack, {**attack, "replaces": "civil-address"}):
        message = await refusal(gw, REGISTER, {"r": registration})
        assert "own folder of the agencies folder" in message
        assert str(store_file(gw)) not in message  # the rule, not the file
    assert await province_of(gw, parent) == province  # not an argon2 hash
    assert gw.gateway.registry.source_for("address").id == "civil-address"  # type: ignore[union-attr]


async def test_a_dry_run_on_the_oauth_client_secrets_is_refused_untouched(
    gw: RunningGateway,
) -> None:
    problem = await refused_dry_run(gw, address_source(sqlite_url(store_file(gw)), SECRETS))
    assert "own folder" in problem and "client_secret" not in problem


async def test_the_tax_agencys_file_is_not_the_civil_registrys(gw: RunningGateway) -> None:
    tax_file = agency_file(agencies(gw), "tax")
    mapping = {
        "table": "TAXPAYERS",
        "key": {"from": "NATIONAL_CODE", "type": "integer"},
        "fields": {
            "province": {"from": "TIN"},
            "city": {"from": "TIN"},
            "postalCode": {"from": "CLEARANCE_FLAG"},
        },
    }
    problem = await refused_dry_run(gw, address_source(sqlite_url(tax_file), mapping))
    assert "agency 'civil-registry''s own folder" in problem
    await refusal(gw, REGISTER, {"r": address_source(sqlite_url(tax_file), mapping)})
    # The tax agency itself may (its own folder).
    own = {
        "id": "tax-status-next",
        "recordType": "taxStatus",
        "kind": "sql",
        "connection": {"url": sqlite_url(tax_file)},
        "mapping": mappings.TAX,
        "replaces": "tax-status",
    }
    result = await dry_run(gw, own, role="tax_admin")
    assert result["ok"] is True and result["replaces"] == ["tax-status"], result


async def test_the_local_postgres_server_is_not_reachable_without_an_allowance(
    gw: RunningGateway, postgres_url: str
) -> None:
    mapping = {
        "table": "pg_catalog.pg_database",
        "key": {"from": "datname"},
        "fields": {
            "province": {"from": "datname"},
            "city": {"from": "datname"},
            "postalCode": {"from": "datname"},
        },
    }
    for url in (
        "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        "postgresql+asyncpg://postgres@localhost/postgres",
        postgres_url,
    ):
        problem = await refused_dry_run(gw, address_source(url, mapping))
        assert "is not on agency 'civil-registry''s allow-list (GATEWAY_SOURCE_ALLOWLIST)" in (
            problem
        )


async def test_a_path_that_does_not_exist_is_never_created(gw: RunningGateway) -> None:
    inside = civil_folder(gw) / "new.db"
    outside = gw.gateway.settings.var_dir / "made-up" / "new.db"
    for path in (inside, outside):
        await refused_dry_run(gw, address_source(sqlite_url(path)))
        await refusal(gw, REGISTER, {"r": address_source(sqlite_url(path))})
    assert not inside.exists() and not outside.exists() and not outside.parent.exists()


# -- the class: every way out of the agency's folder, every odd URL ----------------------------


async def test_an_overlong_url_is_refused_before_it_is_read(gw: RunningGateway) -> None:
    url = "sqlite+aiosqlite:///" + "a/" * 50_000 + "x.db"
    problem = await refused_dry_run(gw, address_source(url))
    assert problem == "a connection URL has at most 2048 characters"


async def test_the_refusal_names_the_rule_not_what_exists(gw: RunningGateway) -> None:
    existing = agency_file(agencies(gw), "social")
    missing = existing.parent / "nothing-here.db"
    said = {await refused_dry_run(gw, address_source(sqlite_url(p))) for p in (existing, missing)}
    assert len(said) == 1, said  # one answer, whether the file is there or not


@pytest.mark.parametrize(
    "where",
    [
        "{civil}/../tax/tax.db",
        "{civil}/../../gateway.db",
        "{civil}/./../social-security/social.db",
        "{agencies}/civil-registry-x/civil.db",  # a sibling whose name starts the same
        "{agencies}/civil.db",  # the agencies folder itself is no agency's
        "{civil}",  # the folder, not a file in it
    ],
)
async def test_traversal_out_of_the_agencys_folder(gw: RunningGateway, where: str) -> None:
    path = where.format(civil=civil_folder(gw), agencies=agencies(gw))
    problem = await refused_dry_run(gw, address_source(sqlite_url(path)))
    assert "own folder" in problem


async def test_a_relative_path_is_judged_where_it_leads(gw: RunningGateway) -> None:
    relative = os.path.relpath(store_file(gw), Path.cwd())  # noqa: ASYNC240
    problem = await refused_dry_run(gw, address_source(sqlite_url(relative), HASHES))
    assert "own folder" in problem


async def test_symbolic_links_out_of_the_folder_are_not_followed(gw: RunningGateway) -> None:
    links = {
        civil_folder(gw) / "tax-link.db": agency_file(agencies(gw), "tax"),
        civil_folder(gw) / "store-link.db": store_file(gw),
        civil_folder(gw) / "var-link": gw.gateway.settings.var_dir,
    }
    for link, target in links.items():
        link.symlink_to(target)
    try:
        for path in (
            civil_folder(gw) / "tax-link.db",
            civil_folder(gw) / "store-link.db",
            civil_folder(gw) / "var-link" / "gateway.db",
        ):
            problem = await refused_dry_run(gw, address_source(sqlite_url(path), HASHES))
            assert "links out of it are not followed" in problem
    finally:
        for link in links:
            link.unlink()


async def test_hard_links_are_refused(gw: RunningGateway) -> None:
    store_link = civil_folder(gw) / "store-hardlink.db"
    tax_link = civil_folder(gw) / "tax-hardlink.db"
    os.link(store_file(gw), store_link)
    os.link(agency_file(agencies(gw), "tax"), tax_link)
    try:
        for path in (store_link, tax_link):
            problem = await refused_dry_run(gw, address_source(sqlite_url(path), HASHES))
            assert "hard link" in problem
    finally:
        store_link.unlink()
        tax_link.unlink()


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///{civil_db}?mode=rwc",
        "sqlite+aiosqlite:///{civil_db}?mode=ro",
        "sqlite+aiosqlite:///{civil_db}?uri=true",
        "sqlite+aiosqlite:///{civil_db}?immutable=1",
        "sqlite+aiosqlite:///{civil_db}?cache=shared",
        "sqlite+aiosqlite:///file:{civil_db}",
        "sqlite+aiosqlite:///file:{civil_db}?mode=rwc&uri=true",
        "sqlite+aiosqlite:///file:{store}?mode=ro&uri=true",
        "sqlite+aiosqlite:///:memory:",
        "sqlite+aiosqlite://",
    ],
)
async def test_sqlite_uris_and_their_parameters_are_refused(gw: RunningGateway, url: str) -> None:
    civil_db = agency_file(agencies(gw), "civil")
    target = url.format(civil_db=civil_db, store=store_file(gw))
    problem = await refused_dry_run(gw, address_source(target))
    assert "SQLite" in problem


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+pysqlite:///{civil_db}",
        "sqlite:///{civil_db}",
        "postgresql+psycopg://postgres@127.0.0.1:{port}/civil",
        "postgresql+psycopg2://postgres@127.0.0.1:{port}/civil",
        "postgresql://postgres@127.0.0.1:{port}/civil",
        "mysql+aiomysql://root@127.0.0.1:{port}/civil",
        "mysql+pymysql://root@127.0.0.1:{port}/civil",
        "mssql+aioodbc://sa@127.0.0.1:{port}/civil",
    ],
)
async def test_only_the_shipped_async_drivers(gw: RunningGateway, url: str) -> None:
    civil_db = agency_file(agencies(gw), "civil")
    port = gw.spare_ports["civil-registry"]  # an allowed host:port: the driver is the fault
    problem = await refused_dry_run(gw, address_source(url.format(civil_db=civil_db, port=port)))
    assert "is not allowed; use one of: sqlite+aiosqlite, postgresql+asyncpg" in problem


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://postgres@/postgres?host=/var/run/postgresql",
        "postgresql+asyncpg://postgres@127.0.0.1:{port}/civil?host=/var/run/postgresql",
        "postgresql+asyncpg://postgres@127.0.0.1:{port}/civil?host=/tmp&port=5432",
        "postgresql+asyncpg://postgres@127.0.0.1:{port}/civil?sslmode=verify-full"
        "&sslrootcert=/etc/passwd",
        "postgresql+asyncpg://postgres@127.0.0.1:{port}/civil?passfile=/root/.pgpass",
        "mysql+asyncmy://root@127.0.0.1:{port}/civil?unix_socket=/run/mysqld/mysqld.sock",
        "mysql+asyncmy://root@127.0.0.1:{port}/civil?read_default_file=/etc/mysql/my.cnf",
        "mysql+asyncmy://root@127.0.0.1:{port}/civil?local_infile=1",
        "mysql+asyncmy://root@/civil",
    ],
)
async def test_sockets_and_driver_parameters_are_refused(gw: RunningGateway, url: str) -> None:
    port = gw.spare_ports["civil-registry"]
    problem = await refused_dry_run(gw, address_source(url.format(port=port)))
    assert "are not accepted" in problem or "sockets and default hosts are not used" in problem


@pytest.mark.parametrize(
    "host",
    [
        "localhost",  # the allow-list names 127.0.0.1: another spelling is another entry
        "[::1]",
        "0.0.0.0",
        "2130706433",
        "0x7f000001",
        "127.1",
        "127.0.0.2",
        "[::ffff:7f00:2]",
        "169.254.169.254",
        "[fd00:ec2::254]",
        "metadata.google.internal",
    ],
)
async def test_other_spellings_of_an_allowed_host_and_forbidden_addresses(
    gw: RunningGateway, host: str
) -> None:
    port = gw.spare_ports["civil-registry"]
    sql = f"postgresql+asyncpg://postgres@{host}:{port}/civil"
    http = {
        **address_source(""),
        "kind": "http",
        "connection": {"base_url": f"http://{host}:{port}"},
    }
    http["mapping"] = HTTP_ADDRESS
    for registration in (address_source(sql), http):
        problem = await refused_dry_run(gw, registration)
        assert "allow-list" in problem or "not a plain host name" in problem, problem


HTTP_ADDRESS: dict[str, Any] = {
    "endpoint": "/batch",
    "ids_field": "codes",
    "results": "items",
    "key": {"from": "code"},
    "fields": {
        "province": {"from": "province"},
        "city": {"from": "city"},
        "postalCode": {"from": "postalCode"},
    },
}


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:{port}@169.254.169.254/",
        "http://127.0.0.1:{port}:@169.254.169.254:80/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "https://127.0.0.1:{port}.nip.io/",
        "file:///etc/passwd",
        "ftp://127.0.0.1:{port}/",
    ],
)
async def test_url_tricks_for_web_sources(gw: RunningGateway, base_url: str) -> None:
    port = gw.spare_ports["civil-registry"]
    registration = {
        **address_source(""),
        "kind": "http",
        "connection": {"base_url": base_url.format(port=port)},
        "mapping": HTTP_ADDRESS,
    }
    problem = await refused_dry_run(gw, registration)
    assert any(
        rule in problem
        for rule in ("allow-list", "use http:// or https://", "not a plain host", "cannot be read")
    ), problem


async def test_redirects_are_not_followed_off_the_allow_list(gw: RunningGateway) -> None:
    """The civil registry's own API (allowed) redirects to a port only education may reach."""
    seen: list[str] = []

    async def target(request: Request) -> Response:
        seen.append(request.url.path)
        return JSONResponse({"items": []})

    async def redirect(request: Request) -> Response:
        elsewhere = f"http://127.0.0.1:{gw.spare_ports['education']}/steal"
        return RedirectResponse(elsewhere, status_code=307)

    victim = Starlette(routes=[Route("/steal", target, methods=["POST", "GET"])])
    agency = Starlette(routes=[Route("/batch", redirect, methods=["POST"])])
    registration = {
        **address_source(""),
        "kind": "http",
        "connection": {"base_url": f"http://127.0.0.1:{gw.spare_ports['civil-registry']}"},
        "mapping": HTTP_ADDRESS,
        "replaces": "civil-address",
    }
    async with (
        serve(victim, gw.spare_ports["education"]),
        serve(agency, gw.spare_ports["civil-registry"]),
    ):
        result = await dry_run(gw, registration)
    assert result["ok"] is False and result["problems"] == [
        "data source 'civil-address-2' answered with an error: answered HTTP 307"
    ]
    assert seen == []


async def test_graphql_sources_follow_the_same_rules(gw: RunningGateway) -> None:
    registration = {
        "id": "civil-address-gql",
        "recordType": "address",
        "kind": "graphql",
        "connection": {"endpoint": "http://169.254.169.254/graphql"},
        "mapping": {
            "query": {"field": "addresses", "argument": "codes"},
            "key": {"from": "code"},
            "fields": {
                "province": {"from": "province"},
                "city": {"from": "city"},
                "postalCode": {"from": "postalCode"},
            },
        },
    }
    problem = await refused_dry_run(gw, registration)
    assert "169.254.169.254:80 is not on agency 'civil-registry''s allow-list" in problem


# -- every way in -------------------------------------------------------------------------------


async def test_update_cannot_point_a_source_at_the_store(gw: RunningGateway) -> None:
    before = await admin(gw, SHOWN, {"id": "civil-address"})
    changes = {"connection": {"url": sqlite_url(store_file(gw))}, "mapping": HASHES}
    message = await refusal(gw, UPDATE, {"id": "civil-address", "c": changes})
    assert "own folder" in message
    assert await admin(gw, SHOWN, {"id": "civil-address"}) == before


async def store_old_registration(gw: RunningGateway, source_id: str, *, enabled: bool) -> None:
    """A registration an older gateway stored, before the policy: its connection is the store's
    file, and (enabled) it silently took over the address records, as registrations then did."""
    box = SecretBox.load(gw.gateway.settings.secret_key, gw.gateway.settings.secret_key_file)
    connection = {"url": sqlite_url(store_file(gw))}
    async with transaction(gw.gateway.sessions) as session:
        row = DataSource(
            id=source_id,
            agency_code="civil-registry",
            record_type="address",
            kind="sql",
            connection_sealed=box.seal(json.dumps(connection)),
            connection_display="{}",
            mapping=HASHES,
            enabled=enabled,
            version=1,
            updated_by="civil-registry-admin",
        )
        session.add(row)
        await session.flush()
        version = new_version(
            kind=RegistrationKind.DATA_SOURCE,
            object_id=source_id,
            version=1,
            agency="civil-registry",
            action=Action.REGISTERED,
            snapshot={**snapshot(row), "enabled": True},  # as registered; disabled since
            changed_by="civil-registry-admin",
        )
        await record_version(session, version)
        if enabled:
            civil = await session.get(DataSource, "civil-address")
            assert civil is not None
            civil.enabled = False


async def test_a_stored_source_that_breaks_the_policy_is_not_served_and_says_why(
    gw: RunningGateway,
) -> None:
    parent = gw.citizens["parent"]
    await store_old_registration(gw, "civil-address-old", enabled=True)
    try:
        await gw.gateway.registry.load()
        answer = await gw.query(ADDRESS, {"id": parent})
        assert answer["data"]["citizen"]["address"] is None
        [error] = answer["errors"]
        assert error["extensions"]["code"] == "SOURCE_UNAVAILABLE"
        assert error["message"] == (
            "data source 'civil-address-old' is outside what the gateway's connection policy allows"
        )
        shown = await admin(gw, SHOWN, {"id": "civil-address-old"})
        source = shown["data"]["agencyRegistrations"]["dataSource"]
        assert source["enabled"] is True and "own folder" in source["notServed"]
        served = await admin(gw, SHOWN, {"id": "civil-address"})
        assert served["data"]["agencyRegistrations"]["dataSource"]["notServed"] is None
        # Its health says so too (/readyz, the agency's health view): its probe fails.
        probes = await gw.gateway.registry.probe_all()
        assert probes["civil-address-old"].ok is False
        assert "own folder" in (probes["civil-address-old"].error or "")
        ready = (await gw.http.get("/readyz")).json()
        assert ready["sources"]["civil-address-old"]["status"] == "DOWN"
        # Re-enabling it (update with no changes) is held to the policy like a registration.
        message = await refusal(gw, UPDATE, {"id": "civil-address-old", "c": {}})
        assert "own folder" in message
    finally:
        await admin(gw, DISABLE, {"id": "civil-address-old"})
        answer = await admin(gw, ENABLE, {"id": "civil-address"})
        assert "errors" not in answer, answer
    assert await province_of(gw, parent) is not None


async def test_enable_and_restore_are_held_to_the_policy(gw: RunningGateway) -> None:
    await store_old_registration(gw, "civil-address-older", enabled=False)
    await gw.gateway.registry.load()
    assert "own folder" in await refusal(gw, ENABLE, {"id": "civil-address-older"})
    assert "own folder" in await refusal(gw, RESTORE, {"id": "civil-address-older", "v": 1})
    assert gw.gateway.registry.source_for("address").id == "civil-address"  # type: ignore[union-attr]


async def test_the_command_line_is_refused_alike(gw: RunningGateway, tmp_path: Path) -> None:
    async with serve(gw.app, lifespan="off") as url:
        cli = Cli(url, gw, tmp_path)
        source = cli.write("attack.json", address_source(sqlite_url(store_file(gw)), HASHES))
        for command in ("test", "register"):
            code, printed, err = await cli("sources", command, source)
            assert code == 1 and printed is None
            assert "own folder" in err


async def test_the_demo_seed_is_held_to_the_policy(gw: RunningGateway) -> None:
    store = sqlite_url(store_file(gw))
    urls = AgencyUrls(civil=store, social=store, tax=store, education="http://169.254.169.254")
    with pytest.raises(PolicyRefusal, match="own folder"):
        await register_sources(gw.gateway.registry, urls)


async def test_a_file_swapped_for_a_link_is_caught_at_the_next_connection(
    gw: RunningGateway,
) -> None:
    copy = civil_folder(gw) / "civil-copy.db"
    with sqlite3.connect(agency_file(agencies(gw), "civil")) as source, sqlite3.connect(copy) as to:
        source.backup(to)
    registration = {
        "id": "civil-death-copy",
        "recordType": "death",
        "kind": "sql",
        "connection": {"url": sqlite_url(copy)},
        "mapping": mappings.CIVIL["death"],
        "replaces": "civil-death",
    }
    deceased = gw.citizens["deceased"]
    try:
        answer = await admin(gw, REGISTER, {"r": registration})
        assert "errors" not in answer, answer
        assert (await gw.query(DEATH, {"id": deceased}))["data"]["citizen"]["death"]["date"]
        copy.unlink()
        copy.symlink_to(store_file(gw))  # someone with access to the folder swaps the file
        live = gw.gateway.registry.source_for("death")
        assert live is not None and isinstance(live.adapter, SqlAdapter)
        await live.adapter.engine.dispose()  # the pool's connections end; the next is new
        answer = await gw.query(DEATH, {"id": deceased})
        [error] = answer["errors"]
        assert error["message"] == (
            "data source 'civil-death-copy' is outside what the gateway's connection policy allows"
        )
    finally:
        enable = "mutation($id: ID!, $r: ID) { enableDataSource(id: $id, replaces: $r) { id } }"
        answer = await admin(gw, enable, {"id": "civil-death", "r": "civil-death-copy"})
        assert "errors" not in answer, answer
        copy.unlink()


# -- the policy itself: allow-list, store databases, DNS -----------------------------------------


def make_policy(tmp_path: Path, allow: dict[str, list[str]], **kw: Any) -> SourcePolicy:
    (tmp_path / "agencies").mkdir(exist_ok=True)
    return SourcePolicy.build(
        agencies_dir=tmp_path / "agencies",
        allowlist=json.dumps(allow),
        store_url=kw.pop("store_url", f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"),
        **kw,
    )


@pytest.mark.parametrize(
    "entry",
    [
        "169.254.169.254:80",
        "0.0.0.0:8101",
        "[fe80::1]:80",
        "[::]:5432",
        "224.0.0.1:80",
        "2130706433:80",
        "0x7f000001:80",
        "::1:5432",
        "db.example",
        "db.example:0",
        "db.example:5432/",
        "db_example:5432",
    ],
)
def test_the_operator_cannot_allow_what_is_never_reachable(entry: str) -> None:
    with pytest.raises(ValueError, match="GATEWAY_SOURCE_ALLOWLIST"):
        parse_allowlist(json.dumps({"civil-registry": [entry]}))


def test_the_agencies_folder_may_not_hold_the_store(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="holds the gateway's own file"):
        SourcePolicy.build(
            agencies_dir=tmp_path,
            allowlist="",
            store_url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
        )


async def test_the_stores_database_is_never_a_source_whatever_the_host(tmp_path: Path) -> None:
    store = "postgresql+asyncpg://gateway:pw@db.internal:5432/darvazeh"
    allow = {
        "civil-registry": ["127.0.0.1:5432", "localhost:5432", "[::1]:5432", "db.internal:5432"]
    }
    policy = make_policy(tmp_path, allow, store_url=store)
    for host in ("127.0.0.1", "localhost", "[::1]", "db.internal"):
        url = f"postgresql+asyncpg://postgres@{host}:5432/darvazeh"
        with pytest.raises(PolicyRefusal, match="own store database is never a data source"):
            await policy.admit("civil-registry", "sql", url, "oauth_clients", resolve=False)
    allowed = "postgresql+asyncpg://postgres@127.0.0.1:5432/civil"
    assert await policy.admit("civil-registry", "sql", allowed, "sabt_ahval_afrad")


async def test_a_database_entry_admits_only_that_database(tmp_path: Path) -> None:
    policy = make_policy(tmp_path, {"tax": ["127.0.0.1:3306/tax_db"]})
    ok = "mysql+asyncmy://root@127.0.0.1:3306/tax_db"
    assert await policy.admit("tax", "sql", ok, "TAXPAYERS")
    assert await policy.admit("tax", "sql", ok, "tax_db.TAXPAYERS")
    with pytest.raises(PolicyRefusal, match="allow-list"):
        await policy.admit("tax", "sql", "mysql+asyncmy://root@127.0.0.1:3306/civil_db", "t")
    # On MySQL a schema is a database: the mapping's table may not reach another one.
    with pytest.raises(PolicyRefusal, match="may name no schema but 'tax_db'"):
        await policy.admit("tax", "sql", ok, "darvazeh.oauth_clients")
    with pytest.raises(PolicyRefusal, match="allow-list"):  # an entry with a database: SQL only
        await policy.admit("tax", "http", "http://127.0.0.1:3306/", None)


class Resolver:
    """The DNS answers the test decides (the edge under attack); anything else resolves for real
    (there is nothing else)."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError("no such name")
        return [unmapped(ip_address(a)) for a in self.answers[host]]


@pytest.mark.parametrize(
    "answer",
    [["169.254.169.254"], ["10.1.2.3", "169.254.169.254"], ["::ffff:169.254.169.254"], ["0.0.0.0"]],
)
async def test_a_name_that_resolves_to_a_forbidden_address_is_refused(
    tmp_path: Path, answer: list[str]
) -> None:
    resolver = Resolver({"api.civil.example": answer})
    allow = {"civil-registry": ["api.civil.example:443", "api.civil.example:5432/civil"]}
    policy = make_policy(tmp_path, allow, resolver=resolver)
    with pytest.raises(PolicyRefusal, match="leads to an address no data source may use"):
        await policy.admit("civil-registry", "http", "https://api.civil.example/", None)
    sql = "postgresql+asyncpg://u@api.civil.example:5432/civil"
    with pytest.raises(PolicyRefusal, match="leads to an address no data source may use"):
        await policy.admit("civil-registry", "sql", sql, "t")


async def test_only_localhost_may_lead_to_this_machine(tmp_path: Path) -> None:
    resolver = Resolver({"api.civil.example": ["127.0.0.1"], "localhost": ["127.0.0.1"]})
    allow = {"civil-registry": ["api.civil.example:80", "localhost:80"]}
    policy = make_policy(tmp_path, allow, resolver=resolver)
    with pytest.raises(PolicyRefusal, match="leads to this machine"):
        await policy.admit("civil-registry", "http", "http://api.civil.example/", None)
    assert await policy.admit("civil-registry", "http", "http://localhost/", None)
    with pytest.raises(PolicyRefusal, match="does not resolve"):
        await make_policy(
            tmp_path, {"civil-registry": ["nowhere.example:80"]}, resolver=resolver
        ).admit("civil-registry", "http", "http://nowhere.example/", None)


async def test_each_request_is_checked_and_sent_to_the_address_checked(tmp_path: Path) -> None:
    """DNS rebinding: the name the agency registered starts resolving to the metadata service.
    The request before went to the checked address with the name in its Host header; the one
    after is refused before anything is sent."""
    hosts: list[str] = []

    async def batch(request: Request) -> Response:
        hosts.append(request.headers["host"])
        return JSONResponse({"items": []})

    async with serve(Starlette(routes=[Route("/batch", batch, methods=["POST"])])) as base:
        port = int(base.rsplit(":", 1)[1])
        resolver = Resolver({"localhost": ["127.0.0.1"]})
        policy = SourcePolicy(  # answers are not cached: the next lookup is the next request's
            files=SqliteFiles(tmp_path, []),
            allowlist=parse_allowlist(json.dumps({"civil-registry": [f"localhost:{port}"]})),
            rules=AddressRules(resolver, cache_seconds=0),
        )
        url = f"http://localhost:{port}"
        reach = await policy.admit("civil-registry", "http", url, None)
        assert isinstance(reach, WebReach)
        mapping = Mapping.parse(HTTP_ADDRESS, record_specs()["address"], "http")
        adapter = build_adapter("http", {"base_url": url}, mapping, reach, name="civil-web")
        try:
            await adapter.probe()
            assert hosts == [f"localhost:{port}"]
            resolver.answers["localhost"] = ["169.254.169.254"]
            with pytest.raises(SourceError) as refused:
                await adapter.probe()
            assert refused.value.public == (
                "data source 'civil-web' is outside what the gateway's connection policy allows"
            )
            assert hosts == [f"localhost:{port}"]  # nothing was sent
        finally:
            await adapter.close()


async def test_a_guarded_client_refuses_any_other_host(tmp_path: Path) -> None:
    policy = make_policy(tmp_path, {"civil-registry": ["127.0.0.1:9"]})
    reach = await policy.admit("civil-registry", "http", "http://127.0.0.1:9/", None)
    assert isinstance(reach, WebReach)
    async with guarded_client(reach) as client:
        for url in ("http://127.0.0.1:10/", "http://localhost:9/", "http://169.254.169.254/"):
            with pytest.raises(PolicyRefusal):
                await client.get(url)
        with pytest.raises(httpx.ConnectError):  # allowed: it gets as far as the network
            await client.get("http://127.0.0.1:9/")


async def test_stored_sources_are_loaded_only_within_the_policy(gw: RunningGateway) -> None:
    """Nothing is served from the store's own file, whichever way the row got there."""
    async with gw.gateway.sessions() as session:
        rows = list(await session.scalars(select(DataSource).where(DataSource.enabled)))
    served = {source.id for source in gw.gateway.registry.sources()}
    for row in rows:
        assert row.id in served or gw.gateway.registry.refusal(row.id) is not None
