"""The Citizen and the standard records (v1), each record owned by one agency. Every field names
its dataset here.

A birth record names the citizen's parents, who are citizens too: the two types refer to each
other, so they live in one module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.consents import list_consents
from resolvers.guard import AccessGuard
from resolvers.records import Prefetched, Provenance, Record, load_record
from resolvers.selection import asked_fields
from resolvers.service_cases import my_cases
from resolvers.tracker import list_data_accesses
from schema.arguments import After, First
from schema.consents import Consent
from schema.errors import field_error
from schema.service_cases import ServiceCase
from schema.standard import (
    DATASET,
    R,
    StandardRecord,
    graphql_enum,
    provenance_field,
    record,
    scoped,
)
from schema.tracker import DataAccessConnection
from standard.datasets import Dataset, RecordType
from standard.errors import ErrorCode
from standard.national_id import parse as parse_national_id
from standard.pagination import DEFAULT_FIRST, MAX_FIRST
from standard.records import EnrollmentStatus, Gender, InsuranceStatus, InsuranceType, RecordSpec

IDENTITY = Dataset.CIVIL_IDENTITY
BIRTH = Dataset.CIVIL_BIRTH
FAMILY = Dataset.CIVIL_FAMILY
ADDRESS = Dataset.CIVIL_ADDRESS
COVERAGE = Dataset.SOCIAL_COVERAGE
ENROLLMENT = Dataset.EDUCATION_ENROLLMENT
TAX = Dataset.TAX_STATUS

# The standard's enumerations, as GraphQL enums (the values are defined once, in standard/).
graphql_enum(
    Gender,
    description="Gender as the civil registry records it.",
    values={Gender.MALE: "Male.", Gender.FEMALE: "Female."},
)
graphql_enum(
    InsuranceStatus,
    description="Whether an insurance cover is in force.",
    values={
        InsuranceStatus.ACTIVE: "In force.",
        InsuranceStatus.SUSPENDED: "Paused, e.g. for unpaid contributions.",
        InsuranceStatus.EXPIRED: "Ended.",
    },
)
graphql_enum(
    InsuranceType,
    description="How a citizen is insured.",
    values={
        InsuranceType.SALARIED: "Through an employer.",
        InsuranceType.SELF_EMPLOYED: "Self-employed, paying their own contributions.",
        InsuranceType.VOLUNTARY: "Voluntary cover.",
        InsuranceType.DEPENDANT: "As a dependant on another's cover.",
        InsuranceType.PENSIONER: "As a pensioner.",
    },
)
graphql_enum(
    EnrollmentStatus,
    description="A school enrolment's status.",
    values={
        EnrollmentStatus.ENROLLED: "Attending this school year.",
        EnrollmentStatus.GRADUATED: "Finished school.",
        EnrollmentStatus.WITHDRAWN: "Left school.",
    },
)


@record(RecordType.IDENTITY, description="Civil registry: who the citizen is.")
class Identity(StandardRecord):
    first_name: str | None = scoped(IDENTITY, required=True, description="Given name.")
    last_name: str | None = scoped(IDENTITY, required=True, description="Family name.")
    father_name: str | None = scoped(IDENTITY, description="Father's given name.")
    gender: Gender | None = scoped(IDENTITY, required=True, description="As registered.")
    provenance: Provenance = provenance_field()


def _parent(which: str, national_id_of: Callable[[Birth], str | None]) -> Any:
    def resolve(self: Birth) -> Citizen | None:
        national_id = national_id_of(self)
        return Citizen(national_id=national_id) if national_id else None

    return strawberry.federation.field(
        resolver=resolve,
        requires_scopes=[[FAMILY.value]],
        extensions=[AccessGuard(FAMILY)],
        metadata={DATASET: FAMILY},
        description=f"The citizen's {which}, as recorded at birth.",
    )


@record(RecordType.BIRTH, description="Civil registry: the birth record and the parents it names.")
class Birth(StandardRecord):
    date: date | None = scoped(BIRTH, required=True, description="Date of birth.")
    place: str | None = scoped(BIRTH, description="City of birth.")
    father_national_id: str | None = scoped(FAMILY, description="The father's national code.")
    mother_national_id: str | None = scoped(FAMILY, description="The mother's national code.")
    father: Citizen | None = _parent("father", lambda birth: birth.father_national_id)
    mother: Citizen | None = _parent("mother", lambda birth: birth.mother_national_id)
    provenance: Provenance = provenance_field()


@record(RecordType.DEATH, description="Civil registry: the death record, if one is registered.")
class Death(StandardRecord):
    date: date | None = scoped(IDENTITY, required=True, description="Date of death.")
    place: str | None = scoped(IDENTITY, description="City of death.")
    provenance: Provenance = provenance_field()


@record(RecordType.ADDRESS, description="Civil registry: the registered residential address.")
class Address(StandardRecord):
    province: str | None = scoped(ADDRESS, required=True, description="Province.")
    city: str | None = scoped(ADDRESS, required=True, description="City.")
    postal_code: str | None = scoped(ADDRESS, description="Ten-digit postal code.")
    provenance: Provenance = provenance_field()


@record(RecordType.INSURANCE, description="Social security: health and social insurance cover.")
class Insurance(StandardRecord):
    insurance_number: str | None = scoped(COVERAGE, required=True, description="Insurance number.")
    status: InsuranceStatus | None = scoped(
        COVERAGE, required=True, description="Whether the cover is in force."
    )
    type: InsuranceType | None = scoped(COVERAGE, description="How the citizen is insured.")
    since: date | None = scoped(COVERAGE, description="Covered since this date.")
    dependant_national_ids: list[str] | None = scoped(
        COVERAGE, description="National codes of the dependants the cover includes."
    )
    provenance: Provenance = provenance_field()


@record(RecordType.SCHOOL_ENROLLMENT, description="Education: the current school enrolment.")
class SchoolEnrollment(StandardRecord):
    school: str | None = scoped(ENROLLMENT, required=True, description="School name.")
    school_code: str | None = scoped(ENROLLMENT, description="The ministry's code for the school.")
    grade: int | None = scoped(ENROLLMENT, required=True, description="Grade, 1 to 12.")
    academic_year: str | None = scoped(ENROLLMENT, description="Solar Hijri, e.g. 1405-1406.")
    status: EnrollmentStatus | None = scoped(
        ENROLLMENT, required=True, description="Enrolment status."
    )
    provenance: Provenance = provenance_field()


@record(RecordType.TAX_STATUS, description="Tax: the taxpayer's standing.")
class TaxStatus(StandardRecord):
    taxpayer_id: str | None = scoped(TAX, required=True, description="Taxpayer id.")
    cleared: bool | None = scoped(TAX, required=True, description="Has no outstanding tax debt.")
    last_filing_year: int | None = scoped(TAX, description="Solar Hijri year of the last return.")
    provenance: Provenance = provenance_field()


RECORDS: tuple[type[StandardRecord], ...] = (
    Identity, Birth, Death, Address, Insurance, SchoolEnrollment, TaxStatus,
)  # fmt: skip
# Citizen field name -> its record's spec; the record types are named after their Citizen fields.
RECORD_FIELDS: dict[str, RecordSpec] = {cls.SPEC.record_type: cls.SPEC for cls in RECORDS}


def record_specs() -> dict[str, RecordSpec]:
    """What each record type's source mapping must produce, keyed by record type."""
    return dict(RECORD_FIELDS)


