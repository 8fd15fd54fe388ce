"""Rate limits shared by every worker: fixed windows counted in Redis (`limits`) when configured,
in the gateway store otherwise (leased, so a busy key costs no store write per request).

Bottom layer: knows keys and numbers, nothing of HTTP, GraphQL or OAuth."""

from ratelimit.addresses import address_key
from ratelimit.counting import Counter, Hit, Verdict
from ratelimit.leases import LeasedCounter
from ratelimit.limiter import Limiter, Rate, Refusal
from ratelimit.redis_counter import RedisCounter
from ratelimit.refusals import note_refusal

__all__ = [
    "Counter",
    "Hit",
    "LeasedCounter",
    "Limiter",
    "Rate",
    "RedisCounter",
    "Refusal",
    "Verdict",
    "address_key",
    "note_refusal",
]
