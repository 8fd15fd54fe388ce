"""What makes a service card valid, every problem named at once; the life events."""

from __future__ import annotations

import pytest

from services.cards import CARD_BASES, CardDraft, CardInvalid, Problem, check, problems
from standard.datasets import Dataset, PlannedDataset
from standard.life_events import REPORT_SCOPE, LifeEvent, life_event
from tests.services.conftest import draft

AGENCIES = {"civil", "tax"}


def fields_of(card: CardDraft) -> list[str]:
    return [problem.field for problem in problems(card.cleaned(), agencies=AGENCIES)]


def test_a_valid_card_passes_cleaned() -> None:
    card = draft(" birth-certificate-issue ", "civil.identity", "property.deeds", name_en=" Birth ")
    cleaned = check(card, agencies=AGENCIES)
    assert cleaned.id == "birth-certificate-issue" and cleaned.name_en == "Birth"
    consent = draft("school", "civil.birth", legal_basis="consent", statute="  ")
    assert check(consent, agencies=AGENCIES).statute is None


def test_every_problem_is_named_together() -> None:
    card = CardDraft(
        id="Not A Slug!",
        agency="nowhere",
        name_fa="  ",
        name_en="",
        datasets=("civil.identity", "civil.dna", "civil.identity"),
        legal_basis="consent",
        statute="Some Act",
        proactive=True,
        life_event="wedding",
    )
    with pytest.raises(CardInvalid) as raised:
        check(card, agencies=AGENCIES)
    found = raised.value.found
    assert [problem.field for problem in found] == [
        "id", "nameFa", "nameEn", "agency", "datasets", "datasets", "statute", "lifeEvent",
        "legalBasis", "proactiveMode",
    ]  # fmt: skip
    message = str(raised.value)
    assert message.startswith("service card 'Not A Slug!' is not valid: id: ")
    for expected in ("'civil.dna'", "named more than once: civil.identity", "'wedding'",
                     "'nowhere' is not a registered agency", "cannot rest on consent"):  # fmt: skip
        assert expected in message, expected
    assert Problem("nameFa", "must not be blank") in found


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "a--b"}, "id"),
        ({"id": "-a"}, "id"),
        ({"id": "x" * 65}, "id"),
        ({"name_en": "x" * 301}, "nameEn"),
        ({"purpose_fa": "x" * 2001}, "purposeFa"),
        ({"datasets": ()}, "datasets"),
        ({"legal_basis": "custom"}, "legalBasis"),
        ({"statute": None}, "statute"),
        ({"legal_basis": "consent"}, "statute"),  # a consent card names no statute
        ({"proactive": True, "proactive_mode": "NOTIFY"}, "lifeEvent"),  # needs its event
        ({"life_event": "birth.registered"}, "lifeEvent"),  # only proactive cards have one
        ({"proactive": True, "life_event": "birth.registered"}, "proactiveMode"),  # says what
        (
            {"proactive": True, "life_event": "birth.registered", "proactive_mode": "SOMETIMES"},
            "proactiveMode",
        ),
        ({"proactive_mode": "NOTIFY"}, "proactiveMode"),  # only proactive cards have one
        (
            {
                "proactive": True,
                "life_event": "birth.registered",
                "proactive_mode": "NOTIFY",
                "reference_date": "07-01",
            },
            "referenceDate",
        ),  # a birth is not reckoned by a date
        (
            {
                "proactive": True,
                "life_event": "age.reached.6",
                "proactive_mode": "CONFIRM",
                "reference_date": "13-01",
            },
            "referenceDate",
        ),  # no 13th month
        (
            {
                "proactive": True,
                "life_event": "age.reached.6",
                "proactive_mode": "CONFIRM",
                "reference_date": "07-31",
            },
            "referenceDate",
        ),  # Mehr has 30 days
        ({"reference_date": "07-01"}, "referenceDate"),
    ],
)
def test_each_rule(changes: dict[str, object], field: str) -> None:
    assert fields_of(draft("card", "civil.birth", **changes)) == [field]


def test_a_proactive_card_runs_on_a_known_life_event_under_a_statute() -> None:
    proactive = draft(
        "newborn", "civil.birth", proactive=True, life_event="birth.registered",
        proactive_mode="NOTIFY",
    )  # fmt: skip
    assert fields_of(proactive) == []
    school = draft(
        "school", "civil.birth", proactive=True, life_event="age.reached.6",
        proactive_mode="CONFIRM", reference_date="07-01",
    )  # fmt: skip
    assert fields_of(school) == []
    on_consent = draft(
        "newborn", "civil.birth", proactive=True, life_event="birth.registered",
        legal_basis="consent", statute=None, proactive_mode="NOTIFY",
    )  # fmt: skip
    assert fields_of(on_consent) == ["legalBasis"]


def test_datasets_are_the_standards_or_planned_ones() -> None:
    every = [*(d.value for d in Dataset), *(d.value for d in PlannedDataset)]
    assert fields_of(draft("all", *every)) == []
    assert not {d.value for d in Dataset} & {d.value for d in PlannedDataset}


def test_the_legal_bases() -> None:
    # The card's legal basis is stored as the access log records it (lowercase).
    assert [basis.value for basis in CARD_BASES] == ["consent", "statute"]


def test_life_events() -> None:
    ids = [event.value for event in LifeEvent]
    assert {"birth.registered", "death.registered", "age.reached.6", "age.reached.18"} <= set(ids)
    assert LifeEvent.AGE_REACHED_6.age == 6 and LifeEvent.BIRTH_REGISTERED.age is None
    for event in LifeEvent:
        assert event.name_fa.strip() and event.name_en.strip()
    assert life_event("age.reached.18") is LifeEvent.AGE_REACHED_18
    assert life_event("age.reached.7") is None


def test_a_statutory_card_may_list_the_life_event_report_scope() -> None:
    reporting = draft("birth-reports", REPORT_SCOPE)
    assert fields_of(reporting) == []
    consent = draft("birth-reports", REPORT_SCOPE, legal_basis="consent", statute=None)
    assert "datasets" in fields_of(consent)