Since = Annotated[
    datetime | None, strawberry.argument(name="from", description="From this instant on.")
]
Until = Annotated[datetime | None, strawberry.argument(description="Before this instant.")]
Subject = Annotated[
    str | None,
    strawberry.argument(description="Your minor child's national code, to see their log."),
]


def prefetched_record(citizen: Citizen, cls: type[R]) -> R | None:
    """The citizen's record of type `cls` when the root field read it ahead, else None."""
    found = citizen.prefetched.get(cls.SPEC.record_type)
    return cls.of(found) if isinstance(found, Record) else None


def _record(info: Info, citizen: Citizen, cls: type[R]) -> R | Awaitable[R]:
    """The citizen's record of type `cls`: ready when the root field prefetched it (record
    fields are synchronous for that reason), an awaitable otherwise (nested citizens)."""
    spec = cls.SPEC
    found = citizen.prefetched.get(spec.record_type)
    if isinstance(found, Record):
        return cls.of(found)
    if found is not None:
        raise found  # the root field's refusal or the source's failure, for this field
    asked = asked_fields(info)
    return _wrapped(cls, load_record(info.context, citizen.national_id, spec, asked))


async def _wrapped(cls: type[R], pending: Awaitable[Record]) -> R:
    return cls.of(await pending)


@strawberry.federation.type(
    keys=["nationalId"],
    description="A citizen, keyed by national code. Each record comes from the agency owning it.",
)
class Citizen:
    national_id: str = strawberry.field(description="The 10-digit national code.")
    # What the root field read ahead for this citizen, by record type.
    prefetched: strawberry.Private[Prefetched] = strawberry.field(default_factory=dict)

    @strawberry.federation.field(
        requires_scopes=Identity.REQUIRES_SCOPES,
        graphql_type=Identity | None,
        description="Who the citizen is (civil registry).",
    )
    def identity(self, info: Info) -> Identity | Awaitable[Identity]:
        return _record(info, self, Identity)

    @strawberry.federation.field(
        requires_scopes=Birth.REQUIRES_SCOPES,
        graphql_type=Birth | None,
        description="The birth record (civil registry).",
    )
    def birth(self, info: Info) -> Birth | Awaitable[Birth]:
        return _record(info, self, Birth)

    @strawberry.federation.field(
        requires_scopes=Death.REQUIRES_SCOPES,
        graphql_type=Death | None,
        description="The death record, if one is registered (civil registry).",
    )
    def death(self, info: Info) -> Death | Awaitable[Death]:
        return _record(info, self, Death)

    @strawberry.federation.field(
        requires_scopes=Address.REQUIRES_SCOPES,
        graphql_type=Address | None,
        description="The registered address (civil registry).",
    )
    def address(self, info: Info) -> Address | Awaitable[Address]:
        return _record(info, self, Address)

    @strawberry.federation.field(
        requires_scopes=Insurance.REQUIRES_SCOPES,
        graphql_type=Insurance | None,
        description="Insurance cover (social security).",
    )
    def insurance(self, info: Info) -> Insurance | Awaitable[Insurance]:
        return _record(info, self, Insurance)

    @strawberry.federation.field(
        requires_scopes=SchoolEnrollment.REQUIRES_SCOPES,
        graphql_type=SchoolEnrollment | None,
        description="The current school enrolment (education).",
    )
    def school_enrollment(self, info: Info) -> SchoolEnrollment | Awaitable[SchoolEnrollment]:
        return _record(info, self, SchoolEnrollment)

    @strawberry.federation.field(
        requires_scopes=TaxStatus.REQUIRES_SCOPES,
        graphql_type=TaxStatus | None,
        description="Tax standing (tax administration).",
    )
    def tax_status(self, info: Info) -> TaxStatus | Awaitable[TaxStatus]:
        return _record(info, self, TaxStatus)

    @strawberry.field(
        description="The citizen's consents, newest first. Only the citizen themselves sees them."
    )
    async def consents(self, info: Info) -> list[Consent] | None:
        return [Consent.of(seen) for seen in await list_consents(info.context, self.national_id)]

    @strawberry.field(
        description="Proactive service cases about the citizen or their minor children, newest "
        "first, each with why it exists in Persian and English. Only the citizen themselves."
    )
    async def service_cases(self, info: Info) -> list[ServiceCase] | None:
        return [ServiceCase.of(seen) for seen in await my_cases(info.context, self.national_id)]

    @strawberry.field(
        description="Who read the citizen's data, when and why, newest first "
        f"(at most {MAX_FIRST} a page). Only the citizen themselves sees it; `subject` names "
        "their minor child to see the child's."
    )
    async def data_accesses(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        from_: Since = None,
        to: Until = None,
        subject: Subject = None,
    ) -> DataAccessConnection | None:
        page = await list_data_accesses(
            info.context, self.national_id, first=first, after=after, since=from_, until=to,
            subject=subject,
        )  # fmt: skip
        return DataAccessConnection.of(page)

    @classmethod
    def resolve_reference(cls, info: Info, **representation: object) -> Citizen:
        """Federation `_entities`: a router hands us citizens by key, as the representation's
        GraphQL field names (`nationalId`). Like the root fields: a token first, then the key."""
        info.context.require_principal()
        key = representation.get("nationalId")
        if not isinstance(key, str):
            raise field_error(ErrorCode.BAD_USER_INPUT, "a Citizen representation needs nationalId")
        # Read as a client's code is (INVALID_NATIONAL_ID unless it is one); canonical from here.
        return cls(national_id=parse_national_id(key))


def _reader(cls: type[R]) -> Callable[[Citizen], R | None]:
    return lambda citizen: prefetched_record(citizen, cls)


# A citizen's record fields as the executor answers them without their resolvers
# (schema/execution.py): the record the root field read ahead, or None for the resolver to say why.
CITIZEN_RECORDS: dict[str, Callable[[Citizen], StandardRecord | None]] = {
    cls.SPEC.record_type: _reader(cls) for cls in RECORDS
}
