"""Fixtures: a temp gateway store, agency databases in their own shape, a real agency HTTP API."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from datasources.policy import SourcePolicy
from datasources.registry import Registry
from standard.national_id import with_check_digit
from standard.records import FieldSpec, RecordSpec, ValueKind
from store.db import create_engine, sessionmaker, transaction
from store.models import Agency, Base
from store.secrets import SecretBox

IDENTITY = RecordSpec(
    "identity",
    (
        FieldSpec("firstName", ValueKind.STRING, required=True),
        FieldSpec("lastName", ValueKind.STRING, required=True),
        FieldSpec("fatherName", ValueKind.STRING),
        FieldSpec("gender", ValueKind.ENUM, values=("MALE", "FEMALE")),
    ),
)
BIRTH = RecordSpec(
    "birth",
    (
        FieldSpec("date", ValueKind.DATE, required=True),
        FieldSpec("place", ValueKind.STRING),
        FieldSpec("fatherNationalId", ValueKind.STRING),
        FieldSpec("motherNationalId", ValueKind.STRING),
        FieldSpec("dependantNationalIds", ValueKind.STRING_LIST),
        FieldSpec("registered", ValueKind.BOOL),
    ),
)
SCHOOL = RecordSpec(
    "schoolEnrollment",
    (
        FieldSpec("school", ValueKind.STRING, required=True),
        FieldSpec("grade", ValueKind.INT),
        FieldSpec("academicYear", ValueKind.STRING),
        FieldSpec("status", ValueKind.ENUM, values=("ENROLLED", "GRADUATED", "LEFT")),
    ),
)
TAX = RecordSpec(
    "taxStatus",
    (
        FieldSpec("taxpayerId", ValueKind.STRING, required=True),
        FieldSpec("clearance", ValueKind.BOOL),
        FieldSpec("lastFilingYear", ValueKind.INT),
    ),
)
SPECS = {spec.record_type: spec for spec in (IDENTITY, BIRTH, SCHOOL, TAX)}


def nid(n: int) -> str:
    """A valid national code from a small number: 'nid(1)' starts with zeros, like many do."""
    return with_check_digit(f"{n:09d}")


IDENTITY_MAPPING: dict[str, Any] = {
    "table": "sabt_ahval_afrad",
    "key": {"from": "shomare_melli", "type": "string"},
    "fields": {
        "firstName": {"from": "nam"},
        "lastName": {"from": "nam_khanevadegi"},
        "fatherName": {"from": "nam_pedar"},
        "gender": {"from": "jensiat", "transform": "map", "map": {"1": "MALE", "2": "FEMALE"}},
    },
    "last_updated": {"from": "akharin_taghyir", "transform": "epoch_seconds"},
}

STUDENTS_MAPPING: dict[str, Any] = {
    "endpoint": "/api/v1/students:batch",
    "ids_field": "codes",
    "results": "students",
    "key": {"from": "code_melli"},
    "fields": {
        "school": {"from": "madrese.name"},
        "grade": {"from": "paye"},
        "academicYear": {"from": "sal_tahsili"},
        "status": {
            "from": "vaziat",
            "transform": "map",
            "map": {"1": "ENROLLED", "2": "GRADUATED", "3": "LEFT"},
        },
    },
    "last_updated": {"from": "updated", "transform": "iso_datetime"},
}

API_KEY = "agency-api-key-s3cret"


async def make_identity_table(url: str, rows: int = 150, table: str = "sabt_ahval_afrad") -> None:
    """The civil registry's own table: Persian column names, a text key, codes for gender."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                f"CREATE TABLE {table} (shomare_melli VARCHAR(10) PRIMARY KEY, "
                "nam VARCHAR(100), nam_khanevadegi VARCHAR(100), nam_pedar VARCHAR(100), "
                "jensiat INTEGER, akharin_taghyir INTEGER)"
            )
        )
        await conn.execute(
            text(f"INSERT INTO {table} VALUES (:id, :nam, :family, :father, :g, :ts)"),
            [
                {
                    "id": nid(i),
                    "nam": f"Nam{i}",
                    "family": f"Family{i}",
                    "father": None if i % 10 == 0 else f"Pedar{i}",
                    "g": 1 + i % 2,
                    "ts": 1_700_000_000 + i,
                }
                for i in range(1, rows + 1)
            ],
        )
    await engine.dispose()


