"""The `sql` adapter: an agency table in any database SQLAlchemy reaches asynchronously."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, column, event, inspect, select, table
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchTableError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.expression import ColumnClause
from sqlalchemy.types import Date, DateTime, TypeEngine
from sqlalchemy.util import await_only

from datasources import transforms as t
from datasources.addresses import PolicyRefusal
from datasources.base import Fault, MappedRecord, RecordError, RecordOrError, SourceError
from datasources.mapping import SQL, Mapping
from datasources.pools import Pools
from datasources.ranges import MAX_RANGE_ROWS, DateRange, in_range, solar_spellings

logger = logging.getLogger(__name__)

# Bound parameters per statement stay well under every driver's limit (SQLite 32766,
# asyncpg 32767); a DataLoader batch is far smaller, so a fetch is one query in practice.
CHUNK = 5000
# A code of one repeated digit is never issued: probing with it can match no citizen.
_DUMMY_ID = "0000000000"


def display_url(url: str) -> str:
    """The URL with its password masked, safe for messages and the store."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


Recheck = Callable[[], Awaitable[object]]


def create_engine(
    url: str, recheck: Recheck | None = None, pools: Pools | None = None
) -> AsyncEngine:
    """An engine on an agency's database. Unlike the store's, it never creates a folder or a file
    and changes nothing on connecting; `recheck` (the policy's) runs before each new connection,
    and whatever it raises stops that connection. Its pool is sized by `pools` (the settings')."""
    options: dict[str, Any] = (pools or Pools()).engine_options(url)
    if make_url(url).get_backend_name() != "sqlite":
        options["pool_pre_ping"] = True
    engine = create_async_engine(url, **options)
    if recheck is not None:
        check = recheck

        def before_connect(
            dialect: Dialect, record: ConnectionPoolEntry, cargs: Any, cparams: Any
        ) -> None:
            await_only(check())  # connecting runs in SQLAlchemy's greenlet: awaiting is allowed

        event.listen(engine.sync_engine, "do_connect", before_connect)
    return engine


class _Engines:
    """Engines shared by every adapter on the same URL, so each database gets one pool."""

    def __init__(self) -> None:
        self._engines: dict[str, tuple[AsyncEngine, int]] = {}

    def acquire(
        self, url: str, recheck: Recheck | None = None, pools: Pools | None = None
    ) -> AsyncEngine:
        """The engine for `url`. Adapters on one URL share the policy's check: it depends only
        on where the URL leads (and the pool sizes, which come from the settings)."""
        engine, users = self._engines.get(url, (None, 0))
        if engine is None:
            engine = create_engine(url, recheck, pools)
        self._engines[url] = (engine, users + 1)
        return engine

    async def release(self, url: str) -> None:
        engine, users = self._engines[url]
        if users > 1:
            self._engines[url] = (engine, users - 1)
            return
        del self._engines[url]
        await engine.dispose()


ENGINES = _Engines()


def _reason(exc: BaseException, password: str | None, ids: Sequence[Any] = ()) -> str:
    """A driver's own message, first line only: SQLAlchemy's wrapper appends the statement and
    its parameters (citizens' codes). A password or code a driver echoes is scrubbed too."""
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(inner).strip().splitlines()
    text = f"{type(inner).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    for secret in (password, *(str(value) for value in ids)):
        if secret:
            text = text.replace(secret, "***")
    return text


