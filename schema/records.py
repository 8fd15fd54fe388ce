"""The standard records (v1), each owned by one agency. Every field names its dataset here."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

import standard.records as standard_records
from resolvers.guard import AccessGuard
from schema.standard import DATASET, Provenance, record, scoped
from standard.datasets import Dataset, RecordType
from standard.records import RecordSpec

if TYPE_CHECKING:
    from schema.citizen import Citizen

LazyCitizen = Annotated["Citizen", strawberry.lazy("schema.citizen")]

IDENTITY = Dataset.CIVIL_IDENTITY
BIRTH = Dataset.CIVIL_BIRTH
FAMILY = Dataset.CIVIL_FAMILY
ADDRESS = Dataset.CIVIL_ADDRESS
COVERAGE = Dataset.SOCIAL_COVERAGE
ENROLLMENT = Dataset.EDUCATION_ENROLLMENT
TAX = Dataset.TAX_STATUS


# The standard's enumerations, as GraphQL enums (the values are defined once, in standard/).
Gender = strawberry.enum(standard_records.Gender)
InsuranceStatus = strawberry.enum(standard_records.InsuranceStatus)
InsuranceType = strawberry.enum(standard_records.InsuranceType)
EnrollmentStatus = strawberry.enum(standard_records.EnrollmentStatus)


@record(RecordType.IDENTITY, description="Civil registry: who the citizen is.")
class Identity:
    first_name: str | None = scoped(IDENTITY, required=True)
    last_name: str | None = scoped(IDENTITY, required=True)
    father_name: str | None = scoped(IDENTITY)
    gender: Gender | None = scoped(IDENTITY, required=True)
    provenance: Provenance


def _parent(which: str):  # type: ignore[no-untyped-def]
    def resolve(self: Birth) -> LazyCitizen | None:
        from schema.citizen import Citizen

        national_id = getattr(self, f"{which}_national_id")
        return Citizen(national_id=national_id) if national_id else None

    return strawberry.federation.field(
        resolver=resolve,
        requires_scopes=[[FAMILY.value]],
        extensions=[AccessGuard(FAMILY)],
        metadata={DATASET: FAMILY},
        description=f"The citizen's {which}, as recorded at birth.",
    )


@record(RecordType.BIRTH, description="Civil registry: the birth record and the parents it names.")
class Birth:
    date: date | None = scoped(BIRTH, required=True)
    place: str | None = scoped(BIRTH, description="City of birth.")
    father_national_id: str | None = scoped(FAMILY)
    mother_national_id: str | None = scoped(FAMILY)
    father: LazyCitizen | None = _parent("father")
    mother: LazyCitizen | None = _parent("mother")
    provenance: Provenance


@record(RecordType.DEATH, description="Civil registry: the death record, if one is registered.")
class Death:
    date: date | None = scoped(IDENTITY, required=True)
    place: str | None = scoped(IDENTITY)
    provenance: Provenance


@record(RecordType.ADDRESS, description="Civil registry: the registered residential address.")
class Address:
    province: str | None = scoped(ADDRESS, required=True)
    city: str | None = scoped(ADDRESS, required=True)
    postal_code: str | None = scoped(ADDRESS, description="Ten-digit postal code.")
    provenance: Provenance


@record(RecordType.INSURANCE, description="Social security: health and social insurance cover.")
class Insurance:
    insurance_number: str | None = scoped(COVERAGE, required=True)
    status: InsuranceStatus | None = scoped(COVERAGE, required=True)
    type: InsuranceType | None = scoped(COVERAGE)
    since: date | None = scoped(COVERAGE)
    dependant_national_ids: list[str] | None = scoped(COVERAGE)
    provenance: Provenance


@record(RecordType.SCHOOL_ENROLLMENT, description="Education: the current school enrolment.")
class SchoolEnrollment:
    school: str | None = scoped(ENROLLMENT, required=True)
    school_code: str | None = scoped(ENROLLMENT)
    grade: int | None = scoped(ENROLLMENT, required=True)
    academic_year: str | None = scoped(ENROLLMENT, description="Solar Hijri, e.g. 1405-1406.")
    status: EnrollmentStatus | None = scoped(ENROLLMENT, required=True)
    provenance: Provenance


@record(RecordType.TAX_STATUS, description="Tax: the taxpayer's standing.")
class TaxStatus:
    taxpayer_id: str | None = scoped(TAX, required=True)
    cleared: bool | None = scoped(TAX, required=True, description="Has no outstanding tax debt.")
    last_filing_year: int | None = scoped(TAX, description="Solar Hijri year of the last return.")
    provenance: Provenance


RECORDS = (Identity, Birth, Death, Address, Insurance, SchoolEnrollment, TaxStatus)


def record_specs() -> dict[str, RecordSpec]:
    """What each record type's source mapping must produce, keyed by record type."""
    return {cls.RECORD_TYPE.value: cls.SPEC for cls in RECORDS}  # type: ignore[attr-defined]
