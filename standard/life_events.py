"""Life events: what happened to a citizen that lets the government act without being asked (a
registered birth enrols the newborn in health insurance; a child turning 6 is introduced to a
school). The one list of them, with their Persian and English names, who may report each and the
record that proves it.

Two come from the agency that owns the fact (it reports them, with its own event id); the
`age.reached.N` events come from the gateway's daily scan of the civil registry's birth dates.
"""

from __future__ import annotations

import re
from enum import StrEnum

from standard.datasets import RecordType


class LifeEvent(StrEnum):
    BIRTH_REGISTERED = "birth.registered"
    DEATH_REGISTERED = "death.registered"
    AGE_REACHED_6 = "age.reached.6"
    AGE_REACHED_15 = "age.reached.15"
    AGE_REACHED_18 = "age.reached.18"
    AGE_REACHED_60 = "age.reached.60"

    @property
    def name_fa(self) -> str:
        return _NAMES[self][0]

    @property
    def name_en(self) -> str:
        return _NAMES[self][1]

    @property
    def age(self) -> int | None:
        """The age an `age.reached.N` event fires at; None for other events."""
        prefix, _, years = self.value.rpartition(".")
        return int(years) if prefix == "age.reached" else None

    @property
    def evidence(self) -> RecordType | None:
        """The record whose owner reports this event and that must hold it (a birth needs the
        child's birth record, a death the death record); None for events the gateway derives."""
        return _EVIDENCE.get(self)

    @property
    def reported(self) -> bool:
        """Whether an agency reports this event (else the gateway's age scan makes it)."""
        return self in _EVIDENCE


_NAMES: dict[LifeEvent, tuple[str, str]] = {
    LifeEvent.BIRTH_REGISTERED: ("ثبت ولادت", "Birth registered"),
    LifeEvent.DEATH_REGISTERED: ("ثبت فوت", "Death registered"),
    LifeEvent.AGE_REACHED_6: ("رسیدن به ۶ سالگی", "Turned 6"),
    LifeEvent.AGE_REACHED_15: ("رسیدن به ۱۵ سالگی", "Turned 15"),
    LifeEvent.AGE_REACHED_18: ("رسیدن به ۱۸ سالگی", "Turned 18"),
    LifeEvent.AGE_REACHED_60: ("رسیدن به ۶۰ سالگی", "Turned 60"),
}

_EVIDENCE: dict[LifeEvent, RecordType] = {
    LifeEvent.BIRTH_REGISTERED: RecordType.BIRTH,
    LifeEvent.DEATH_REGISTERED: RecordType.DEATH,
}

AGE_EVENTS: tuple[LifeEvent, ...] = tuple(event for event in LifeEvent if event.age is not None)
REPORTED_EVENTS: tuple[LifeEvent, ...] = tuple(_EVIDENCE)

# The scope on an agency's service card that lets its client report the events it owns.
REPORT_SCOPE = "life_events.report"
# An agency's own event id: printable, no blanks, bounded (it is the idempotency key).
EVENT_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
MAX_EVENT_ID = 128
# A reference date on a proactive card: a Solar Hijri month and day, "MM-DD" (1 Mehr is 07-01).
REFERENCE_DATE_PATTERN = re.compile(r"(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


def life_event(value: str) -> LifeEvent | None:
    """The life event named `value`, or None if there is no such event."""
    try:
        return LifeEvent(value)
    except ValueError:
        return None


def reference_date(value: str) -> tuple[int, int] | None:
    """(month, day) of a Solar Hijri "MM-DD" reference date, or None if it is not one (months
    7 to 11 have 30 days, Esfand 29 or 30)."""
    match = REFERENCE_DATE_PATTERN.fullmatch(value)
    if match is None:
        return None
    month, day = int(match[1]), int(match[2])
    if day > (31 if month <= 6 else 30):
        return None
    return month, day
