"""The error codes clients see in `extensions.code`, and how a denied or failed field says so."""

from __future__ import annotations

from enum import StrEnum

from graphql import GraphQLError


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


def field_error(code: ErrorCode, message: str, **details: object) -> GraphQLError:
    """A GraphQL error that nulls one field and names its cause in `extensions`."""
    return GraphQLError(message, extensions={"code": code.value, **details})
