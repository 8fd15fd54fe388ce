"""The baseline: a bare, hand-written Starlette service answering what the gateway answers.

Same agency SQLite files through SQLAlchemy async (plain SELECTs by national id, engines from
`store.db.create_engine`, one per database as the gateway shares them, with the gateway's pool
sizes, GATEWAY_SOURCE_POOL_*), the same education HTTP service; no GraphQL, no auth, no
audit. One read per record type, run concurrently, as the gateway's seven sources are.

    BENCH_VAR_DIR=var/bench BENCH_EDUCATION_URL=http://127.0.0.1:8101 uvicorn bench.bare:app
    GET /citizen/{national_id}      POST /citizens {"nationalIds": [...]}  (at most 100)
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette import responses
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from datasources.pools import Pools
from demo.agencies import default_urls
from settings import SourceSettings, environment
from settings.tools import bare_bench_settings
from standard import solar_hijri
from store.db import create_engine

Json = dict[str, Any]
Build = Callable[[Any], Json]


class JSONResponse(responses.JSONResponse):
    """JSON by orjson, as the gateway answers."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _moment(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).isoformat()
    moment = datetime.fromisoformat(str(value))
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat()


def _hijri(value: str | None) -> str | None:
    return solar_hijri.parse(value).isoformat() if value else None


def _code(value: Any) -> str | None:
    return str(value).zfill(10) if value is not None else None


def _identity(r: Any) -> Json:
    gender = {1: "MALE", 2: "FEMALE"}[r.jensiat]
    return {"firstName": r.nam, "lastName": r.nam_khanevadegi, "fatherName": r.nam_pedar,
            "gender": gender}  # fmt: skip


def _birth(r: Any) -> Json:
    return {"date": _hijri(r.tarikh_tavallod), "place": r.mahal_tavallod,
            "fatherNationalId": _code(r.shomare_melli_pedar),
            "motherNationalId": _code(r.shomare_melli_madar)}  # fmt: skip


def _death(r: Any) -> Json:
    return {"date": _hijri(r.tarikh_fot), "place": r.mahal_fot}


def _address(r: Any) -> Json:
    return {"province": r.ostan, "city": r.shahr, "postalCode": r.code_posti}


_INSURANCE_STATUS = {"A": "ACTIVE", "S": "SUSPENDED", "E": "EXPIRED"}


def _insurance(r: Any) -> Json:
    return {"insuranceNumber": r.insurance_no, "status": _INSURANCE_STATUS[r.status_code],
            "type": r.coverage_type.upper(), "since": r.start_date,
            "dependantNationalIds": [d for d in r.dependants.split(",") if d]}  # fmt: skip


def _tax(r: Any) -> Json:
    return {"taxpayerId": r.TIN, "cleared": r.CLEARANCE_FLAG == "Y",
            "lastFilingYear": r.LAST_RETURN_YEAR}  # fmt: skip


def _enrollment(item: Json) -> Json:
    return {"school": item["madrese"]["name"], "schoolCode": item["madrese"]["code"],
            "grade": item["paye"], "academicYear": item["sal_tahsili"],
            "status": item["vaziat"].upper()}  # fmt: skip


# record type -> (agency, datasource, database, SELECT, key column, updated column, builder)
SQL_READS: dict[str, tuple[str, str, str, str, str, str, Build]] = {
    "identity": ("civil-registry", "civil-identity", "civil",
                 "SELECT shomare_melli, nam, nam_khanevadegi, nam_pedar, jensiat, akharin_taghyir "
                 "FROM sabt_ahval_afrad", "shomare_melli", "akharin_taghyir", _identity),
    "birth": ("civil-registry", "civil-birth", "civil",
              "SELECT shomare_melli, tarikh_tavallod, mahal_tavallod, shomare_melli_pedar, "
              "shomare_melli_madar, akharin_taghyir FROM sabt_ahval_afrad",
              "shomare_melli", "akharin_taghyir", _birth),
    "death": ("civil-registry", "civil-death", "civil",
              "SELECT shomare_melli, tarikh_fot, mahal_fot, akharin_taghyir FROM sabt_ahval_fot",
              "shomare_melli", "akharin_taghyir", _death),
    "address": ("civil-registry", "civil-address", "civil",
                "SELECT shomare_melli, ostan, shahr, code_posti, akharin_taghyir FROM neshani",
                "shomare_melli", "akharin_taghyir", _address),
    "insurance": ("social-security", "social-insurance", "social",
                  "SELECT insured_id, insurance_no, status_code, coverage_type, start_date, "
                  "dependants, modified FROM insured_persons", "insured_id", "modified",
                  _insurance),
    "taxStatus": ("tax", "tax-status", "tax",
                  "SELECT NATIONAL_CODE, TIN, CLEARANCE_FLAG, LAST_RETURN_YEAR, UPDATED_AT "
                  "FROM TAXPAYERS", "NATIONAL_CODE", "UPDATED_AT", _tax),
}  # fmt: skip
EMPTY: dict[str, Json] = {
    "identity": dict.fromkeys(("firstName", "lastName", "fatherName", "gender")),
    "birth": dict.fromkeys(("date", "place", "fatherNationalId", "motherNationalId")),
    "death": dict.fromkeys(("date", "place")),
    "address": dict.fromkeys(("province", "city", "postalCode")),
    "insurance": dict.fromkeys(
        ("insuranceNumber", "status", "type", "since", "dependantNationalIds")
    ),
    "schoolEnrollment": dict.fromkeys(("school", "schoolCode", "grade", "academicYear", "status")),
    "taxStatus": dict.fromkeys(("taxpayerId", "cleared", "lastFilingYear")),
}
ORDER = ("identity", "birth", "death", "address", "insurance", "schoolEnrollment", "taxStatus")
EDUCATION = ("education", "education-enrollment")
MAX_IDS = 100

