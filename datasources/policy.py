"""The operator's connection policy: what an agency's data sources may reach.

- `sql` sources use only the async drivers the gateway ships. A server source must be on the
  agency's allow-list (host:port, or host:port/database), names its host (no unix sockets) and its
  database, and takes only a few harmless URL parameters. A SQLite source is a file in the
  agency's own folder of the agencies folder, opened read-only (datasources.sqlite_files).
- `http` and `graphql` sources reach only hosts on the agency's allow-list; every request is
  checked and pinned to the address checked (datasources.web_transport), redirects are not
  followed and no proxy is used.
- Whatever the allow-list says: never the gateway's own store or files, never an address no source
  may use (datasources.addresses), and a name resolving to this machine only if it is localhost.

Every way a source comes in passes `SourcePolicy.admit`: registration, its dry run, update,
enable, restore, the demo's seeding, and each stored source when a worker loads it; the address
checks run again at every new connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from datasources.addresses import (
    AddressRules,
    Endpoint,
    IPAddress,
    PolicyRefusal,
    Resolver,
    normal_host,
    system_resolver,
)
from datasources.mapping import GRAPHQL, HTTP, SQL
from datasources.pools import DEFAULT_POOLS, Pools
from datasources.sqlite_files import SQLITE_DRIVER, SqliteFiles, read_only_url
from settings import Settings

SQL_DRIVERS = (SQLITE_DRIVER, "postgresql+asyncpg", "mysql+asyncmy", "mariadb+asyncmy")
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "http": 80, "https": 443}
_TLS_MODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
_CHARSETS = frozenset({"utf8mb4", "utf8mb3", "utf8"})
# The only URL parameters a server source may carry, and their values: anything else could
# point the driver elsewhere (host=/var/run/postgresql, unix_socket) or read local files
# (read_default_file, sslrootcert, passfile).
SQL_PARAMETERS: dict[str, dict[str, frozenset[str]]] = {
    "postgresql": {"ssl": _TLS_MODES, "sslmode": _TLS_MODES},
    "mysql": {"charset": _CHARSETS},
    "mariadb": {"charset": _CHARSETS},
}
MAX_ALLOWLIST_BYTES = 1_000_000
MAX_URL_CHARS = 2048
SETTING = "GATEWAY_SOURCE_ALLOWLIST"

Allowlist = Mapping[str, tuple[Endpoint, ...]]


@dataclass(frozen=True, slots=True)
class SqlReach:
    """An admitted sql source: the URL its engine opens (a SQLite file's, read-only) and the
    check to repeat before each new connection."""

    url: str
    recheck: Callable[[], Awaitable[object]]
    pools: Pools = DEFAULT_POOLS


@dataclass(frozen=True, slots=True)
class WebReach:
    """An admitted http or graphql source: every request it makes goes only to the agency's
    allowed hosts, at an address checked just before."""

    agency: str
    endpoints: tuple[Endpoint, ...]
    rules: AddressRules
    pools: Pools = DEFAULT_POOLS

    def admitted(self, url: httpx.URL) -> tuple[str, int]:
        """(host, port) of `url` if the agency may reach it; PolicyRefusal otherwise."""
        if url.scheme not in ("http", "https"):
            raise PolicyRefusal("http and graphql sources use http:// or https:// URLs")
        if not url.host:
            raise PolicyRefusal("the URL names no host")
        host = normal_host(url.raw_host.decode("ascii"))
        port = url.port or DEFAULT_PORTS[url.scheme]
        if not any(entry.admits(host, port, None) for entry in self.endpoints):
            raise not_allowed(self.agency, Endpoint(host, port))
        return host, port

    async def pin(self, url: httpx.URL) -> IPAddress:
        """The address to connect to for `url`, once host, port and address are checked."""
        host, port = self.admitted(url)
        return (await self.rules.check(host, port))[0]


Reach = SqlReach | WebReach


def not_allowed(agency: str, endpoint: Endpoint) -> PolicyRefusal:
    return PolicyRefusal(f"{endpoint} is not on agency {agency!r}'s allow-list ({SETTING})")


class SourcePolicy:
    def __init__(
        self,
        *,
        files: SqliteFiles,
        allowlist: Allowlist,
        rules: AddressRules,
        store_database: str | None = None,
        pools: Pools = DEFAULT_POOLS,
    ) -> None:
        self._pools = pools
        self._files = files
        self._allowlist = dict(allowlist)
        self._rules = rules
        self._store_database = store_database

    @classmethod
    def build(
        cls,
        *,
        agencies_dir: Path,
        allowlist: str,
        store_url: str,
        protected_files: Iterable[Path] = (),
        resolver: Resolver = system_resolver,
        pools: Pools = DEFAULT_POOLS,
    ) -> SourcePolicy:
        """The policy from the operator's settings. Reads the allow-list file and the file
        system: call it at start-up, off the event loop. Raises ValueError for a setting that
        cannot work."""
        protected = list(protected_files)
        store = make_url(store_url)
        store_database = None
        if store.get_backend_name() == "sqlite":
            if store.database and store.database != ":memory:":
                base = Path(store.database).resolve()
                protected += [base, *(Path(f"{base}{end}") for end in ("-wal", "-shm", "-journal"))]
        else:
            store_database = store.database
        return cls(
            files=SqliteFiles(agencies_dir, protected),
            allowlist=parse_allowlist(allowlist),
            rules=AddressRules(resolver),
            store_database=store_database,
            pools=pools,
        )

    @property
    def agencies_dir(self) -> Path:
        return self._files.root

    def allowed(self, agency: str) -> tuple[Endpoint, ...]:
        return self._allowlist.get(agency, ())

    async def admit(
        self, agency: str, kind: str, url: str, table: str | None = None, *, resolve: bool = True
    ) -> Reach:
        """How a source of `agency` may reach `url`, or PolicyRefusal naming the rule it breaks.

        `table` is the sql mapping's table (a schema-qualified name must stay in the database).
        With `resolve` false (loading stored sources) host names are not looked up now; the
        check before each new connection does it.
        """
        if len(url) > MAX_URL_CHARS:  # refusals quote parts of it: bound them
            raise PolicyRefusal(f"a connection URL has at most {MAX_URL_CHARS} characters")
        if kind == SQL:
            return await self._sql(agency, url, table, resolve)
        if kind in (HTTP, GRAPHQL):
            try:
                parsed = httpx.URL(url)
            except httpx.InvalidURL:
                raise PolicyRefusal("the URL cannot be read") from None
            reach = WebReach(agency, self.allowed(agency), self._rules, self._pools)
            reach.admitted(parsed)
            if resolve:
                await reach.pin(parsed)
            return reach
        raise PolicyRefusal(f"unknown source kind {kind!r}")

    async def _sql(self, agency: str, text: str, table: str | None, resolve: bool) -> SqlReach:
        try:
            url = make_url(text)
        except (ArgumentError, ValueError):
            raise PolicyRefusal("the connection URL is not a SQLAlchemy URL") from None
        if url.drivername not in SQL_DRIVERS:
            raise PolicyRefusal(
                f"the SQL driver {url.drivername!r} is not allowed; use one of: "
                + ", ".join(SQL_DRIVERS)
            )
        if url.get_backend_name() == "sqlite":
            _check_qualifier(table, "main")
            return await self._sqlite(agency, url)
        return await self._server(agency, url, table, resolve)

    async def _sqlite(self, agency: str, url: URL) -> SqlReach:
        if url.query:
            raise PolicyRefusal(
                "a SQLite source takes no URL parameters: the gateway opens it read-only itself"
            )
        database = url.database or ""
        if url.host or url.port or database in ("", ":memory:") or database.startswith("file:"):
            raise PolicyRefusal(
                "a SQLite source is the path of a file: sqlite+aiosqlite:////path/to/file.db "
                "(no file: URIs, no in-memory databases)"
            )
        real = await asyncio.to_thread(self._files.admit, agency, database)

        async def recheck() -> None:
            # Before each connection: the name may have been swapped for a link since.
            if await asyncio.to_thread(self._files.admit, agency, str(real)) != real:
                raise PolicyRefusal("the SQLite file has moved since it was checked")

        return SqlReach(read_only_url(real), recheck, self._pools)

    async def _server(self, agency: str, url: URL, table: str | None, resolve: bool) -> SqlReach:
        backend = url.get_backend_name()
        if not url.host:
            raise PolicyRefusal(
                "a SQL source names its server's host and port; sockets and default hosts "
                "are not used"
            )
        allowed = SQL_PARAMETERS.get(backend, {})
        odd = sorted(
            name
            for name, value in url.query.items()
            if name not in allowed or not isinstance(value, str) or value not in allowed[name]
        )
        if odd:
            known = ", ".join(sorted(allowed)) or "none"
            raise PolicyRefusal(
                f"URL parameters {odd} are not accepted (allowed here: {known}, with their "
                "usual values)"
            )
        if not url.database:
            raise PolicyRefusal("a SQL source names its database")
        if url.database == self._store_database:
            # Whatever the host is called (localhost, ::1, another name for the same server).
            raise PolicyRefusal("the gateway's own store database is never a data source")
        host = normal_host(url.host)
        port = url.port or DEFAULT_PORTS[backend]
        database = url.database
        if not any(entry.admits(host, port, database) for entry in self.allowed(agency)):
            raise not_allowed(agency, Endpoint(host, port, database))
        if backend in ("mysql", "mariadb"):
            # On MySQL a schema is a database: `other.table` would read another database.
            _check_qualifier(table, database)

        async def recheck() -> list[IPAddress]:
            return await self._rules.check(host, port)

        if resolve:
            await recheck()
        return SqlReach(url.render_as_string(hide_password=False), recheck, self._pools)


def policy_for(settings: Settings, resolver: Resolver = system_resolver) -> SourcePolicy:
    """The operator's policy from the settings: GATEWAY_AGENCIES_DIR, GATEWAY_SOURCE_ALLOWLIST,
    and the store and gateway files it protects. Blocking: call it off the event loop."""
    return SourcePolicy.build(
        agencies_dir=settings.agencies_folder,
        allowlist=settings.sources.allowlist,
        store_url=settings.store_url,
        protected_files=(settings.var_dir, settings.secret_key_file),
        resolver=resolver,
        pools=Pools.of(settings.sources),
    )


def _check_qualifier(table: str | None, allowed: str) -> None:
    schema, dot, _ = (table or "").rpartition(".")
    if dot and schema != allowed:
        raise PolicyRefusal(
            f"the mapping's table may name no schema but {allowed!r}: a source reads only "
            "its own database"
        )


def extend_allowlist(setting: str, additions: Mapping[str, Iterable[str]]) -> str:
    """The allow-list setting with `additions` (agency -> entries) added, as JSON: what a
    launcher that starts an agency's service (the demo's education API) allows besides."""
    merged = {agency: [str(e) for e in found] for agency, found in parse_allowlist(setting).items()}
    for agency, entries in additions.items():
        listed = merged.setdefault(agency, [])
        for entry in entries:
            if (normal := str(Endpoint.parse(entry))) not in listed:
                listed.append(normal)
    return json.dumps(merged)


def parse_allowlist(setting: str) -> dict[str, tuple[Endpoint, ...]]:
    """GATEWAY_SOURCE_ALLOWLIST: a JSON object, or the path of a file holding one, of agency
    code -> ["host:port", "host:port/database", ...]. Empty: no agency reaches any server."""
    text = setting.strip()
    if not text:
        return {}
    if not text.startswith("{"):
        path = Path(text)
        try:
            if path.stat().st_size > MAX_ALLOWLIST_BYTES:
                raise ValueError(f"{SETTING}: {path} is larger than {MAX_ALLOWLIST_BYTES} bytes")
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ValueError(f"{SETTING}: cannot read {path}: {error.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError(
            f'{SETTING} must be JSON, {{"agency": ["host:port", ...]}}, or a file holding it'
        ) from None
    if not isinstance(data, dict):
        raise ValueError(f'{SETTING} must be a JSON object: {{"agency": ["host:port", ...]}}')
    problems: list[str] = []
    found: dict[str, tuple[Endpoint, ...]] = {}
    for agency, entries in data.items():
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            problems.append(f"{agency!r} must map to a list of strings")
            continue
        parsed: list[Endpoint] = []
        for entry in entries:
            try:
                parsed.append(Endpoint.parse(entry))
            except ValueError as error:
                problems.append(f"{agency!r}: {error}")
        found[agency] = tuple(parsed)
    if problems:
        raise ValueError(f"{SETTING}: " + "; ".join(problems))
    return found
