"""The demo agencies' own databases, each in that agency's own shape and conventions.

The shapes differ on purpose (Persian column names, Solar Hijri text dates, status letters,
upper-case columns, national codes stored as numbers) so the gateway's mappings do real work.
The tables are portable SQLAlchemy Core: SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from demo.citizens import World
from standard import solar_hijri
from store.db import create_engine

AGENCIES = ("civil", "social", "tax", "education")
AGENCY_CODES = {
    "civil": "civil-registry",
    "social": "social-security",
    "tax": "tax",
    "education": "education",
}
CHUNK_ROWS = 5_000
TEHRAN = timezone(timedelta(hours=3, minutes=30))  # social security writes local time, with offset
# MariaDB needs VARCHAR lengths on keys and utf8mb4 for Persian; the others ignore these.
_MYSQL = {"mysql_charset": "utf8mb4", "mysql_engine": "InnoDB"}

Row = dict[str, Any]

# --- civil registry: Persian (Finglish) names, Solar Hijri text dates, epoch-second stamps
civil_metadata = MetaData()
CIVIL_PEOPLE = Table(
    "sabt_ahval_afrad",
    civil_metadata,
    Column("shomare_melli", String(10), primary_key=True),
    Column("nam", String(64), nullable=False),
    Column("nam_khanevadegi", String(64), nullable=False),
    Column("nam_pedar", String(64)),
    Column("jensiat", SmallInteger, nullable=False),  # 1 male, 2 female
    Column("tarikh_tavallod", String(10), nullable=False),  # Solar Hijri 'YYYY/MM/DD'
    Column("mahal_tavallod", String(64)),
    # indexed: a parent's children are looked up by these
    Column("shomare_melli_pedar", String(10), index=True),
    Column("shomare_melli_madar", String(10), index=True),
    Column("akharin_taghyir", BigInteger, nullable=False),  # Unix seconds
    **_MYSQL,
)
CIVIL_DEATHS = Table(
    "sabt_ahval_fot",
    civil_metadata,
    Column("shomare_melli", String(10), primary_key=True),
    Column("tarikh_fot", String(10), nullable=False),
    Column("mahal_fot", String(64)),
    Column("akharin_taghyir", BigInteger, nullable=False),
    **_MYSQL,
)
CIVIL_ADDRESSES = Table(
    "neshani",
    civil_metadata,
    Column("shomare_melli", String(10), primary_key=True),
    Column("ostan", String(64), nullable=False),
    Column("shahr", String(64), nullable=False),
    Column("code_posti", String(10), nullable=False),
    Column("akharin_taghyir", BigInteger, nullable=False),
    **_MYSQL,
)

# --- social security: English snake_case, status letters, lower-case kinds, ISO text ------------
social_metadata = MetaData()
SOCIAL_INSURED = Table(
    "insured_persons",
    social_metadata,
    Column("insured_id", String(10), primary_key=True),
    Column("insurance_no", String(16), nullable=False),
    Column("status_code", String(1), nullable=False),  # A active, S suspended, E expired
    Column("coverage_type", String(20), nullable=False),  # salaried, self_employed, ...
    Column("start_date", String(10), nullable=False),  # ISO date
    Column("dependants", Text, nullable=False),  # comma-separated codes, '' for none
    Column("modified", String(32), nullable=False),  # ISO date-time, Tehran offset
    **_MYSQL,
)

# --- tax: upper-case columns, national code as a number (leading zeros lost), Y/N flag ----------
tax_metadata = MetaData()
TAXPAYERS = Table(
    "TAXPAYERS",
    tax_metadata,
    Column("NATIONAL_CODE", BigInteger, primary_key=True, autoincrement=False),
    Column("TIN", String(20), nullable=False),
    Column("CLEARANCE_FLAG", String(1), nullable=False),
    Column("LAST_RETURN_YEAR", Integer, nullable=False),  # Solar Hijri
    Column("UPDATED_AT", DateTime, nullable=False),  # naive, UTC
    **_MYSQL,
)

# --- education: served only over HTTP by demo.education -----------------------------------------
education_metadata = MetaData()
STUDENTS = Table(
    "daneshamooz",
    education_metadata,
    Column("code_melli", String(10), primary_key=True),
    Column("madrese_name", String(128), nullable=False),
    Column("madrese_code", String(16), nullable=False),
    Column("paye", SmallInteger, nullable=False),
    Column("sal_tahsili", String(9), nullable=False),  # '1405-1406'
    Column("vaziat", String(16), nullable=False),  # enrolled, graduated, withdrawn
    Column("updated", String(32), nullable=False),  # ISO date-time, UTC
    **_MYSQL,
)

METADATA: dict[str, MetaData] = {
    "civil": civil_metadata,
    "social": social_metadata,
    "tax": tax_metadata,
    "education": education_metadata,
}


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def civil_rows(world: World) -> dict[str, list[Row]]:
    people, deaths, addresses = [], [], []
    for p in world.people:
        people.append(
            {
                "shomare_melli": p.national_id,
                "nam": p.first_name,
                "nam_khanevadegi": p.last_name,
                "nam_pedar": p.father_name,
                "jensiat": 1 if p.gender == "MALE" else 2,
                "tarikh_tavallod": solar_hijri.format(p.birth_date),
                "mahal_tavallod": p.birth_place,
                "shomare_melli_pedar": p.father_id,
                "shomare_melli_madar": p.mother_id,
                "akharin_taghyir": _epoch(p.updated_at),
            }
        )
        if p.death_date is not None:
            deaths.append(
                {
                    "shomare_melli": p.national_id,
                    "tarikh_fot": solar_hijri.format(p.death_date),
                    "mahal_fot": p.death_place,
                    "akharin_taghyir": _epoch(p.death_recorded_at or p.updated_at),
                }
            )
        addresses.append(
            {
                "shomare_melli": p.national_id,
                "ostan": p.province,
                "shahr": p.city,
                "code_posti": p.postal_code,
                "akharin_taghyir": _epoch(p.address_updated_at),
            }
        )
    return {"sabt_ahval_afrad": people, "sabt_ahval_fot": deaths, "neshani": addresses}


def social_rows(world: World) -> dict[str, list[Row]]:
    rows = [
        {
            "insured_id": row.national_id,
            "insurance_no": row.insurance_number,
            "status_code": row.status[0],
            "coverage_type": row.type.lower(),
            "start_date": row.since.isoformat(),
            "dependants": ",".join(row.dependants),
            "modified": row.updated_at.astimezone(TEHRAN).isoformat(timespec="seconds"),
        }
        for row in world.insurances
    ]
    return {"insured_persons": rows}


def tax_rows(world: World) -> dict[str, list[Row]]:
    rows = [
        {
            "NATIONAL_CODE": int(row.national_id),
            "TIN": row.taxpayer_id,
            "CLEARANCE_FLAG": "Y" if row.cleared else "N",
            "LAST_RETURN_YEAR": row.last_filing_year,
            "UPDATED_AT": row.updated_at.astimezone(UTC).replace(tzinfo=None),
        }
        for row in world.tax_records
    ]
    return {"TAXPAYERS": rows}


def education_rows(world: World) -> dict[str, list[Row]]:
    rows = [
        {
            "code_melli": row.national_id,
            "madrese_name": row.school_name,
            "madrese_code": row.school_code,
            "paye": row.grade,
            "sal_tahsili": row.academic_year,
            "vaziat": row.status.lower(),
            "updated": row.updated_at.astimezone(UTC).isoformat(timespec="seconds"),
        }
        for row in world.enrollments
    ]
    return {"daneshamooz": rows}


ROWS: dict[str, Callable[[World], dict[str, list[Row]]]] = {
    "civil": civil_rows,
    "social": social_rows,
    "tax": tax_rows,
    "education": education_rows,
}

Source = World | Iterable[World] | Mapping[str, Iterable[Row]]


def agency_file(agencies_dir: str | os.PathLike[str], name: str) -> Path:
    """An embedded agency's SQLite file, in its own folder named by its code: the gateway lets an
    agency open only the files in its own folder of the agencies folder."""
    return Path(agencies_dir) / AGENCY_CODES[name] / f"{name}.db"


def agency_urls(agencies_dir: str | os.PathLike[str]) -> dict[str, str]:
    """The embedded agencies' URLs, one SQLite file each in its own folder of agencies_dir."""
    return {name: f"sqlite+aiosqlite:///{agency_file(agencies_dir, name)}" for name in AGENCIES}


