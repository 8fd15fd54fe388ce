"""Why a consent is refused, or not found."""

from __future__ import annotations


class ConsentError(ValueError):
    """A consent the gateway refuses to record; `code` picks the citizen-facing message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class GuardianshipError(ConsentError):
    """The citizen may not act for this child. Codes: `no_record` (no birth record),
    `not_parent`, `adult` (18 or older on the day), `unavailable` (the civil registry could not
    be read; try again later)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, reason)
        self.reason = reason


class ConsentNotFound(LookupError):
    """No such consent, or not the asking citizen's (the two are indistinguishable on purpose)."""
