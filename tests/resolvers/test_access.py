"""The access decision itself: deny by default."""

from __future__ import annotations

import pytest

from auth.core.principal import Basis, Principal
from resolvers.access import decide, decide_uniform
from standard.datasets import Dataset
from standard.errors import ErrorCode

SUBJECT = "0499370899"
CHILD = "0084575948"


def principal(basis: Basis, scopes: set[str], **kw: str | None) -> Principal:
    return Principal(
        client_id="c", agency="a", basis=basis, scopes=frozenset(scopes), token_id="j", **kw
    )


def test_no_principal_is_unauthenticated() -> None:
    assert decide(None, SUBJECT, Dataset.CIVIL_BIRTH).code is ErrorCode.UNAUTHENTICATED


def test_statute_reads_its_datasets_for_anyone_with_a_case() -> None:
    who = principal(Basis.STATUTE, {"civil.birth"}, case_reference="CASE-1")
    assert decide(who, SUBJECT, Dataset.CIVIL_BIRTH).granted
    assert decide(who, CHILD, Dataset.CIVIL_BIRTH).granted
    assert decide(who, SUBJECT, Dataset.TAX_STATUS).code is ErrorCode.FORBIDDEN


def test_statute_without_a_case_reference_is_forbidden() -> None:
    who = principal(Basis.STATUTE, {"civil.birth"})
    decision = decide(who, SUBJECT, Dataset.CIVIL_BIRTH)
    assert decision.code is ErrorCode.FORBIDDEN
    assert "Darvazeh-Case-Reference" in decision.reason


def test_citizens_read_only_themselves() -> None:
    who = principal(Basis.CITIZEN, {"civil.birth"}, citizen=SUBJECT)
    assert decide(who, SUBJECT, Dataset.CIVIL_BIRTH).granted
    assert decide(who, CHILD, Dataset.CIVIL_BIRTH).code is ErrorCode.CONSENT_REQUIRED


def test_consent_reads_its_subject_while_active() -> None:
    who = principal(
        Basis.CONSENT, {"civil.birth"}, citizen=SUBJECT, subject=CHILD, consent_status="ACTIVE"
    )
    assert decide(who, CHILD, Dataset.CIVIL_BIRTH).granted
    assert decide(who, SUBJECT, Dataset.CIVIL_BIRTH).code is ErrorCode.CONSENT_REQUIRED
    assert decide(who, CHILD, Dataset.TAX_STATUS).code is ErrorCode.FORBIDDEN


@pytest.mark.parametrize("status", ["REVOKED", "EXPIRED", None])
def test_a_consent_not_in_force_reads_nothing(status: str | None) -> None:
    who = principal(Basis.CONSENT, {"civil.birth"}, citizen=SUBJECT, consent_status=status)
    decision = decide(who, SUBJECT, Dataset.CIVIL_BIRTH)
    assert decision.code is ErrorCode.CONSENT_REVOKED


def test_agency_admins_read_no_citizen_data() -> None:
    who = principal(Basis.AGENCY_ADMIN, {"agency.admin", "civil.birth"})
    assert decide(who, SUBJECT, Dataset.CIVIL_BIRTH).code is ErrorCode.FORBIDDEN


_WHO = [
    None,
    principal(Basis.STATUTE, {"civil.birth"}, case_reference="CASE-1"),
    principal(Basis.STATUTE, {"civil.birth"}),
    principal(Basis.SYSTEM, {"civil.birth"}, statute="Act", case_reference="check"),
    principal(Basis.SYSTEM, {"civil.birth"}),
    principal(Basis.CITIZEN, {"civil.birth"}, citizen=SUBJECT),
    principal(Basis.CITIZEN, {"civil.birth"}, citizen=SUBJECT, subject=CHILD),
    principal(Basis.CONSENT, {"civil.birth"}, citizen=SUBJECT, consent_status="ACTIVE"),
    principal(Basis.CONSENT, {"civil.birth"}, citizen=SUBJECT, consent_status="REVOKED"),
    principal(Basis.AGENCY_ADMIN, {"civil.birth"}),
]


@pytest.mark.parametrize("who", _WHO)
@pytest.mark.parametrize("dataset", [Dataset.CIVIL_BIRTH, Dataset.TAX_STATUS])
def test_a_uniform_decision_is_every_subjects_decision(
    who: Principal | None, dataset: Dataset
) -> None:
    """What a 100-citizen read decides once holds for each citizen; where the decision looks at
    the citizen (a consent's, a citizen's own), nothing is decided once."""
    uniform = decide_uniform(who, dataset)
    decisions = {decide(who, subject, dataset) for subject in (SUBJECT, CHILD, "0012345679")}
    if uniform is not None:
        assert decisions == {uniform}
    else:
        assert who is not None and who.basis in (Basis.CONSENT, Basis.CITIZEN)
        assert dataset.value in who.scopes
