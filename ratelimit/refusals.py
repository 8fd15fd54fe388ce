"""Every rate-limit refusal passes here: one place to count them."""

from __future__ import annotations

import logging

from observability import metrics

logger = logging.getLogger("darvazeh.ratelimit")


def note_refusal(endpoint: str, kind: str) -> None:
    """One request refused at `endpoint` (graphql, oauth_token, oauth_par, login) because its
    `kind` of key (client, citizen, subject, address, ...) is over its limit."""
    logger.info("rate limited: %s by %s", endpoint, kind)
    metrics.record_rate_limited(f"{endpoint}:{kind}")
