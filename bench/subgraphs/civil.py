"""The civil registry's subgraph: the root fields `citizen` and `citizens`, and the Citizen
entity's identity, birth, death and address (its tables sabt_ahval_afrad, sabt_ahval_fot and
neshani, one SELECT each per request)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import strawberry
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.records import found_in, now, rows, statement, with_provenance
from bench.subgraphs.service import MAX_IDS, Agency, citizen, citizens
from bench.subgraphs.types import (
    CONFIG,
    EXTENSIONS,
    FEDERATION_VERSION,
    Address,
    Birth,
    Death,
    Identity,
)
from standard import national_id as national_id_rules

# Identity and birth are columns of the same table: read once for both.
PEOPLE = text(
    "SELECT shomare_melli, nam, nam_khanevadegi, nam_pedar, jensiat, tarikh_tavallod, "
    "mahal_tavallod, shomare_melli_pedar, shomare_melli_madar, akharin_taghyir "
    "FROM sabt_ahval_afrad WHERE shomare_melli IN :ids"
).bindparams(bindparam("ids", expanding=True))
DEATHS, ADDRESSES = statement("death"), statement("address")


@strawberry.federation.type(keys=["nationalId"], description="A citizen, by national code.")
class Citizen:
    nationalId: str
    identity: Identity | None
    birth: Birth | None
    death: Death | None
    address: Address | None

    @classmethod
    def resolve_reference(cls, info: strawberry.Info, nationalId: str) -> Any:
        return citizen(info, nationalId)


def _valid(national_id: str) -> str:
    if not national_id_rules.is_valid(national_id):
        raise ValueError("not a national id: 10 digits, the last a check digit")
    return national_id


@strawberry.type
class Query:
    @strawberry.field(description="One citizen by national code.")
    async def citizen(self, info: strawberry.Info, nationalId: str) -> Citizen | None:
        found: Citizen = await citizen(info, _valid(nationalId))
        return found

    @strawberry.field(description=f"Citizens by national code (at most {MAX_IDS}).")
    async def citizens(
        self,
        info: strawberry.Info,
        nationalIds: list[str],
    ) -> list[Citizen | None]:
        if len(nationalIds) > MAX_IDS:
            raise ValueError(f"at most {MAX_IDS} national ids")
        return list(await citizens(info, [_valid(i) for i in nationalIds]))


async def load(engine: AsyncEngine, ids: list[str]) -> Sequence[Citizen]:
    people, deaths, addresses = await asyncio.gather(
        rows(engine, PEOPLE, ids), rows(engine, DEATHS, ids), rows(engine, ADDRESSES, ids)
    )
    found = {
        "identity": found_in("identity", people),
        "birth": found_in("birth", people),
        "death": found_in("death", deaths),
        "address": found_in("address", addresses),
    }
    retrieved = now()

    def record(name: str, national_id: str) -> Any:
        return with_provenance(name, found[name], national_id, retrieved)

    return [
        Citizen(nationalId=i, identity=record("identity", i), birth=record("birth", i),
                death=record("death", i), address=record("address", i))
        for i in ids
    ]  # fmt: skip


schema = strawberry.federation.Schema(
    query=Query,
    types=[Citizen],
    federation_version=FEDERATION_VERSION,
    config=CONFIG,
    extensions=EXTENSIONS,
)
AGENCY = Agency(schema, "civil", load)
