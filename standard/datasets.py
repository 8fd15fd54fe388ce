"""Dataset scopes and record types of the data standard (v1).

A dataset is both an OAuth scope and the unit a citizen consents to. Which field belongs to which
dataset is declared on the field itself, in `schema/records.py` (the standard's GraphQL face).
"""

from __future__ import annotations

from enum import StrEnum


class Dataset(StrEnum):
    CIVIL_IDENTITY = "civil.identity"
    CIVIL_BIRTH = "civil.birth"
    CIVIL_FAMILY = "civil.family"
    CIVIL_ADDRESS = "civil.address"
    SOCIAL_COVERAGE = "social.coverage"
    EDUCATION_ENROLLMENT = "education.enrollment"
    TAX_STATUS = "tax.status"


class RecordType(StrEnum):
    """A standard record; each is owned by one agency and served by one registered source."""

    IDENTITY = "identity"
    BIRTH = "birth"
    DEATH = "death"
    ADDRESS = "address"
    INSURANCE = "insurance"
    SCHOOL_ENROLLMENT = "schoolEnrollment"
    TAX_STATUS = "taxStatus"


class PlannedDataset(StrEnum):
    """Datasets service cards already need but the standard does not define yet.

    A card may name them (the catalogue then shows it as not connected); no field, scope or
    source serves them until they join `Dataset`. What each means is said in `web/i18n.py`.
    """

    PROPERTY_DEEDS = "property.deeds"
    VEHICLE_REGISTRATION = "vehicle.registration"
    HEALTH_RECORDS = "health.records"
    EMPLOYMENT_HISTORY = "employment.history"
    JUDICIARY_RECORDS = "judiciary.records"


DATA_SCOPES: frozenset[str] = frozenset(dataset.value for dataset in Dataset)
AGENCY_ADMIN_SCOPE = "agency.admin"
