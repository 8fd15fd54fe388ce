"""`python -m services.proactive [--workers N] [--until-idle] [--report FILE]`: outbox workers
beside the gateway, as many processes as wanted over one PostgreSQL store (docs/proactive.md).
The wiring is web/proactive_workers.py's, shared with the gateway's own in-process workers."""

from web.proactive_workers import main

if __name__ == "__main__":
    main()
