"""Errors as GraphQL answers carry them.

Everything below the schema raises `standard.errors.DarvazehError` (or a subclass): `with_code`
turns it into the answer's `extensions.code`, its details into the other extensions, once for
every field (`DarvazehSchema.process_errors`). `field_error` is for the few refusals only GraphQL
knows about (a malformed federation representation, a query over its limits); `masked` is the
form production shows.
"""

from __future__ import annotations

from graphql import GraphQLError

from standard.errors import PUBLIC_MESSAGES, DarvazehError, ErrorCode


def field_error(code: ErrorCode, message: str, **details: object) -> GraphQLError:
    """A GraphQL error that nulls one field and names its cause in `extensions`."""
    return GraphQLError(message, extensions={"code": code.value, **details})


def with_code(error: GraphQLError) -> bool:
    """Give `error` its `extensions.code`; False when it is a fault of ours, answered
    INTERNAL_SERVER_ERROR (the caller logs it).

    A DarvazehError raised anywhere below carries its code and details. graphql-core's own
    request errors (a variable of the wrong type) are the client's: BAD_USER_INPUT. Anything
    else, a DarvazehError that names no code included, is a fault nobody decided.
    """
    extensions = error.extensions or {}
    raised = error.original_error
    if isinstance(raised, DarvazehError) and raised.code is not ErrorCode.INTERNAL_SERVER_ERROR:
        error.extensions = {**extensions, "code": raised.code.value, **raised.details}
        return True
    if extensions.get("code"):
        return True
    from_graphql = raised is None or isinstance(raised, GraphQLError)
    if from_graphql and not error.path:
        error.extensions = {**extensions, "code": ErrorCode.BAD_USER_INPUT.value}
        return True
    error.extensions = {**extensions, "code": ErrorCode.INTERNAL_SERVER_ERROR.value}
    return False


def masked(error: GraphQLError) -> GraphQLError:
    """The error as production shows it: its code and that code's generic message only (where
    it happened, `path` and `locations`, is kept; an uncoded error is INTERNAL_SERVER_ERROR)."""
    try:
        code = ErrorCode(str((error.extensions or {}).get("code")))
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
