"""The HTTP status of every GraphQL answer, from the codes of its errors: the one place where
error codes become statuses (docs/query-limits.md).

- Refused at the edge before anything ran (`REFUSED`), whatever the media type.
- A request error (nothing ran, no `data`): `REFUSED`, else `REQUEST_ERRORS` with
  application/graphql-response+json only; the GraphQL-over-HTTP spec keeps application/json at 200
  for a well-formed request, for the clients that read only a 200's body.
- A request that ran (`RAN_REFUSED`): 503 when the access log could not be written, 400 or 401
  (with the challenge the request's authentication produced) when a root field was refused for a
  malformed case reference or for want of a valid token, 429 (with Retry-After) when reading
  about a citizen was over its limit; 200 otherwise, partial data or not.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from auth.resource.authenticate import challenge as auth_challenge
from standard.errors import ErrorCode

# Refused before the request was a GraphQL request, or by the gateway's limits.
REFUSED: dict[str, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.BODY_TOO_LARGE: 413,
    ErrorCode.QUERY_TOO_LARGE: 400,
    ErrorCode.TOO_MANY_DIRECTIVES: 400,
    ErrorCode.TOO_MANY_OPERATIONS: 400,
    ErrorCode.QUERY_TOO_DEEP: 400,
    ErrorCode.TOO_MANY_ALIASES: 400,
    ErrorCode.TOO_MANY_ROOT_FIELDS: 400,
    ErrorCode.QUERY_TOO_COMPLEX: 400,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.PERSISTED_QUERY_REQUIRED: 400,
    # 200: Apollo's clients then resend the document (on a 400 they would stop trying).
    ErrorCode.PERSISTED_QUERY_NOT_FOUND: 200,
}
# A well-formed request that could not run; any other code of such a request is a 400.
REQUEST_ERRORS: dict[str, int] = {
    ErrorCode.GRAPHQL_PARSE_FAILED: 400,
    ErrorCode.GRAPHQL_VALIDATION_FAILED: 400,
    ErrorCode.BAD_USER_INPUT: 400,
    ErrorCode.INTERNAL_SERVER_ERROR: 500,
}

# Refusals while the request ran: the first of these codes found in the answer sets its status,
# whatever the media type. UNAUTHENTICATED and INVALID_CASE_REFERENCE count only at the root,
# where the request itself was refused (nothing below a root field asks for a token).
RAN_REFUSED: dict[str, int] = {
    ErrorCode.AUDIT_UNAVAILABLE: 503,  # nothing read is answered without its records
    ErrorCode.INVALID_CASE_REFERENCE: 400,
    ErrorCode.UNAUTHENTICATED: 401,  # with WWW-Authenticate
    ErrorCode.RATE_LIMITED: 429,  # with Retry-After
}
_AT_ROOT_ONLY = frozenset({ErrorCode.INVALID_CASE_REFERENCE, ErrorCode.UNAUTHENTICATED})
# The challenge of a request that sent no token at all (a refused token has its own).
NO_TOKEN_CHALLENGE = auth_challenge(None)


def request_error_status(errors: list[Any], *, graphql_response: bool) -> int:
    """The HTTP status of an answer with no `data`, from its errors' codes (`graphql_response`:
    answered as application/graphql-response+json)."""
    codes = [
        error.get("extensions", {}).get("code") if isinstance(error, dict) else None
        for error in errors
    ]
    for code in codes:
        if code in REFUSED:
            return REFUSED[code]
    if not graphql_response:
        return 200
    return max((REQUEST_ERRORS.get(code or "", 400) for code in codes), default=400)


def _at_root(error: GraphQLError) -> bool:
    """The error nulled a root field (or one item of a root list, e.g. `_entities`)."""
    path = error.path or []
    return len(path) == 1 or (len(path) == 2 and isinstance(path[1], int))


def ran_refused(errors: list[GraphQLError]) -> ErrorCode | None:
    """The code in `RAN_REFUSED` that sets the status of an answer with these errors, if any."""
    found: set[str] = set()
    for error in errors:
        code = (error.extensions or {}).get("code")
        if code in RAN_REFUSED and (code not in _AT_ROOT_ONLY or _at_root(error)):
            found.add(code)
    return next((ErrorCode(code) for code in RAN_REFUSED if code in found), None)


def refusal_headers(
    code: ErrorCode, *, challenge: str | None = None, retry_after: int | None = None
) -> dict[str, str]:
    """The headers a refusal's status needs: the challenge the request's authentication produced
    (None: no token was sent), the longest wait a rate-limit refusal named."""
    if code is ErrorCode.UNAUTHENTICATED:
        return {"WWW-Authenticate": challenge or NO_TOKEN_CHALLENGE}
    if code is ErrorCode.RATE_LIMITED and retry_after is not None:
        return {"Retry-After": str(retry_after)}
    return {}
