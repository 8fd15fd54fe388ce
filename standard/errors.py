"""The error codes clients see (`extensions.code` in GraphQL answers), their public messages,
and the one exception every refusal and failure of the gateway derives from."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    CONSENT_REVOKED = "CONSENT_REVOKED"
    SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE"
    INVALID_NATIONAL_ID = "INVALID_NATIONAL_ID"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    AUDIT_UNAVAILABLE = "AUDIT_UNAVAILABLE"
    REGISTRATION_REFUSED = "REGISTRATION_REFUSED"
    # The HTTP edge refuses these before a document is parsed, validated or run.
    BAD_REQUEST = "BAD_REQUEST"  # a body that is not a GraphQL request (bad JSON, not an object)
    BODY_TOO_LARGE = "BODY_TOO_LARGE"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"  # a mutation sent with GET; a method but GET or POST
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    QUERY_TOO_LARGE = "QUERY_TOO_LARGE"  # too many tokens
    TOO_MANY_DIRECTIVES = "TOO_MANY_DIRECTIVES"
    TOO_MANY_OPERATIONS = "TOO_MANY_OPERATIONS"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    TOO_MANY_ROOT_FIELDS = "TOO_MANY_ROOT_FIELDS"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"  # the cost estimate exceeds the client's budget
    RATE_LIMITED = "RATE_LIMITED"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_REQUIRED = "PERSISTED_QUERY_REQUIRED"  # production: safelisted documents only
    INVALID_CASE_REFERENCE = "INVALID_CASE_REFERENCE"
    # A proactive service case whose mode or state takes no such answer (a notice, a closed case).
    CASE_NOT_ANSWERABLE = "CASE_NOT_ANSWERABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"  # what nobody decided, masked to its code
    # A life event report (GraphQL or NATS): malformed; of a kind the reporter does not own; about
    # a citizen the owner's registry does not hold; an event id already used for another event.
    LIFE_EVENT_INVALID = "LIFE_EVENT_INVALID"
    LIFE_EVENT_NOT_OWNED = "LIFE_EVENT_NOT_OWNED"
    LIFE_EVENT_NOT_HELD = "LIFE_EVENT_NOT_HELD"
    LIFE_EVENT_CONFLICT = "LIFE_EVENT_CONFLICT"


# What a client is told in production, where errors are masked down to their code: one generic
# sentence per code, never the details (ids, hosts, reasons) of the error it replaces.
PUBLIC_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.UNAUTHENTICATED: "Authentication required.",
    ErrorCode.FORBIDDEN: "Not allowed.",
    ErrorCode.CONSENT_REQUIRED: "The citizen's consent is required.",
    ErrorCode.CONSENT_REVOKED: "The citizen's consent was revoked.",
    ErrorCode.SOURCE_UNAVAILABLE: "The data source is unavailable.",
    ErrorCode.INVALID_NATIONAL_ID: "Invalid national code.",
    ErrorCode.BAD_USER_INPUT: "Invalid input.",
    ErrorCode.NOT_FOUND: "Not found.",
    ErrorCode.AUDIT_UNAVAILABLE: "The access log is unavailable.",
    ErrorCode.REGISTRATION_REFUSED: "Registration refused.",
    ErrorCode.BAD_REQUEST: "Bad request.",
    ErrorCode.BODY_TOO_LARGE: "Request body too large.",
    ErrorCode.METHOD_NOT_ALLOWED: "Method not allowed.",
    ErrorCode.GRAPHQL_PARSE_FAILED: "The document could not be parsed.",
    ErrorCode.GRAPHQL_VALIDATION_FAILED: "The document is not valid.",
    ErrorCode.QUERY_TOO_LARGE: "The document is too large.",
    ErrorCode.TOO_MANY_DIRECTIVES: "Too many directives.",
    ErrorCode.TOO_MANY_OPERATIONS: "Too many operations.",
    ErrorCode.QUERY_TOO_DEEP: "The query is too deep.",
    ErrorCode.TOO_MANY_ALIASES: "Too many aliases.",
    ErrorCode.TOO_MANY_ROOT_FIELDS: "Too many root fields.",
    ErrorCode.QUERY_TOO_COMPLEX: "The query is too complex.",
    ErrorCode.RATE_LIMITED: "Too many requests.",
    ErrorCode.PERSISTED_QUERY_NOT_FOUND: "PersistedQueryNotFound",
    ErrorCode.PERSISTED_QUERY_REQUIRED: "Only persisted queries are accepted.",
    ErrorCode.INVALID_CASE_REFERENCE: "Invalid case reference.",
    ErrorCode.CASE_NOT_ANSWERABLE: "This service case cannot be answered so.",
    ErrorCode.INTERNAL_SERVER_ERROR: "Internal server error.",
    ErrorCode.LIFE_EVENT_INVALID: "Invalid life event report.",
    ErrorCode.LIFE_EVENT_NOT_OWNED: "This life event is not yours to report.",
    ErrorCode.LIFE_EVENT_NOT_HELD: "The registry does not hold this record.",
    ErrorCode.LIFE_EVENT_CONFLICT: "This event id was already used for another event.",
}


class DarvazehError(Exception):
    """A refusal or failure with its code: the GraphQL layer turns it into `extensions.code` (and
    `details` into the other extensions) in one place, and the HTTP edge its status."""

    code: ErrorCode = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(
        self, message: str | None = None, *, code: ErrorCode | None = None, **details: object
    ) -> None:
        if code is not None:
            self.code = code
        # Without a message of its own, the error says its code's generic sentence.
        self.message = message if message is not None else PUBLIC_MESSAGES[self.code]
        super().__init__(self.message)
        self.details = details


class Refused(DarvazehError):
    """A registration refused, naming every problem at once (`problems`, each `field: message`)."""

    code = ErrorCode.REGISTRATION_REFUSED

    def __init__(self, problems: Iterable[str], message: str | None = None) -> None:
        listed = list(problems) or [message or "refused"]
        super().__init__(message or "; ".join(listed), problems=listed)
        self.problems = listed