Found = dict[str, tuple[Json, str | None]]  # national id -> (fields, lastUpdated)


class Bare:
    def __init__(self, var_dir: Path, education_url: str) -> None:
        urls = default_urls(var_dir)
        # The gateway's own pool sizes for agency databases (GATEWAY_SOURCE_POOL_*).
        pools = Pools.of(environment.load(SourceSettings, environment.current()))
        self.engines: dict[str, AsyncEngine] = {
            name: create_engine(urls[name], **pools.engine_options(urls[name]))
            for name in ("civil", "social", "tax")
        }
        self.statements = {
            record: text(f"{select} WHERE {key} IN :ids").bindparams(
                bindparam("ids", expanding=True)
            )
            for record, (_, _, _, select, key, _, _) in SQL_READS.items()
        }
        self.education_url = education_url.rstrip("/") + "/api/v1/students:batch"
        self.http = httpx.AsyncClient(timeout=30)

    async def _sql(self, record: str, ids: list[str]) -> Found:
        _, _, database, _, key, updated, build = SQL_READS[record]
        wanted: list[Any] = [int(i) for i in ids] if record == "taxStatus" else ids
        async with self.engines[database].connect() as connection:
            rows = (await connection.execute(self.statements[record], {"ids": wanted})).all()
        return {
            _code(getattr(r, key)) or "": (build(r), _moment(getattr(r, updated))) for r in rows
        }

    async def _education(self, ids: list[str]) -> Found:
        response = await self.http.post(self.education_url, json={"codes": ids})
        response.raise_for_status()
        items = response.json()["students"]
        return {item["code_melli"]: (_enrollment(item), _moment(item["updated"])) for item in items}

    async def citizens(self, ids: list[str]) -> list[Json]:
        unique = list(dict.fromkeys(ids))
        reads = [self._sql(record, unique) for record in SQL_READS]
        answers = await asyncio.gather(*reads, self._education(unique))
        retrieved = datetime.now(UTC).isoformat()
        found = dict(zip([*SQL_READS, "schoolEnrollment"], answers, strict=True))
        where = {record: (agency, source) for record, (agency, source, *_) in SQL_READS.items()}
        where["schoolEnrollment"] = EDUCATION
        out: list[Json] = []
        for national_id in ids:
            citizen: Json = {"nationalId": national_id}
            for record in ORDER:
                fields, updated = found[record].get(national_id, (EMPTY[record], None))
                agency, source = where[record]
                status = "NO_RECORD" if fields is EMPTY[record] else "AVAILABLE"
                provenance = {"agency": agency, "datasource": source, "retrievedAt": retrieved,
                              "lastUpdated": updated, "status": status}  # fmt: skip
                citizen[record] = {**fields, "provenance": provenance}
            out.append(citizen)
        return out

    async def close(self) -> None:
        await self.http.aclose()
        for engine in self.engines.values():
            await engine.dispose()


def _valid(national_id: Any) -> bool:
    return isinstance(national_id, str) and len(national_id) == 10 and national_id.isdigit()


async def citizen(request: Request) -> JSONResponse:
    national_id = request.path_params["national_id"]
    if not _valid(national_id):
        return JSONResponse({"error": "invalid national id"}, status_code=400)
    (answer,) = await request.app.state.bare.citizens([national_id])
    return JSONResponse({"citizen": answer})


async def citizens(request: Request) -> JSONResponse:
    ids = (await request.json()).get("nationalIds")
    if not isinstance(ids, list) or len(ids) > MAX_IDS or not all(map(_valid, ids)):
        return JSONResponse({"error": f"nationalIds: up to {MAX_IDS} codes"}, status_code=400)
    return JSONResponse({"citizens": await request.app.state.bare.citizens(ids)})


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(var_dir: Path, education_url: str) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.bare = Bare(var_dir, education_url)
        gc.collect()  # as the gateway does: start-up's objects are never walked again
        gc.freeze()
        try:
            yield
        finally:
            await app.state.bare.close()

    routes = [
        Route("/citizen/{national_id}", citizen),
        Route("/citizens", citizens, methods=["POST"]),
        Route("/healthz", healthz),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


_settings = bare_bench_settings()
app = create_app(_settings.var_dir, _settings.education_url)
