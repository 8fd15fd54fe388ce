"""Requests allowed per fixed window, for each key (docs/rate-limits.md)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from settings.environment import integer


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Requests allowed per fixed window of `window` seconds, for each key.

    A service or admin client's own values (`graphql`, `oauth`) may be registered on the client,
    up to the ceilings here; everything else is per deployment.
    """

    window: int = integer("GATEWAY_RATE_LIMIT_WINDOW", 60)
    # /graphql, per client (service or agency admin token).
    client: int = integer("GATEWAY_RATE_LIMIT_CLIENT", 600)
    client_ceiling: int = integer("GATEWAY_RATE_LIMIT_CLIENT_MAX", 6000)
    # /graphql, per citizen behind the request: a portal session, or consent tokens of any client.
    citizen: int = integer("GATEWAY_RATE_LIMIT_CITIZEN", 120)
    # /graphql, reads about one citizen (the subjects of citizen/citizens/me), over every client.
    subject: int = integer("GATEWAY_RATE_LIMIT_SUBJECT", 120)
    # /graphql without a valid token, per client address.
    anonymous: int = integer("GATEWAY_RATE_LIMIT_ANONYMOUS", 120)
    # /oauth/token and /oauth/par (each), per authenticated client.
    oauth: int = integer("GATEWAY_RATE_LIMIT_OAUTH", 60)
    oauth_ceiling: int = integer("GATEWAY_RATE_LIMIT_OAUTH_MAX", 600)
    # /oauth/token and /oauth/par, unauthenticated or failed attempts per client address.
    oauth_address: int = integer("GATEWAY_RATE_LIMIT_OAUTH_ADDRESS", 60)
    # POST /login, per (national code tried, client address), and per client address.
    login: int = integer("GATEWAY_RATE_LIMIT_LOGIN", 10)
    login_address: int = integer("GATEWAY_RATE_LIMIT_LOGIN_ADDRESS", 60)

    def __post_init__(self) -> None:
        for item in fields(self):
            if getattr(self, item.name) < 1:
                raise ValueError(f"rate limit {item.name} must be at least 1")