class SqlAdapter:
    kind = SQL

    def __init__(
        self,
        url: str,
        mapping: Mapping,
        *,
        name: str | None = None,
        recheck: Recheck | None = None,
        pools: Pools | None = None,
    ) -> None:
        if mapping.kind != SQL or mapping.table is None:
            raise ValueError("SqlAdapter needs a parsed sql mapping")
        self.name = name or display_url(url)
        self.mapping = mapping
        try:
            parsed = make_url(url)
        except ArgumentError:
            message = "the connection URL is not a SQLAlchemy URL"
            raise SourceError(self.name, message, Fault.REFUSED) from None
        self._password = parsed.password if isinstance(parsed.password, str) else None
        try:
            self._engine = ENGINES.acquire(url, recheck, pools)
        except (SQLAlchemyError, ImportError) as exc:  # unknown dialect, missing or sync driver
            reason = f"cannot use {display_url(url)}: {exc}"
            raise SourceError(self.name, reason, Fault.REFUSED) from None
        self._url = url
        self._closed = False
        # "schema.table" reaches a table outside the default schema (PostgreSQL).
        schema, _, name_only = mapping.table.rpartition(".")
        self._schema = schema or None
        self._table = name_only
        self._columns = mapping.columns
        # Lightweight table clauses: the dialect quotes each identifier as needed (upper case,
        # reserved words), so agency names like TAXPAYERS.NATIONAL_CODE are sent as written.
        source = table(self._table, *(column(name) for name in self._columns), schema=self._schema)
        self._source = source
        self._column_types: dict[str, TypeEngine[Any]] = {}
        self._select = select(*source.c).where(
            source.c[mapping.key.source].in_(bindparam("ids", expanding=True))
        )

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @asynccontextmanager
    async def _connected(self) -> AsyncIterator[AsyncConnection]:
        """A connection; SourceError (unreachable, or refused by the policy) if none is made."""
        connection = self._engine.connect()
        try:
            await connection.start()
        except PolicyRefusal as refusal:
            raise SourceError(self.name, str(refusal), Fault.REFUSED) from None
        except (SQLAlchemyError, OSError) as exc:
            reason = f"cannot connect: {_reason(exc, self._password)}"
            raise SourceError(self.name, reason, Fault.UNREACHABLE) from None
        try:
            yield connection
        finally:
            await connection.close()

    async def fetch(self, national_ids: Sequence[str]) -> dict[str, RecordOrError]:
        key = self.mapping.key
        wanted: dict[Any, None] = {}
        for national_id in national_ids:
            value = key.query_value(national_id)
            if value is not None:
                wanted[value] = None
        if not wanted:
            return {}
        values = list(wanted)
        rows: list[Sequence[Any]] = []
        try:
            async with self._connected() as connection:
                for start in range(0, len(values), CHUNK):
                    chunk = values[start : start + CHUNK]
                    result = await connection.execute(self._select, {"ids": chunk})
                    rows.extend(result.all())
        except (SQLAlchemyError, OSError) as exc:
            reason = _reason(exc, self._password, values)
            raise SourceError(self.name, f"query failed: {reason}", Fault.FAILED) from None
        return self._records(rows, set(national_ids))

    async def keys_in_range(self, field: str, within: DateRange) -> dict[str, date]:
        """National code -> `field`'s mapped date, for the rows whose date lies in `within`,
        asked in the column's own format (datasources.ranges)."""
        rule = self.mapping.rule(field)
        if rule is None or field not in self.mapping.dates:
            raise SourceError(self.name, f"field {field!r} is not a mapped date", Fault.MISMATCH)
        target = self._source.c[rule.source]
        try:
            async with self._connected() as connection:
                condition = await self._range_condition(connection, target, rule.transform, within)
                query = (
                    select(*self._source.c)
                    .where(condition)
                    .order_by(self._source.c[self.mapping.key.source])
                    .limit(MAX_RANGE_ROWS + 1)
                )
                rows = (await connection.execute(query)).all()
        except (SQLAlchemyError, OSError) as exc:
            reason = _reason(exc, self._password)
            raise SourceError(self.name, f"range query failed: {reason}", Fault.FAILED) from None
        items = [dict(zip(self._columns, row, strict=True)) for row in rows]
        return in_range(items, self.mapping.read, self.mapping.key, field, within, self.name)

    async def _range_condition(
        self,
        connection: AsyncConnection,
        target: ColumnClause[Any],
        transform: str,
        within: DateRange,
    ) -> ColumnElement[bool]:
        if transform == t.SOLAR_HIJRI_DATE:
            # Every spelling of every day: exact matches an index serves (datasources.ranges).
            return target.in_([text for day in within.days() for text in solar_spellings(day)])
        kind = await self._column_type(connection, target.name)
        after = within.last + timedelta(days=1)
        if isinstance(kind, DateTime):
            start = datetime.combine(within.first, time())
            end = datetime.combine(after, time())
            if kind.timezone:
                start, end = start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)
            return (target >= start) & (target < end)
        if isinstance(kind, Date):
            return (target >= within.first) & (target < after)
        # ISO text ('2019-09-23', or a date-time written '2019-09-23T10:00') sorts as dates do.
        text_first, text_after = within.first.isoformat(), after.isoformat()
        typed = target if isinstance(kind, String) else target.cast(String)
        return (typed >= text_first) & (typed < text_after)

    async def _column_type(self, connection: AsyncConnection, name: str) -> TypeEngine[Any]:
        """The column's type as the database declares it (asked once per adapter)."""
        if name not in self._column_types:
            columns = await connection.run_sync(
                lambda sync: inspect(sync).get_columns(self._table, self._schema)
            )
            for info in columns:
                self._column_types[info["name"]] = info["type"]
                self._column_types.setdefault(info["name"].lower(), info["type"])
        return self._column_types.get(name) or self._column_types.get(name.lower()) or String()

    def _records(self, rows: list[Sequence[Any]], wanted: set[str]) -> dict[str, RecordOrError]:
        found: dict[str, RecordOrError] = {}
        mapping = self.mapping
        for row in rows:
            item = dict(zip(self._columns, row, strict=True))
            national_id = mapping.key.of(item)
            if national_id is None or national_id not in wanted:
                continue
            record = mapping.read(item, self.name)
            if isinstance(record, RecordError):
                found.setdefault(national_id, record)
                continue
            previous = found.get(national_id)
            # Several rows for one citizen (a history table): keep the most recently updated.
            if not isinstance(previous, MappedRecord) or _newer(record, previous):
                found[national_id] = record
        return found

    async def probe(self) -> None:
        """Check the table and every mapped column exist, then run the real query once."""
        try:
            async with self._connected() as connection:
                missing = await connection.run_sync(self._missing_columns)
                if missing:
                    names = ", ".join(repr(name) for name in missing)
                    lacks = f"table {self.mapping.table!r} has no column {names}"
                    raise SourceError(self.name, lacks, Fault.MISMATCH, hint=lacks)
                # The real statement with a dummy id also catches a key of the wrong type.
                dummy = self.mapping.key.query_value(_DUMMY_ID)
                await connection.execute(self._select, {"ids": [dummy]})
        except NoSuchTableError:
            lacks = f"table {self.mapping.table!r} does not exist"
            raise SourceError(self.name, lacks, Fault.MISMATCH, hint=lacks) from None
        except (SQLAlchemyError, OSError) as exc:
            reason = f"probe failed: {_reason(exc, self._password)}"
            raise SourceError(self.name, reason, Fault.FAILED) from None

    def _missing_columns(self, connection: Connection) -> list[str]:
        existing = [
            info["name"] for info in inspect(connection).get_columns(self._table, self._schema)
        ]
        # PostgreSQL names are case-sensitive once quoted; SQLite and MariaDB columns are not.
        if connection.dialect.name == "postgresql":
            present = set(existing)
            return [name for name in self._columns if name not in present]
        lowered = {name.lower() for name in existing}
        return [name for name in self._columns if name.lower() not in lowered]

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await ENGINES.release(self._url)


def _newer(record: MappedRecord, than: MappedRecord) -> bool:
    if record.last_updated is None:
        return False
    return than.last_updated is None or record.last_updated > than.last_updated
