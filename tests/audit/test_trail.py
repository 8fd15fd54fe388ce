"""Building the log's entries from what a request noted: one entry per subject, source agency,
outcome and reason, datasets in the standard's order, the reader's facts on every entry; and the
standard's enumerations hash exactly as the plain values the store already holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast

from audit.chain import Head, link, record_hash
from audit.entry import ActorKind
from audit.trail import Reader, Trail
from standard.datasets import Dataset
from standard.statuses import AccessOutcome, LegalBasis
from store.audit_models import AuditRecord

READER = Reader(
    client_id="subsidy-eligibility",
    client_agency="welfare",
    actor_kind=ActorKind.SERVICE,
    actor="subsidy-eligibility",
    legal_basis=LegalBasis.STATUTE,
    purpose="subsidy-eligibility",
    statute="Targeted Subsidies Act, article 7",
    case_reference="CASE-42",
    token_id="t-1",
)
CHILD, PARENT = "0012345679", "0023456781"
AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def test_reads_are_grouped_per_subject_agency_outcome_and_reason() -> None:
    trail = Trail("req-1")
    assert not trail and trail.take(READER, AT) == []
    granted = AccessOutcome.GRANTED
    trail.note(CHILD, "civil-registry", Dataset.CIVIL_BIRTH, granted, None, ["birth.date"])
    trail.note(CHILD, "civil-registry", Dataset.CIVIL_IDENTITY, granted, None, ["identity.a"])
    # The same dataset noted twice (a nested field asks again) counts once; fields add up.
    trail.note(CHILD, "civil-registry", Dataset.CIVIL_BIRTH, granted, None, ["birth.place"])
    trail.note(CHILD, "tax", Dataset.TAX_STATUS, AccessOutcome.DENIED, "FORBIDDEN: no", [])
    trail.note(PARENT, "civil-registry", Dataset.CIVIL_IDENTITY, granted, None, [])
    assert trail
    entries = trail.take(READER, AT)
    assert not trail and trail.take(READER, AT) == []  # taken once
    by_key = {(e.subject, e.source_agency, e.outcome): e for e in entries}
    assert len(entries) == 3
    civil = by_key[(CHILD, "civil-registry", AccessOutcome.GRANTED)]
    assert civil.datasets == ("civil.identity", "civil.birth")  # the standard's order
    assert civil.fields == ("birth.date", "birth.place", "identity.a")
    tax = by_key[(CHILD, "tax", AccessOutcome.DENIED)]
    assert tax.reason == "FORBIDDEN: no" and tax.datasets == ("tax.status",)
    for entry in entries:
        assert entry.occurred_at == AT and entry.request_id == "req-1"
        assert (entry.client_id, entry.client_agency, entry.actor) == (
            "subsidy-eligibility",
            "welfare",
            "subsidy-eligibility",
        )
        assert entry.legal_basis is LegalBasis.STATUTE and entry.actor_kind is ActorKind.SERVICE
        assert (entry.statute, entry.case_reference, entry.token_id) == (
            READER.statute,
            "CASE-42",
            "t-1",
        )


def test_a_source_failure_is_its_own_entry() -> None:
    trail = Trail("req-2")
    dataset = Dataset.EDUCATION_ENROLLMENT
    trail.note(CHILD, "education", dataset, AccessOutcome.GRANTED, None, ["s.grade"])
    first = trail.take(READER, AT)
    trail.note(CHILD, "education", dataset, AccessOutcome.SOURCE_ERROR, "timed out", ["s.grade"])
    second = trail.take(READER, AT)
    assert [e.outcome for e in first + second] == ["GRANTED", "SOURCE_ERROR"]
    assert second[0].reason == "timed out"


def test_the_standards_enums_hash_as_the_stored_values() -> None:
    """Records written before the enumerations existed hold plain strings; an entry made with
    the enumerations must hash (and so chain) exactly the same."""
    trail = Trail("req-3")
    trail.note(CHILD, "civil-registry", Dataset.CIVIL_BIRTH, AccessOutcome.DENIED, "x", [])
    entry = trail.take(READER, AT)[0]
    plain = replace(
        entry,
        outcome=cast(AccessOutcome, "DENIED"),
        legal_basis=cast(LegalBasis, "statute"),
        actor_kind=cast(ActorKind, "service"),
    )
    (typed_row,), _ = link("chain-1", Head(), [entry.row()])
    (plain_row,), _ = link("chain-1", Head(), [plain.row()])
    assert typed_row["hash"] == plain_row["hash"]
    stored = cast(AuditRecord, SimpleNamespace(**plain_row))
    assert record_hash(stored) == typed_row["hash"]
