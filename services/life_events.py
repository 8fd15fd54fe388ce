"""The life events a proactive service may run on: what happened to a citizen that lets the
government act without being asked (a registered birth enrols the newborn in health insurance; a
child turning 6 is introduced to a school).

This is the one list of them; each has its Persian and English name here.
"""

from __future__ import annotations

from enum import StrEnum


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


_NAMES: dict[LifeEvent, tuple[str, str]] = {
    LifeEvent.BIRTH_REGISTERED: ("ثبت ولادت", "Birth registered"),
    LifeEvent.DEATH_REGISTERED: ("ثبت فوت", "Death registered"),
    LifeEvent.AGE_REACHED_6: ("رسیدن به ۶ سالگی", "Turned 6"),
    LifeEvent.AGE_REACHED_15: ("رسیدن به ۱۵ سالگی", "Turned 15"),
    LifeEvent.AGE_REACHED_18: ("رسیدن به ۱۸ سالگی", "Turned 18"),
    LifeEvent.AGE_REACHED_60: ("رسیدن به ۶۰ سالگی", "Turned 60"),
}


def life_event(value: str) -> LifeEvent | None:
    """The life event named `value`, or None if there is no such event."""
    try:
        return LifeEvent(value)
    except ValueError:
        return None
