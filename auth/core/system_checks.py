"""The gateway's own reads of citizen data, as the rest of auth/ asks for them: which check a read
is for, and the death check every part of auth/ consults (implemented by
resolvers/system_reads.py, which passes each read through the access decision and the log)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from standard.errors import DarvazehError, ErrorCode


class CitizenCheck(StrEnum):
    """When the gateway reads a citizen's record by itself. The access log names it as the read's
    case reference, beside the statute that allows it."""

    LOGIN = "login-death-check"
    CONSENT = "consent-death-check"
    TOKEN = "token-death-check"
    # A parent consenting for a child, or reading the child's access log: the birth record says
    # whether they are the parent and the child a minor.
    CONSENT_GUARDIAN = "consent-guardianship-check"
    TRACKER_GUARDIAN = "tracker-guardianship-check"
    # A reported life event: the reporting registry must hold the record that proves it.
    LIFE_EVENT = "life-event-evidence-check"
    # The daily age scan: the birth dates of those born on one day, years before.
    AGE_SCAN = "age-scan"


class DeathCheckUnavailable(DarvazehError):
    """The civil registry could not say whether the citizen is alive: refuse for now."""

    code = ErrorCode.SOURCE_UNAVAILABLE


class DeathCheck(Protocol):
    async def deceased(self, national_ids: Sequence[str], check: CitizenCheck) -> frozenset[str]:
        """Those of `national_ids` whose death is registered; their access is ended before this
        returns. Raises DeathCheckUnavailable when the civil registry cannot tell."""
        ...
