"""The proactive engine: where life events come in, how workers claim and retry them, the daily
age scan, and how cases reach their agencies (docs/proactive.md)."""

from __future__ import annotations

from dataclasses import dataclass

from settings.environment import integer, number, switch, text
from standard.records import MAX_SOURCE_BATCH


@dataclass(frozen=True, slots=True)
class ProactiveSettings:
    # Run the engine's workers (outbox, age scan, webhook deliveries) inside the gateway process.
    # Off: run `python -m services.proactive` beside it (as many as wanted, sharing PostgreSQL).
    in_process: bool = switch("GATEWAY_PROACTIVE_IN_PROCESS", True)
    # Life events on NATS JetStream: the server, the stream and the subject prefix (one subject
    # per agency: `<prefix>.<agency code>`). Empty URL: GraphQL reports only.
    nats_url: str = text("GATEWAY_NATS_URL", "")
    nats_stream: str = text("GATEWAY_NATS_STREAM", "DARVAZEH_LIFE_EVENTS")
    nats_subject_prefix: str = text("GATEWAY_NATS_SUBJECT_PREFIX", "darvazeh.life_events")
    # Outbox workers: events claimed per batch, seconds between polls when idle, seconds a claim
    # lasts before another worker may take the events over (a worker killed mid-batch).
    batch_size: int = integer("GATEWAY_PROACTIVE_BATCH", 100)
    poll_interval: float = number("GATEWAY_PROACTIVE_POLL_INTERVAL", 1.0)
    lease: float = number("GATEWAY_PROACTIVE_LEASE", 60.0)
    # Retries: the n-th failure waits about base * 2^n seconds (at most `backoff_max`, with
    # jitter); after `max_attempts` failures the event is a dead letter its agencies may replay.
    max_attempts: int = integer("GATEWAY_PROACTIVE_MAX_ATTEMPTS", 8)
    backoff_base: float = number("GATEWAY_PROACTIVE_BACKOFF_BASE", 2.0)
    backoff_max: float = number("GATEWAY_PROACTIVE_BACKOFF_MAX", 600.0)
    # The daily age scan: on or off, and how many missed days it catches up at most.
    age_scan: bool = switch("GATEWAY_AGE_SCAN", True)
    age_scan_catch_up_days: int = integer("GATEWAY_AGE_SCAN_CATCH_UP_DAYS", 31)
    # Webhook deliveries: seconds per attempt, and failures before the delivery is dead.
    webhook_timeout: float = number("GATEWAY_WEBHOOK_TIMEOUT", 5.0)
    webhook_max_attempts: int = integer("GATEWAY_WEBHOOK_MAX_ATTEMPTS", 8)
    # What a webhook URL may reach: JSON `{"agency": ["host:port"]}` or a file's path, as
    # GATEWAY_SOURCE_ALLOWLIST. Empty: no webhooks.
    webhook_allowlist: str = text("GATEWAY_WEBHOOK_ALLOWLIST", "")
    # Seconds between a subscription's looks for new cases (cases may come from any worker).
    subscription_poll_interval: float = number("GATEWAY_SUBSCRIPTION_POLL_INTERVAL", 1.0)
    # Operations one WebSocket connection may run at once (more are refused with an error).
    subscriptions_per_connection: int = integer("GATEWAY_SUBSCRIPTIONS_PER_CONNECTION", 5)
    # WebSocket connections one worker holds open, in all and from one client address (an IPv6
    # /64 counts as one); one more is closed before it is accepted.
    websocket_connections: int = integer("GATEWAY_WEBSOCKET_CONNECTIONS", 500)
    websocket_connections_per_address: int = integer(
        "GATEWAY_WEBSOCKET_CONNECTIONS_PER_ADDRESS", 20
    )

    def __post_init__(self) -> None:
        # A batch's reads are one call per source only up to the sources' batch bound.
        if not 1 <= self.batch_size <= MAX_SOURCE_BATCH:
            raise ValueError(f"GATEWAY_PROACTIVE_BATCH must be 1 to {MAX_SOURCE_BATCH}")
        if not 1 <= self.websocket_connections_per_address <= self.websocket_connections:
            raise ValueError(
                "GATEWAY_WEBSOCKET_CONNECTIONS_PER_ADDRESS must be 1 to "
                "GATEWAY_WEBSOCKET_CONNECTIONS"
            )
