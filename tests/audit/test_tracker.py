"""The tracker's store queries on SQLite and PostgreSQL: keyset pages with ties and filters, and
the (subject, occurred_at) / (source_agency, occurred_at) indexes doing the work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.tracker import Position, access_page, decode_cursor, page_query
from audit.usage import consent_usage
from store.db import create_engine, sessionmaker
from store.migrate import upgrade_async
from tests.conftest import fresh_database
from tests.harness import RunningGateway
from tests.resolvers.tracker_support import entry, window, write

SUBJECT, OTHER = "0012345679", "0023456781"


async def _plan(session: AsyncSession, query: Select[Any]) -> str:
    """The engine's plan for `query` (PostgreSQL: with sequential scans priced out)."""
    connection = await session.connection()
    compiled = query.compile(dialect=connection.dialect)
    params = compiled.construct_params()
    args = tuple(params[name] for name in compiled.positiontup or ())
    if connection.dialect.name == "sqlite":
        rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args)
        return "\n".join(str(row[-1]) for row in rows)
    await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = await connection.exec_driver_sql(f"EXPLAIN {compiled}", args)
    return "\n".join(str(row[0]) for row in rows)


async def _check_paging(sessions: async_sessionmaker[AsyncSession]) -> None:
    start = window()
    entries = [
        entry(SUBJECT if i % 4 else OTHER, start + timedelta(seconds=i // 3), case_reference=str(i))
        for i in range(30)
    ]
    await write(sessions, entries)
    mine = [(e.occurred_at, i) for i, e in enumerate(entries) if e.subject == SUBJECT]
    expected = [str(i) for _, i in sorted(mine, reverse=True)]
    until = start + timedelta(minutes=5)
    seen: list[str] = []
    after: Position | None = None
    async with sessions() as session:
        while True:
            page = await access_page(
                session, subject=SUBJECT, first=4, after=after, since=start, until=until
            )
            seen += [record.case_reference or "" for record in page.records]
            if not page.has_next:
                break
            assert page.end_cursor is not None
            after = decode_cursor(page.end_cursor)
        assert seen == expected
        # A window that cuts through a tie: [start + 2s, start + 5s).
        page = await access_page(
            session,
            subject=SUBJECT,
            first=100,
            since=start + timedelta(seconds=2),
            until=start + timedelta(seconds=5),
        )
        assert [r.case_reference for r in page.records] == [
            str(i) for t, i in sorted(mine, reverse=True) if 2 <= (t - start).seconds < 5
        ]
        agency = await access_page(session, agency="civil-registry", first=100, since=start,
                                   until=until)  # fmt: skip
        assert len(agency.records) == 30 and agency.agencies["civil-registry"].name_en
        assert agency.cards["subsidy-eligibility"].name_en


async def _check_indexes(session: AsyncSession) -> None:
    position = Position(window(), 10)
    by_subject = await _plan(session, page_query(subject=SUBJECT, after=position, since=window()))
    assert "ix_audit_subject_time" in by_subject, by_subject
    by_agency = await _plan(session, page_query(agency="tax", after=position))
    assert "ix_audit_agency_time" in by_agency, by_agency
    if session.bind.dialect.name == "sqlite":
        # SQLite's index ends in the rowid (= id): the order comes from the index, no sort.
        assert "TEMP B-TREE" not in by_subject + by_agency, by_subject + by_agency


async def test_sqlite_pages_and_indexes(gateway: RunningGateway) -> None:
    await _check_paging(gateway.gateway.sessions)
    async with gateway.gateway.sessions() as session:
        await _check_indexes(session)


@pytest.fixture
async def postgres_sessions(postgres_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = await fresh_database(postgres_url, "darvazeh_tracker_test")
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        yield sessionmaker(engine)
    finally:
        await engine.dispose()


async def test_postgres_pages_indexes_and_consent_use(
    postgres_sessions: async_sessionmaker[AsyncSession],
) -> None:
    from demo.seed import _seed_catalogue

    async with postgres_sessions() as session, session.begin():
        await _seed_catalogue(session)
    await _check_paging(postgres_sessions)
    start = window()
    consent = {"legal_basis": "consent", "consent_id": "pg-consent", "statute": None}
    await write(
        postgres_sessions,
        [
            entry(SUBJECT, start, request_id="r1", **consent),
            entry(SUBJECT, start, request_id="r1", **consent),
            entry(SUBJECT, start + timedelta(minutes=1), request_id="r2", **consent),
            entry(SUBJECT, start + timedelta(minutes=3), outcome="DENIED", **consent),
        ],
    )
    async with postgres_sessions() as session:
        assert await consent_usage(session, ["pg-consent"]) == {
            "pg-consent": (2, start + timedelta(minutes=1))
        }
    async with postgres_sessions() as session, session.begin():
        await _check_indexes(session)
