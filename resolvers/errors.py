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
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"  # what nobody decided, masked to its code


def field_error(code: ErrorCode, message: str, **details: object) -> GraphQLError:
    """A GraphQL error that nulls one field and names its cause in `extensions`."""
    return GraphQLError(message, extensions={"code": code.value, **details})
