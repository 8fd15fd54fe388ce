"""Token endpoint outcomes for the operators' metrics: which grant was asked for, how it ended."""

from __future__ import annotations

import json
from collections.abc import Collection

from starlette.responses import Response

from observability import metrics
from observability.labels import OTHER

ISSUED = "issued"
# RFC 6749 §5.2, RFC 7009, RFC 9126 (PAR), RFC 9449 (DPoP): every error the endpoint can answer.
ERRORS = (
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "invalid_dpop_proof",
    "use_dpop_nonce",
    "access_denied",
    "server_error",
    "temporarily_unavailable",
)
OUTCOMES = (ISSUED, *ERRORS)


def observed(grant_type: str | None, supported: Collection[str], response: Response) -> Response:
    """Count the answer under its grant type (a supported one, `other` or `none`) and outcome."""
    grant = grant_type if grant_type is None or grant_type in supported else OTHER
    metrics.record_token_request(grant, _outcome(response))
    return response


def _outcome(response: Response) -> str:
    if response.status_code == 200:
        return ISSUED
    try:
        error = json.loads(bytes(response.body)).get("error")
    except (ValueError, AttributeError):
        return OTHER
    return error if isinstance(error, str) and error in ERRORS else OTHER
