"""What each endpoint counts a request against (docs/rate-limits.md), and the per-client limits
registered on OAuth clients.

- /graphql: the client (service or agency admin token); the citizen behind a consent token or a
  portal session; the client address when there is no valid token; and, as the query resolves,
  each citizen it reads about (`subject`), over every client.
- /oauth/token, /oauth/par: the client named by the request, and the client address. Once the
  request is answered, the attempt stays counted on only one of them: the client's key if it
  authenticated, the address's if not, so nobody can spend a client's allowance by naming it.
- POST /login: the national code tried at the client address, and the address.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.core.principal import Basis, Principal
from ratelimit import LeasedCounter, Limiter, Rate, RedisCounter, Refusal, address_key
from settings import RateLimits, Settings
from store.models import OAuthClient
from store.rate_counters import StoreStorage

GRAPHQL = "graphql"
OAUTH_TOKEN = "oauth_token"
OAUTH_PAR = "oauth_par"
LOGIN = "login"

CLIENT = "client"
CITIZEN = "citizen"
SUBJECT = "subject"
ADDRESS = "address"
ACCOUNT = "account"  # a national code tried at /login, from one address

MAX_IDENT = 100  # a key's identifying part (client ids and addresses are shorter)


@dataclass(frozen=True, slots=True)
class ClientRateCeilings:
    """The most an agency may register for one client (settings), per window."""

    graphql: int
    oauth: int

    def problems(self, graphql: int | None, oauth: int | None) -> list[str]:
        found: list[str] = []
        for name, value, ceiling in (
            ("graphqlRateLimit", graphql, self.graphql),
            ("oauthRateLimit", oauth, self.oauth),
        ):
            if value is not None and not 1 <= value <= ceiling:
                found.append(f"{name} must be between 1 and {ceiling}, not {value}")
        return found


@dataclass(frozen=True, slots=True)
class ClientRateLimits:
    graphql: int | None = None
    oauth: int | None = None


class ClientLimits:
    """The limits registered on OAuth clients, re-read at most every `ttl` seconds: one small
    query for every client that has its own, never a store read per request."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], ttl: float) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._limits: dict[str, ClientRateLimits] = {}
        self._loaded_at = -float("inf")
        self._lock = asyncio.Lock()

    async def of(self, client_id: str) -> ClientRateLimits:
        if time.monotonic() - self._loaded_at > self._ttl:
            async with self._lock:  # one reload, however many requests notice it is due
                if time.monotonic() - self._loaded_at > self._ttl:
                    await self._load()
        return self._limits.get(client_id, ClientRateLimits())

    async def _load(self) -> None:
        graphql, oauth = OAuthClient.graphql_rate_limit, OAuthClient.oauth_rate_limit
        query = select(OAuthClient.client_id, graphql, oauth).where(
            or_(graphql.is_not(None), oauth.is_not(None))
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        self._limits = {row[0]: ClientRateLimits(row[1], row[2]) for row in rows}
        self._loaded_at = time.monotonic()


def _ident(value: str) -> str:
    return value[:MAX_IDENT]


class RatePolicy:
    def __init__(self, limiter: Limiter, limits: RateLimits, clients: ClientLimits) -> None:
        self.limiter = limiter
        self.limits = limits
        self.clients = clients

    @property
    def window(self) -> int:
        return self.limits.window

    @property
    def ceilings(self) -> ClientRateCeilings:
        return ClientRateCeilings(self.limits.client_ceiling, self.limits.oauth_ceiling)

    # -- /graphql ---------------------------------------------------------------------------------

    async def graphql_request(self, principal: Principal | None, address: str) -> Refusal | None:
        """Counted when the token has been checked, before the document is even parsed."""
        rates: list[Rate] = []
        if principal is None:
            rates.append(Rate(ADDRESS, _ident(address_key(address)), self.limits.anonymous))
        elif principal.basis is Basis.CITIZEN:
            # The portal is one client for every citizen: each citizen is limited, not it.
            rates.append(Rate(CITIZEN, _ident(principal.citizen or ""), self.limits.citizen))
        else:
            registered = (await self.clients.of(principal.client_id)).graphql
            limit = registered or self.limits.client
            rates.append(Rate(CLIENT, _ident(principal.client_id), limit))
            if principal.basis is Basis.CONSENT and principal.citizen:
                rates.append(Rate(CITIZEN, _ident(principal.citizen), self.limits.citizen))
        return await self.limiter.take(GRAPHQL, rates)

    async def graphql_subjects(self, subjects: list[str]) -> list[Refusal | None]:
        """One count for each citizen a request reads about (canonical national codes), in one
        round trip (one statement on the store) for the whole batch."""
        rates = [Rate(SUBJECT, subject, self.limits.subject) for subject in subjects]
        return await self.limiter.take_each(GRAPHQL, rates)

    # -- /oauth/token and /oauth/par --------------------------------------------------------------

    async def oauth_attempt(
        self, endpoint: str, client_id: str | None, address: str
    ) -> tuple[list[Rate], Refusal | None]:
        """Count an attempt against the client it names and the address it comes from."""
        rates = [Rate(ADDRESS, _ident(address_key(address)), self.limits.oauth_address)]
        if client_id:
            registered = (await self.clients.of(client_id)).oauth
            rates.append(Rate(CLIENT, _ident(client_id), registered or self.limits.oauth))
        return rates, await self.limiter.take(endpoint, rates)

    async def oauth_settle(self, endpoint: str, rates: Sequence[Rate], authenticated: bool) -> None:
        """Leave the attempt on the client's key if it authenticated, else on the address's."""
        for rate in rates:
            if (rate.kind == CLIENT) != authenticated:
                await self.limiter.give_back(endpoint, rate)

    # -- /login -----------------------------------------------------------------------------------

    async def login_attempt(self, national_id: str, address: str) -> Refusal | None:
        return await self.limiter.take(
            LOGIN,
            [
                Rate(ACCOUNT, _ident(f"{address_key(address)}/{national_id}"), self.limits.login),
                Rate(ADDRESS, _ident(address_key(address)), self.limits.login_address),
            ],
        )


def build_rate_policy(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> tuple[RatePolicy, StoreStorage]:
    """The policy over Redis (when configured, with the store as its fallback) or the store;
    and the store's counters, whose ended windows the maintenance loop purges."""
    storage = StoreStorage(sessions)
    in_store = LeasedCounter(storage)
    window, prefix = settings.rate_limits.window, settings.rate_limit_prefix
    limiter = Limiter(in_store, window=window, prefix=prefix)
    if settings.redis_url:
        in_redis = RedisCounter(settings.redis_url, key_prefix=prefix)
        limiter = Limiter(in_redis, window=window, prefix=prefix, fallback=in_store)
    clients = ClientLimits(sessions, ttl=settings.reload_interval)
    return RatePolicy(limiter, settings.rate_limits, clients), storage
