"""The seven records as the gateway answers them, read by hand from the agencies' databases: the
SELECTs, the mappings (Solar Hijri dates to ISO, status letters to names, ...) and provenance.

The bare service (bench/bare.py) and the agencies' federation subgraphs (bench/subgraphs/) build
their answers with these, so both do the same work per record and answer the same JSON as the
gateway (the bench checks it before measuring).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Row, TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine

from standard import solar_hijri

Json = dict[str, Any]
Build = Callable[[Any], Json]
Found = dict[str, tuple[Json, str | None]]  # national id -> (fields, lastUpdated)


def moment(value: Any) -> str | None:
    """An agency's change time (Unix seconds, naive UTC or offset ISO text) as ISO UTC."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).isoformat()
    when = datetime.fromisoformat(str(value))
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.isoformat()


def _hijri(value: str | None) -> str | None:
    return solar_hijri.parse(value).isoformat() if value else None


def code(value: Any) -> str | None:
    """A national code as ten digits (the tax agency stores them as numbers)."""
    return str(value).zfill(10) if value is not None else None


def _identity(r: Any) -> Json:
    gender = {1: "MALE", 2: "FEMALE"}[r.jensiat]
    return {"firstName": r.nam, "lastName": r.nam_khanevadegi, "fatherName": r.nam_pedar,
            "gender": gender}  # fmt: skip


def _birth(r: Any) -> Json:
    return {"date": _hijri(r.tarikh_tavallod), "place": r.mahal_tavallod,
            "fatherNationalId": code(r.shomare_melli_pedar),
            "motherNationalId": code(r.shomare_melli_madar)}  # fmt: skip


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


def enrollment(item: Json) -> Json:
    """A student as the education service's JSON API gives it."""
    return {"school": item["madrese"]["name"], "schoolCode": item["madrese"]["code"],
            "grade": item["paye"], "academicYear": item["sal_tahsili"],
            "status": item["vaziat"].upper()}  # fmt: skip


def _enrollment_row(r: Any) -> Json:
    """A student as the education ministry's own table holds it (its subgraph reads that)."""
    return {"school": r.madrese_name, "schoolCode": r.madrese_code, "grade": r.paye,
            "academicYear": r.sal_tahsili, "status": r.vaziat.upper()}  # fmt: skip


class Read(NamedTuple):
    """How one record is read: whose it is, from which database, and how its rows map."""

    agency: str
    datasource: str
    database: str  # the agency's database (demo.agencies.AGENCIES)
    select: str
    key: str  # the national code's column
    updated: str  # the change time's column
    build: Build


SQL_READS: dict[str, Read] = {
    "identity": Read("civil-registry", "civil-identity", "civil",
                     "SELECT shomare_melli, nam, nam_khanevadegi, nam_pedar, jensiat, "
                     "akharin_taghyir FROM sabt_ahval_afrad", "shomare_melli", "akharin_taghyir",
                     _identity),
    "birth": Read("civil-registry", "civil-birth", "civil",
                  "SELECT shomare_melli, tarikh_tavallod, mahal_tavallod, shomare_melli_pedar, "
                  "shomare_melli_madar, akharin_taghyir FROM sabt_ahval_afrad",
                  "shomare_melli", "akharin_taghyir", _birth),
    "death": Read("civil-registry", "civil-death", "civil",
                  "SELECT shomare_melli, tarikh_fot, mahal_fot, akharin_taghyir "
                  "FROM sabt_ahval_fot",
                  "shomare_melli", "akharin_taghyir", _death),
    "address": Read("civil-registry", "civil-address", "civil",
                    "SELECT shomare_melli, ostan, shahr, code_posti, akharin_taghyir FROM neshani",
                    "shomare_melli", "akharin_taghyir", _address),
    "insurance": Read("social-security", "social-insurance", "social",
                      "SELECT insured_id, insurance_no, status_code, coverage_type, start_date, "
                      "dependants, modified FROM insured_persons", "insured_id", "modified",
                      _insurance),
    "taxStatus": Read("tax", "tax-status", "tax",
                      "SELECT NATIONAL_CODE, TIN, CLEARANCE_FLAG, LAST_RETURN_YEAR, UPDATED_AT "
                      "FROM TAXPAYERS", "NATIONAL_CODE", "UPDATED_AT", _tax),
}  # fmt: skip
# The gateway and the bare service reach education through its JSON API; its own subgraph reads
# its table.
EDUCATION = Read("education", "education-enrollment", "education",
                 "SELECT code_melli, madrese_name, madrese_code, paye, sal_tahsili, vaziat, "
                 "updated FROM daneshamooz", "code_melli", "updated", _enrollment_row)  # fmt: skip
READS: dict[str, Read] = {**SQL_READS, "schoolEnrollment": EDUCATION}
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


def statement(record: str) -> TextClause:
    """The record's SELECT for a list of national codes (one expanding IN)."""
    read = READS[record]
    return text(f"{read.select} WHERE {read.key} IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )


async def rows(engine: AsyncEngine, query: TextClause, ids: list[Any]) -> Sequence[Row[Any]]:
    """One SELECT for all of ids, on a connection of its own (reads run side by side)."""
    async with engine.connect() as connection:
        return (await connection.execute(query, {"ids": ids})).all()


def found_in(record: str, found: Sequence[Any]) -> Found:
    """Each found citizen's fields of this record and their change time."""
    read = READS[record]
    return {
        code(getattr(r, read.key)) or "": (read.build(r), moment(getattr(r, read.updated)))
        for r in found
    }


async def read_sql(engine: AsyncEngine, record: str, query: TextClause, ids: list[str]) -> Found:
    """The record of each of ids, in one SELECT (the tax agency keys by number)."""
    wanted: list[Any] = [int(i) for i in ids] if record == "taxStatus" else ids
    return found_in(record, await rows(engine, query, wanted))


def with_provenance(record: str, found: Found, national_id: str, retrieved: str) -> Json:
    """The record of one citizen as the gateway answers it: its fields (null when the agency has
    none) and where they came from."""
    fields, updated = found.get(national_id, (EMPTY[record], None))
    read = READS[record]
    status = "NO_RECORD" if fields is EMPTY[record] else "AVAILABLE"
    provenance = {"agency": read.agency, "datasource": read.datasource, "retrievedAt": retrieved,
                  "lastUpdated": updated, "status": status}  # fmt: skip
    return {**fields, "provenance": provenance}


def now() -> str:
    return datetime.now(UTC).isoformat()
