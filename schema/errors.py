"""Errors as GraphQL answers carry them: a field nulled with its code, and the masked form
production shows."""

from __future__ import annotations

from graphql import GraphQLError

from standard.errors import PUBLIC_MESSAGES, ErrorCode


def field_error(code: ErrorCode, message: str, **details: object) -> GraphQLError:
    """A GraphQL error that nulls one field and names its cause in `extensions`."""
    return GraphQLError(message, extensions={"code": code.value, **details})


def masked(error: GraphQLError) -> GraphQLError:
    """The error as production shows it: its code and that code's generic message only (where
    it happened, `path` and `locations`, is kept; an uncoded error is INTERNAL_SERVER_ERROR)."""
    try:
        code = ErrorCode((error.extensions or {}).get("code"))
    except ValueError:
        code = ErrorCode.INTERNAL_SERVER_ERROR
    return GraphQLError(
        PUBLIC_MESSAGES[code],
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": code.value},
    )