def default_urls(var_dir: str | os.PathLike[str] = "var") -> dict[str, str]:
    """The embedded agencies under var_dir/agencies/."""
    return agency_urls(Path(var_dir) / "agencies")


def adopt_flat_layout(agencies_dir: str | os.PathLike[str]) -> list[str]:
    """Move an older demo's files (agencies/civil.db, ...) into their agencies' folders; the
    names of the agencies moved. Files already in place are left alone."""
    moved = []
    for name in AGENCIES:
        flat = Path(agencies_dir) / f"{name}.db"
        target = agency_file(agencies_dir, name)
        if not flat.is_file() or target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{flat}{suffix}").exists():
                os.replace(f"{flat}{suffix}", f"{target}{suffix}")
        moved.append(name)
    return moved


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _prepare(connection: Connection, metadata: MetaData, replace: bool) -> None:
    if replace:
        metadata.drop_all(connection)
    metadata.create_all(connection)


async def _insert(
    connection: AsyncConnection,
    name: str,
    rows: Mapping[str, Iterable[Row]],
    counts: dict[str, int],
) -> None:
    tables = METADATA[name].tables
    for table_name, table_rows in rows.items():
        if table_name not in tables:
            raise ValueError(f"the {name} agency has no table {table_name!r}")
        for batch in _batches(table_rows, CHUNK_ROWS):
            await connection.execute(tables[table_name].insert(), batch)  # executemany
            counts[table_name] = counts.get(table_name, 0) + len(batch)


