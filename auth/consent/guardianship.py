"""A parent's right to act for a minor child (consent for them, read their access log), decided
from the civil registry's birth record, never from anything the browser sends.

The birth record is read by the gateway itself, as a system read through the access decision and
the access log (`BirthRecords`, implemented in resolvers/system_reads.py): this package never
calls a data source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from auth.consent.errors import GuardianshipError
from auth.consent.national_time import AGE_OF_MAJORITY, add_years
from auth.core.system_checks import CitizenCheck
from standard.errors import DarvazehError, ErrorCode


@dataclass(frozen=True, slots=True)
class BirthFacts:
    """What a guardianship check needs of a birth record."""

    born: date | None
    father: str | None
    mother: str | None


class BirthRecordUnavailable(DarvazehError):
    """The civil registry could not answer (or the read was refused); the message is safe to
    show."""

    code = ErrorCode.SOURCE_UNAVAILABLE


class BirthRecords(Protocol):
    async def birth(self, child: str, check: CitizenCheck) -> BirthFacts | None:
        """The child's birth record, None when the registry holds none; each read is decided
        and logged. Raises BirthRecordUnavailable when it cannot be read."""
        ...


async def child_birth(
    births: BirthRecords, *, parent: str, child: str, on: date, check: CitizenCheck
) -> date:
    """The child's birth date, once the parent link and minority on `on` are established."""
    try:
        record = await births.birth(child, check)
    except BirthRecordUnavailable as error:
        raise GuardianshipError("unavailable", f"the civil registry failed: {error}") from None
    if record is None:
        raise GuardianshipError("no_record", "the civil registry holds no birth record for them")
    if parent not in (record.father, record.mother):
        raise GuardianshipError("not_parent", "the birth record does not name you as a parent")
    if record.born is None:
        raise GuardianshipError("unavailable", "the birth record has no date of birth")
    if on >= add_years(record.born, AGE_OF_MAJORITY):
        raise GuardianshipError("adult", "the child is 18 or older: they consent for themselves")
    return record.born


async def check_guardian(
    births: BirthRecords, *, parent: str, child: str, on: date, check: CitizenCheck
) -> None:
    """Raise GuardianshipError unless `parent` is a parent of `child`, who is under 18 on `on`."""
    await child_birth(births, parent=parent, child=child, on=on, check=check)
