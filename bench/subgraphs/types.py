"""The record types the subgraphs share with the gateway's schema (the same names and fields),
with dates, times and enums as plain strings: the answer's JSON is the same either way.

Records are the dicts bench/records.py builds (the bare service answers the same dicts): the
schema reads them by key (`by_key`), and everything else by attribute.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.schema.config import StrawberryConfig


def by_key(source: Any, name: str) -> object:
    return source[name] if isinstance(source, dict) else getattr(source, name)


CONFIG = StrawberryConfig(default_resolver=by_key)
FEDERATION_VERSION = "2.5"
# A router sends each subgraph the same few documents: parse and validate each once (the gateway
# caches them too, schema/query_gate.py). Their LRU caches are shared across requests.
EXTENSIONS: list[type[SchemaExtension]] = [ParserCache, ValidationCache]


@strawberry.federation.type(shareable=True, description="Where a record came from.")
class Provenance:
    agency: str
    datasource: str
    retrievedAt: str
    lastUpdated: str | None
    status: str = strawberry.field(description="AVAILABLE or NO_RECORD.")


@strawberry.type(description="Who the citizen is (civil registry).")
class Identity:
    firstName: str | None
    lastName: str | None
    fatherName: str | None
    gender: str | None
    provenance: Provenance


@strawberry.type(description="The birth record (civil registry).")
class Birth:
    date: str | None
    place: str | None
    fatherNationalId: str | None
    motherNationalId: str | None
    provenance: Provenance


@strawberry.type(description="The death record, if one is registered (civil registry).")
class Death:
    date: str | None
    place: str | None
    provenance: Provenance


@strawberry.type(description="The registered address (civil registry).")
class Address:
    province: str | None
    city: str | None
    postalCode: str | None
    provenance: Provenance


@strawberry.type(description="Insurance cover (social security).")
class Insurance:
    insuranceNumber: str | None
    status: str | None
    type: str | None
    since: str | None
    dependantNationalIds: list[str] | None
    provenance: Provenance


@strawberry.type(description="Tax standing (tax administration).")
class TaxStatus:
    taxpayerId: str | None
    cleared: bool | None
    lastFilingYear: int | None
    provenance: Provenance


@strawberry.type(description="The current school enrolment (education).")
class SchoolEnrollment:
    school: str | None
    schoolCode: str | None
    grade: int | None
    academicYear: str | None
    status: str | None
    provenance: Provenance