def _chunks(source: World | Iterable[World]) -> Iterable[World]:
    return (source,) if isinstance(source, World) else source


async def _load(
    urls: Mapping[str, str], source: Source, *, replace: bool
) -> dict[str, dict[str, int]]:
    """Load every named agency in one pass over the source: one transaction per database."""
    unknown = set(urls) - set(AGENCIES)
    if unknown:
        raise ValueError(f"unknown agencies: {', '.join(sorted(unknown))}")
    counts: dict[str, dict[str, int]] = {
        name: dict.fromkeys(METADATA[name].tables, 0) for name in urls
    }
    # Agencies sharing a database share its connection: two writers on one SQLite file would wait.
    by_url: dict[str, list[str]] = {}
    for name, url in urls.items():
        by_url.setdefault(url, []).append(name)
    async with AsyncExitStack() as stack:
        connections: dict[str, AsyncConnection] = {}
        for url, names in by_url.items():
            engine = create_engine(url)
            stack.push_async_callback(engine.dispose)
            connections[url] = await stack.enter_async_context(engine.begin())
            for name in names:
                await connections[url].run_sync(_prepare, METADATA[name], replace)
        if isinstance(source, Mapping):  # rows already in one agency's shape
            ((url, (name,)),) = by_url.items()
            await _insert(connections[url], name, source, counts[name])
            return counts

        async def fill(url: str, chunk: World) -> None:
            for name in by_url[url]:
                await _insert(connections[url], name, ROWS[name](chunk), counts[name])

        for chunk in _chunks(source):
            # Different databases fill side by side.
            await asyncio.gather(*(fill(url, chunk) for url in by_url))
    return counts


async def load_agency(
    name: str, url: str, world_or_rows: Source, *, replace: bool = True
) -> dict[str, int]:
    """Create one agency's tables at url and fill them; returns rows written per table.

    world_or_rows is a World, an iterable of World chunks (streamed), or a mapping of that
    agency's table names to rows already in its shape. replace drops and recreates the tables.
    """
    if name not in AGENCIES:
        raise ValueError(f"unknown agency {name!r}; one of {', '.join(AGENCIES)}")
    return (await _load({name: url}, world_or_rows, replace=replace))[name]


async def load_world(
    world: World | Iterable[World],
    urls: Mapping[str, str] | str | os.PathLike[str] | None = None,
    *,
    var_dir: str | os.PathLike[str] = "var",
    replace: bool = True,
) -> dict[str, dict[str, int]]:
    """Load all four agencies in one pass over the world (which may be a stream of chunks).

    urls maps agency names to SQLAlchemy URLs; missing ones default to SQLite files in their
    agencies' folders under var_dir/agencies/. A path in place of urls is taken as the var_dir.
    """
    if isinstance(urls, str | os.PathLike):
        var_dir, urls = urls, None
    targets = default_urls(var_dir) | dict(urls or {})
    if isinstance(world, Mapping):
        raise TypeError("load_world takes a World or World chunks; use load_agency for rows")
    return await _load(targets, world, replace=replace)
