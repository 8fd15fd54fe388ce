"""Federated reads over the demo world: values, provenance, batching, no-record."""

from __future__ import annotations

from standard import solar_hijri
from tests.harness import RunningGateway

ALL_RECORDS = """
query($id: String!) { citizen(nationalId: $id) {
  nationalId
  identity { firstName lastName fatherName gender
             provenance { agency datasource retrievedAt lastUpdated status } }
  birth { date place fatherNationalId motherNationalId provenance { status } }
  death { date place provenance { status } }
  address { province city postalCode provenance { status } }
  insurance { insuranceNumber status type since dependantNationalIds provenance { status } }
  schoolEnrollment { school schoolCode grade academicYear status provenance { status } }
  taxStatus { taxpayerId cleared lastFilingYear provenance { agency status } }
} }"""


def person(gateway: RunningGateway, national_id: str):  # type: ignore[no-untyped-def]
    return next(p for p in gateway.world.people if p.national_id == national_id)


async def test_a_citizen_is_read_from_every_agency(gateway: RunningGateway) -> None:
    child_id = gateway.citizens["minor_child"]
    answer = await gateway.query(ALL_RECORDS, {"id": child_id})
    assert "errors" not in answer, answer["errors"]
    citizen = answer["data"]["citizen"]
    child = person(gateway, child_id)
    assert citizen["identity"]["firstName"] == child.first_name
    assert citizen["identity"]["gender"] == child.gender
    assert citizen["identity"]["provenance"]["agency"] == "civil-registry"
    assert citizen["identity"]["provenance"]["status"] == "AVAILABLE"
    assert citizen["identity"]["provenance"]["lastUpdated"] is not None
    # The civil registry keeps Solar Hijri strings; the standard speaks ISO dates.
    assert citizen["birth"]["date"] == child.birth_date.isoformat()
    assert citizen["birth"]["fatherNationalId"] == child.father_id
    assert citizen["schoolEnrollment"]["provenance"]["status"] == "AVAILABLE"
    enrollment = next(e for e in gateway.world.enrollments if e.national_id == child_id)
    assert citizen["schoolEnrollment"]["grade"] == enrollment.grade
    assert citizen["death"]["provenance"]["status"] == "NO_RECORD"
    assert citizen["death"]["date"] is None


async def test_no_record_is_not_an_empty_value(gateway: RunningGateway) -> None:
    answer = await gateway.query(ALL_RECORDS, {"id": gateway.citizens["no_tax_record"]})
    tax = answer["data"]["citizen"]["taxStatus"]
    assert tax["provenance"] == {"agency": "tax", "status": "NO_RECORD"}
    assert tax["taxpayerId"] is None

    deceased = person(gateway, gateway.citizens["deceased"])
    answer = await gateway.query(ALL_RECORDS, {"id": deceased.national_id})
    death = answer["data"]["citizen"]["death"]
    assert death["provenance"]["status"] == "AVAILABLE"
    assert death["date"] == deceased.death_date.isoformat()


async def test_tax_codes_that_lost_their_leading_zero_are_found(gateway: RunningGateway) -> None:
    record = next(r for r in gateway.world.tax_records if r.national_id.startswith("0"))
    answer = await gateway.query(ALL_RECORDS, {"id": record.national_id})
    tax = answer["data"]["citizen"]["taxStatus"]
    assert tax["provenance"]["status"] == "AVAILABLE"
    assert tax["taxpayerId"] == record.taxpayer_id


async def test_a_hundred_citizens_cost_one_call_per_source(gateway: RunningGateway) -> None:
    ids = [p.national_id for p in gateway.world.people[:100]]
    query = ALL_RECORDS.replace("$id: String!", "$ids: [String!]!").replace(
        "citizen(nationalId: $id)", "citizens(nationalIds: $ids)"
    )
    before = gateway.source_calls()
    answer = await gateway.query(query, {"ids": ids})
    after = gateway.source_calls()
    assert "errors" not in answer, answer["errors"][:2]
    assert [c["nationalId"] for c in answer["data"]["citizens"]] == ids
    calls = {source: after[source] - before.get(source, 0) for source in after}
    assert calls == dict.fromkeys(after, 1), calls
    assert len(calls) == 7


async def test_parents_are_citizens_one_level_deeper(gateway: RunningGateway) -> None:
    child = person(gateway, gateway.citizens["minor_child"])
    query = """query($id: String!) { citizen(nationalId: $id) {
      birth { father { nationalId identity { firstName } } mother { identity { firstName } } }
    } }"""
    before = gateway.source_calls()
    answer = await gateway.query(query, {"id": child.national_id})
    after = gateway.source_calls()
    father = person(gateway, child.father_id)
    assert answer["data"]["citizen"]["birth"]["father"]["identity"]["firstName"] == (
        father.first_name
    )
    # Father and mother are read in one identity call: one call per source per level.
    assert after["civil-identity"] - before["civil-identity"] == 1
    assert after["civil-birth"] - before["civil-birth"] == 1


async def test_solar_hijri_round_trip_matches_the_agency_file(gateway: RunningGateway) -> None:
    someone = gateway.world.people[5]
    stored = solar_hijri.format(someone.birth_date)
    assert solar_hijri.parse(stored) == someone.birth_date


async def test_a_malformed_agency_row_costs_only_its_citizen(gateway: RunningGateway) -> None:
    from sqlalchemy import text

    from store.db import create_engine

    broken, fine = gateway.world.people[40].national_id, gateway.world.people[41].national_id
    engine = create_engine(gateway.urls.civil)
    update = "UPDATE sabt_ahval_afrad SET tarikh_tavallod = :value WHERE shomare_melli = :id"
    async with engine.begin() as connection:
        original = await connection.scalar(
            text("SELECT tarikh_tavallod FROM sabt_ahval_afrad WHERE shomare_melli = :id"),
            {"id": broken},
        )
        await connection.execute(text(update), {"value": "1399/13/45", "id": broken})
    try:
        answer = await gateway.query(
            "query($ids: [String!]!) { citizens(nationalIds: $ids) { birth { date } } }",
            {"ids": [broken, fine]},
        )
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(update), {"value": original, "id": broken})
        await engine.dispose()
    broken_birth, fine_birth = (c["birth"] for c in answer["data"]["citizens"])
    assert broken_birth is None
    assert fine_birth["date"] == gateway.world.people[41].birth_date.isoformat()
    [error] = answer["errors"]
    assert error["path"] == ["citizens", 0, "birth"]
    assert error["extensions"]["code"] == "SOURCE_UNAVAILABLE"
    # The kind of fault: neither the value nor the agency's column (both stay in the log).
    assert error["message"] == (
        "data source 'civil-birth' holds a record for this citizen that does not fit its mapping"
    )


async def test_fragments_are_followed_and_skipped_records_are_not_read(
    gateway: RunningGateway,
) -> None:
    query = """query($ids: [String!]!, $withTax: Boolean!) { citizens(nationalIds: $ids) {
      ...Civil
      ... on Citizen { address { city } }
      taxStatus @include(if: $withTax) { cleared }
      insurance @skip(if: true) { status }
    } }
    fragment Civil on Citizen { identity { lastName } }"""
    ids = [p.national_id for p in gateway.world.people[10:20]]
    before = gateway.source_calls()
    answer = await gateway.query(query, {"ids": ids, "withTax": False})
    after = gateway.source_calls()
    assert "errors" not in answer
    called = {source for source in after if after[source] != before.get(source, 0)}
    assert called == {"civil-identity", "civil-address"}
    assert all(
        c["identity"]["lastName"] and c["address"]["city"] for c in answer["data"]["citizens"]
    )
