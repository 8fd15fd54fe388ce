"""The standard records' GraphQL face: each record type's spec comes from its declaration, and a
record type wraps the domain `Record` a resolver answers with."""

from __future__ import annotations

from datetime import UTC, date, datetime

from resolvers.records import Provenance, Record
from schema.records import RECORD_FIELDS, Birth, Identity, Insurance, record_specs
from standard.datasets import Dataset
from standard.records import Gender, InsuranceStatus, RecordStatus, ValueKind

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def provenance(status: RecordStatus = RecordStatus.AVAILABLE) -> Provenance:
    return Provenance("civil-registry", "civil-identity", NOW, None, status)


def test_a_spec_names_every_field_a_query_may_ask_with_its_dataset() -> None:
    spec = Birth.SPEC
    assert spec.datasets == (Dataset.CIVIL_BIRTH, Dataset.CIVIL_FAMILY)
    # The parents are resolved from the mapped codes: asked, they touch civil.family.
    assert spec.field_datasets["father"] == Dataset.CIVIL_FAMILY
    assert spec.field_datasets["place"] == Dataset.CIVIL_BIRTH
    # A source maps only what it can hold; `father` is not a mapped field.
    assert spec.names == {"date", "place", "fatherNationalId", "motherNationalId"}
    assert Birth.REQUIRES_SCOPES == [["civil.birth"], ["civil.family"]]
    gender = Identity.SPEC.field("gender")
    assert gender is not None and gender.kind is ValueKind.ENUM and gender.required
    assert set(RECORD_FIELDS) == set(record_specs()) == {
        "identity", "birth", "death", "address", "insurance", "schoolEnrollment", "taxStatus"
    }  # fmt: skip


def test_a_record_type_wraps_the_domain_record() -> None:
    denied = frozenset({Dataset.CIVIL_FAMILY})
    values = {"firstName": "آرمین", "lastName": "رضایی", "gender": "MALE"}
    found = Identity.of(Record(values, provenance(), "0012345678", denied))
    assert (found.first_name, found.last_name, found.father_name) == ("آرمین", "رضایی", None)
    assert found.gender is Gender.MALE  # the standard's enumeration, not its value
    assert found.provenance.status is RecordStatus.AVAILABLE  # the domain value, as it is
    assert (found.subject, found.denied) == ("0012345678", denied)  # for the fields' guards
    cover = {"insuranceNumber": "7", "status": "ACTIVE", "since": date(2020, 1, 2)}
    insured = Insurance.of(Record(cover, provenance(), "0012345678", frozenset()))
    assert insured.status is InsuranceStatus.ACTIVE and insured.since == date(2020, 1, 2)


def test_no_record_is_every_field_null_with_its_provenance() -> None:
    found = Identity.of(Record({}, provenance(RecordStatus.NO_RECORD), "0012345678", frozenset()))
    assert (found.first_name, found.gender) == (None, None)
    assert found.provenance.status is RecordStatus.NO_RECORD