def sabt_file(tmp_path: Path, name: str = "sabt.db") -> Path:
    """A file in the sabt agency's own folder of the test's agencies folder."""
    folder = tmp_path / "agencies" / "sabt"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def make_policy(tmp_path: Path, allow: dict[str, list[str]] | None = None) -> SourcePolicy:
    """The connection policy of a test gateway whose store is tmp_path/gateway.db: SQLite files
    in tmp_path/agencies/<agency>/, and `allow` (agency -> host:port entries)."""
    return SourcePolicy.build(
        agencies_dir=tmp_path / "agencies",
        allowlist=json.dumps(allow or {}),
        store_url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
    )


@pytest.fixture
def agency_sqlite(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{sabt_file(tmp_path)}"


@pytest_asyncio.fixture
async def identity_db(agency_sqlite: str) -> str:
    await make_identity_table(agency_sqlite)
    return agency_sqlite


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(Fernet.generate_key())


@pytest_asyncio.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    factory = sessionmaker(engine)
    async with transaction(factory) as session:
        for code in ("sabt", "amoozesh", "maliat"):
            session.add(Agency(code=code, name_fa=code, name_en=code))
    yield factory
    await engine.dispose()


@pytest.fixture
def policy(tmp_path: Path, agency_api: str) -> SourcePolicy:
    """The agency API's port is allowed to amoozesh, as an operator would allow it."""
    return make_policy(tmp_path, {"amoozesh": [agency_api.removeprefix("http://")]})


@pytest_asyncio.fixture
async def registry(
    sessions: async_sessionmaker[AsyncSession], box: SecretBox, policy: SourcePolicy
) -> AsyncIterator[Registry]:
    registry = Registry(sessions, box, SPECS, policy=policy, default_timeout=2.0)
    yield registry
    await registry.close()


# -- a real agency HTTP API ------------------------------------------------------------------

STUDENTS = {
    nid(i): {
        "code_melli": nid(i),
        "madrese": {"name": f"Madrese {i}"},
        "paye": i % 12 + 1,
        "sal_tahsili": "1402-1403",
        "vaziat": str(1 + i % 3),
        "updated": "2024-01-02T10:00:00+03:30",
    }
    for i in range(1, 51)
}


async def _students(request: Request) -> Response:
    if request.headers.get("x-api-key") != API_KEY:
        return JSONResponse({"error": "unauthorized"}, status_code=401)
    codes = (await request.json())["codes"]
    return JSONResponse({"students": [STUDENTS[c] for c in codes if c in STUDENTS]})


async def _fail(request: Request) -> Response:
    return JSONResponse({"error": "boom"}, status_code=500)


async def _slow(request: Request) -> Response:
    codes = (await request.json())["codes"]
    if codes:  # probes (an empty batch) answer at once, real calls hang
        await asyncio.sleep(1.5)
    return JSONResponse({"students": [STUDENTS[c] for c in codes if c in STUDENTS]})


async def _not_json(request: Request) -> Response:
    return PlainTextResponse("<html>maintenance</html>")


async def _wrong_shape(request: Request) -> Response:
    return JSONResponse({"items": []})


def agency_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/api/v1/students:batch", _students, methods=["POST"]),
            Route("/api/v1/fail:batch", _fail, methods=["POST"]),
            Route("/api/v1/slow:batch", _slow, methods=["POST"]),
            Route("/api/v1/notjson:batch", _not_json, methods=["POST"]),
            Route("/api/v1/shape:batch", _wrong_shape, methods=["POST"]),
        ]
    )


@pytest_asyncio.fixture(scope="session")
async def agency_api() -> AsyncIterator[str]:
    """The agency API served by uvicorn on a free port, in a background task."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(agency_app(), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "the agency API did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task
    sock.close()
