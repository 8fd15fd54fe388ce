"""Social security's subgraph: `Citizen.insurance`, from its table insured_persons, added to the
Citizen entity by its key (one SELECT per request, whatever the number of citizens)."""

from __future__ import annotations

from typing import Any

import strawberry

from bench.subgraphs.service import Agency, citizen, one_record
from bench.subgraphs.types import CONFIG, EXTENSIONS, FEDERATION_VERSION, Insurance


@strawberry.federation.type(keys=["nationalId"], description="A citizen, by national code.")
class Citizen:
    nationalId: str
    insurance: Insurance | None

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
    schema, "social", one_record("insurance", lambda i, r: Citizen(nationalId=i, insurance=r))
)
