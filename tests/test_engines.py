"""The same federated queries with the store on PostgreSQL, the civil registry on PostgreSQL and
tax on MariaDB (what CI runs besides the embedded default)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import fresh_database
from tests.harness import RunningGateway, running_gateway
from tests.resolvers.test_records import ALL_RECORDS


@pytest.fixture(scope="module")
async def engines_gateway(
    postgres_url: str, mariadb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningGateway]:
    store = await fresh_database(postgres_url, "darvazeh_store_test")
    civil = await fresh_database(postgres_url, "darvazeh_civil_test")
    tax = await fresh_database(mariadb_url, "darvazeh_tax_test")
    async with running_gateway(
        Path(tmp_path_factory.mktemp("engines")),
        store_url=store,
        agency_urls={"civil": civil, "tax": tax},
    ) as running:
        yield running


async def test_federated_reads_across_engines(engines_gateway: RunningGateway) -> None:
    gateway = engines_gateway
    assert gateway.urls.civil.startswith("postgresql") and gateway.urls.tax.startswith("mysql")
    assert gateway.gateway.settings.store_url.startswith("postgresql")
    child = next(
        p for p in gateway.world.people if p.national_id == gateway.citizens["minor_child"]
    )
    answer = await gateway.query(ALL_RECORDS, {"id": child.national_id})
    assert "errors" not in answer, answer["errors"]
    citizen = answer["data"]["citizen"]
    assert citizen["identity"]["firstName"] == child.first_name
    assert citizen["birth"]["date"] == child.birth_date.isoformat()


async def test_mariadb_numeric_codes_keep_their_zeros(engines_gateway: RunningGateway) -> None:
    gateway = engines_gateway
    record = next(r for r in gateway.world.tax_records if r.national_id.startswith("0"))
    answer = await gateway.query(ALL_RECORDS, {"id": record.national_id})
    tax = answer["data"]["citizen"]["taxStatus"]
    assert tax["taxpayerId"] == record.taxpayer_id
    assert tax["lastFilingYear"] == record.last_filing_year
    assert tax["provenance"]["status"] == "AVAILABLE"


async def test_a_hundred_citizens_across_engines(engines_gateway: RunningGateway) -> None:
    gateway = engines_gateway
    ids = [p.national_id for p in gateway.world.people[:100]]
    query = ALL_RECORDS.replace("$id: String!", "$ids: [String!]!").replace(
        "citizen(nationalId: $id)", "citizens(nationalIds: $ids)"
    )
    before = gateway.source_calls()
    answer = await gateway.query(query, {"ids": ids})
    assert "errors" not in answer, answer["errors"][:2]
    after = gateway.source_calls()
    assert {s: after[s] - before.get(s, 0) for s in after} == dict.fromkeys(after, 1)
