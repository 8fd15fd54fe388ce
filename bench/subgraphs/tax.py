"""The tax administration's subgraph: `Citizen.taxStatus`, from its table TAXPAYERS, added to the
Citizen entity by its key (one SELECT per request, whatever the number of citizens)."""

from __future__ import annotations

from typing import Any

import strawberry

from bench.subgraphs.service import Agency, citizen, one_record
from bench.subgraphs.types import CONFIG, EXTENSIONS, FEDERATION_VERSION, TaxStatus


@strawberry.federation.type(keys=["nationalId"], description="A citizen, by national code.")
class Citizen:
    nationalId: str
    taxStatus: TaxStatus | None

    @classmethod
    def resolve_reference(cls, info: strawberry.Info, nationalId: str) -> Any:
        return citizen(info, nationalId)


schema = strawberry.federation.Schema(
    query=None,
    types=[Citizen],
    federation_version=FEDERATION_VERSION,
    config=CONFIG,
    extensions=EXTENSIONS,
)
AGENCY = Agency(
    schema, "tax", one_record("taxStatus", lambda i, r: Citizen(nationalId=i, taxStatus=r))
)
