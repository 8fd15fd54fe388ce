"""A service card and what makes one valid: the service, its agency, the datasets it reads and
the legal basis it reads them under. Every problem of a card is reported at once.

`CardDraft` is the one declaration of a card's fields: the store's columns bear the same names
(the agency's is `agency_code`), and the registration history and the catalogue take the field
list from here. A problem names the field as the registration input does (`nameFa`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, replace
from typing import Any

from standard.datasets import Dataset, PlannedDataset
from standard.errors import Refused
from standard.life_events import REPORT_SCOPE, LifeEvent, life_event, reference_date
from standard.statuses import LegalBasis, ProactiveMode

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_ID = 64  # store.models.ServiceCard.id
MAX_NAME = 300
MAX_STATUTE = 300
MAX_PURPOSE = 2000  # a paragraph the consent screen shows
STANDARD_DATASETS: frozenset[str] = frozenset(dataset.value for dataset in Dataset)
PLANNED_DATASETS: frozenset[str] = frozenset(dataset.value for dataset in PlannedDataset)
# A card may also list the life event report scope: its client reports the agency's events.
KNOWN_DATASETS: frozenset[str] = STANDARD_DATASETS | PLANNED_DATASETS | {REPORT_SCOPE}


# What a service reads under: the citizen's consent, or a law (the card names it).
CARD_BASES: tuple[LegalBasis, ...] = (LegalBasis.CONSENT, LegalBasis.STATUTE)


@dataclass(frozen=True, slots=True)
class CardDraft:
    """A service card as an agency registers it (field names as the store's columns)."""

    id: str
    agency: str
    name_fa: str
    name_en: str
    datasets: tuple[str, ...]
    legal_basis: str
    purpose_fa: str = ""
    purpose_en: str = ""
    statute: str | None = None
    proactive: bool = False
    life_event: str | None = None
    # Proactive cards only: what the citizen is asked (standard.statuses.ProactiveMode), and for
    # an age event the Solar Hijri "MM-DD" date the age is reckoned by (1 Mehr: 07-01).
    proactive_mode: str | None = None
    reference_date: str | None = None

    def cleaned(self) -> CardDraft:
        """Surrounding blanks trimmed; a blank statute or life event is none."""
        return replace(
            self,
            id=self.id.strip(),
            name_fa=self.name_fa.strip(),
            name_en=self.name_en.strip(),
            purpose_fa=self.purpose_fa.strip(),
            purpose_en=self.purpose_en.strip(),
            datasets=tuple(dataset.strip() for dataset in self.datasets),
            statute=(self.statute or "").strip() or None,
            life_event=(self.life_event or "").strip() or None,
            proactive_mode=(self.proactive_mode or "").strip() or None,
            reference_date=(self.reference_date or "").strip() or None,
        )

    def content(self) -> dict[str, Any]:
        """The card's content (everything but id and agency), as stored and snapshotted."""
        content = {name: getattr(self, name) for name in CONTENT}
        content["datasets"] = list(self.datasets)  # JSON
        return content

    @classmethod
    def of(cls, card_id: str, agency: str, content: Mapping[str, Any]) -> CardDraft:
        """The card with `content` (a snapshot, or a store row's columns by name); what content
        leaves out takes its default (snapshots from before a field existed)."""
        given = {name: content[name] for name in CONTENT if name in content}
        given["datasets"] = tuple(given.get("datasets", ()))
        return cls(id=card_id, agency=agency, **given)


# The fields of a card's content, in declaration order.
CONTENT: tuple[str, ...] = tuple(
    field.name for field in dataclasses.fields(CardDraft) if field.name not in {"id", "agency"}
)


@dataclass(frozen=True, slots=True)
class Problem:
    field: str  # the registration input's name: id, nameFa, datasets, legalBasis, ...
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class CardInvalid(Refused):
    """A card with one or more problems; all of them, in field order (REGISTRATION_REFUSED,
    each problem as `field: message`)."""

    def __init__(self, card_id: str, problems: list[Problem]) -> None:
        listed = [str(problem) for problem in problems]
        super().__init__(listed, f"service card {card_id!r} is not valid: {'; '.join(listed)}")
        self.card_id = card_id
        self.found = problems


def problems(card: CardDraft, *, agencies: Container[str]) -> list[Problem]:
    """Everything wrong with `card` (an empty list when it is valid); `agencies` are the codes
    of the registered agencies."""
    found: list[Problem] = []

    def problem(field: str, message: str) -> None:
        found.append(Problem(field, message))

    if not ID_PATTERN.fullmatch(card.id) or len(card.id) > MAX_ID:
        problem(
            "id",
            f"{card.id!r} is not a slug: lower-case letters, digits and single hyphens, "
            f"at most {MAX_ID} characters",
        )
    for field, value in (("nameFa", card.name_fa), ("nameEn", card.name_en)):
        if not value.strip():
            problem(field, "must not be blank")
        elif len(value) > MAX_NAME:
            problem(field, f"at most {MAX_NAME} characters")
    for field, value in (("purposeFa", card.purpose_fa), ("purposeEn", card.purpose_en)):
        if len(value) > MAX_PURPOSE:
            problem(field, f"at most {MAX_PURPOSE} characters")
    if card.agency not in agencies:
        problem("agency", f"{card.agency!r} is not a registered agency")
    found += _dataset_problems(card.datasets)
    found += _basis_problems(card)
    return found


def check(card: CardDraft, *, agencies: Container[str]) -> CardDraft:
    """`card` cleaned, or CardInvalid naming every problem."""
    cleaned = card.cleaned()
    found = problems(cleaned, agencies=agencies)
    if found:
        raise CardInvalid(cleaned.id, found)
    return cleaned


def _dataset_problems(datasets: tuple[str, ...]) -> list[Problem]:
    if not datasets:
        return [Problem("datasets", "a service needs at least one dataset")]
    found: list[Problem] = []
    unknown = [dataset for dataset in datasets if dataset not in KNOWN_DATASETS]
    if unknown:
        known = ", ".join([*Dataset, *PlannedDataset])
        found.append(
            Problem(
                "datasets",
                f"not in the standard nor planned: {', '.join(map(repr, unknown))} "
                f"(known: {known})",
            )
        )
    twice = sorted({dataset for dataset in datasets if datasets.count(dataset) > 1})
    if twice:
        found.append(Problem("datasets", f"named more than once: {', '.join(twice)}"))
    return found


def _basis_problems(card: CardDraft) -> list[Problem]:
    found: list[Problem] = []
    bases = ", ".join(basis.value for basis in CARD_BASES)
    if card.legal_basis not in CARD_BASES:
        found.append(Problem("legalBasis", f"{card.legal_basis!r} is not one of {bases}"))
    if card.legal_basis == LegalBasis.STATUTE and not card.statute:
        found.append(Problem("statute", "a statutory service names its statute"))
    if REPORT_SCOPE in card.datasets and card.legal_basis != LegalBasis.STATUTE:
        found.append(Problem("datasets", f"{REPORT_SCOPE} is for a statutory card's client"))
    if card.legal_basis == LegalBasis.CONSENT and card.statute:
        found.append(Problem("statute", "a service read under consent names no statute"))
    if card.statute and len(card.statute) > MAX_STATUTE:
        found.append(Problem("statute", f"at most {MAX_STATUTE} characters"))
    found += _proactive_problems(card)
    return found


def _proactive_problems(card: CardDraft) -> list[Problem]:
    found: list[Problem] = []
    event = life_event(card.life_event) if card.life_event is not None else None
    if card.proactive:
        if card.life_event is None:
            found.append(
                Problem("lifeEvent", "a proactive service names the life event it runs on")
            )
        elif life_event(card.life_event) is None:
            known = ", ".join(LifeEvent)
            found.append(
                Problem("lifeEvent", f"{card.life_event!r} is not a life event (known: {known})")
            )
        if card.legal_basis == LegalBasis.CONSENT:
            found.append(
                Problem(
                    "legalBasis",
                    "a proactive service runs without the citizen asking, so it cannot rest on "
                    "consent: its legal basis must be a statute",
                )
            )
        modes = ", ".join(ProactiveMode)
        if card.proactive_mode is None:
            found.append(
                Problem("proactiveMode", f"a proactive service says what it asks ({modes})")
            )
        elif card.proactive_mode not in ProactiveMode.__members__:
            found.append(Problem("proactiveMode", f"{card.proactive_mode!r} is not one of {modes}"))
        if card.reference_date is not None:
            if event is not None and event.age is None:
                found.append(
                    Problem("referenceDate", "only a service on an age event has a reference date")
                )
            elif reference_date(card.reference_date) is None:
                found.append(
                    Problem(
                        "referenceDate",
                        f"{card.reference_date!r} is not a Solar Hijri month and day (MM-DD)",
                    )
                )
    else:
        for field, value in (
            ("lifeEvent", card.life_event),
            ("proactiveMode", card.proactive_mode),
            ("referenceDate", card.reference_date),
        ):
            if value is not None:
                found.append(Problem(field, "only a proactive service has one"))
    return found
