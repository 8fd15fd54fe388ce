"""Why a consent is refused, or not found."""

from __future__ import annotations

from standard.errors import DarvazehError, ErrorCode


class ConsentError(DarvazehError):
    """A consent the gateway refuses to record or change; `kind` picks the citizen-facing
    message, and is the GraphQL error's `reason` (e.g. `no_datasets`: revoke it instead)."""

    code = ErrorCode.BAD_USER_INPUT

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message, code=_CODES.get(kind, ErrorCode.BAD_USER_INPUT), reason=kind)
        self.kind = kind


class GuardianshipError(ConsentError):
    """The citizen may not act for this child. Kinds: `no_record` (no birth record),
    `not_parent`, `adult` (18 or older on the day), `unavailable` (the civil registry could not
    be read; try again later)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(kind, reason)
        self.reason = reason


# A refusal's code by its kind; any other kind is the citizen's BAD_USER_INPUT.
_CODES = {
    "invalid_national_id": ErrorCode.INVALID_NATIONAL_ID,
    "unavailable": ErrorCode.SOURCE_UNAVAILABLE,
    "no_record": ErrorCode.FORBIDDEN,
    "not_parent": ErrorCode.FORBIDDEN,
    "adult": ErrorCode.FORBIDDEN,
}


class ConsentNotFound(DarvazehError):
    """No such consent, or not the asking citizen's (the two are indistinguishable on purpose)."""

    code = ErrorCode.NOT_FOUND

    def __init__(self, consent_id: str) -> None:
        super().__init__("you have no consent with this id")
        self.consent_id = consent_id
