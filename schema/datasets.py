"""Dataset scopes and record types of the data standard (v1).

A dataset is both an OAuth scope and the unit a citizen consents to. Which field belongs to which
dataset is declared on the field itself, in `schema/records.py`.
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


DATA_SCOPES: frozenset[str] = frozenset(dataset.value for dataset in Dataset)
AGENCY_ADMIN_SCOPE = "agency.admin"
