"""`make demo`: migrate, seed the demo world once, start the education and social security
services (the latter receives its agency's cases by webhook) and the gateway, which runs the
proactive engine in its own process.

python -m demo [--count N] [--reseed]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.policy import extend_allowlist, policy_for
from datasources.registry import Registry
from demo import webhook_receiver
from demo.agencies import adopt_flat_layout, agency_file, agency_urls, load_world
from demo.civil_registry import add_school_starters
from demo.seed import (
    AgencyUrls,
    register_sources,
    register_webhook,
    seed_catalogue,
    seed_citizen_accounts,
    seed_gateway,
    start_age_scan,
    write_demo_facts,
)
from demo.world import World, generate, interesting_citizens, young_parents
from schema.records import record_specs
from server import create_app
from services.proactive import age_scan
from services.proactive.webhooks import WebhookPolicy
from settings import Settings, get_settings
from settings.tools import DemoSettings, demo_settings
from store.db import create_engine, sessionmaker
from store.migrate import upgrade_async
from store.secrets import SecretBox
from web.developers_page import DemoCredentials

SEED = 1405
DEVELOPER_CLIENT = "statutory_all_datasets"  # the demo client of /developers' token button
# Children whose sixth birthday fell on one of the days just before the first start: the age
# scan, begun that many days back, offers each a school.
SCHOOL_STARTER_DAYS = 3
# A person reads the demo's terminal: text log lines, unless the environment asks otherwise.
DEMO_DEFAULTS = {"GATEWAY_LOG_FORMAT": "text"}
# The agency whose cases the demo delivers by webhook, and its admin client (demo/catalogue.py).
WEBHOOK_AGENCY, WEBHOOK_ADMIN = "social-security", "social-security-admin"


def education_url(demo: DemoSettings) -> str:
    return f"http://127.0.0.1:{demo.education_port}"


def webhook_url(demo: DemoSettings) -> str:
    return f"http://127.0.0.1:{demo.social_port}{webhook_receiver.PATH}"


def webhook_files(settings: Settings) -> tuple[Path, Path]:
    """Social security's side of its webhook: the secret it checks signatures with, and the
    cases it received (JSON lines). Outside the agencies' folder the gateway reads."""
    folder = settings.var_dir / "webhooks" / WEBHOOK_AGENCY
    return folder / "secret", folder / "received.jsonl"


def with_demo_allowed(settings: Settings, demo: DemoSettings) -> Settings:
    """The operator's settings, with the education service's port allowed to the education
    agency and the social security service's to that agency's webhook: the connection policies
    reach only what is allowed, the demo's own services included."""
    allowlist = extend_allowlist(
        settings.sources.allowlist, {"education": [f"127.0.0.1:{demo.education_port}"]}
    )
    hooks = extend_allowlist(
        settings.proactive.webhook_allowlist, {WEBHOOK_AGENCY: [f"127.0.0.1:{demo.social_port}"]}
    )
    sources = dataclasses.replace(settings.sources, allowlist=allowlist)
    proactive = dataclasses.replace(settings.proactive, webhook_allowlist=hooks)
    return dataclasses.replace(settings, sources=sources, proactive=proactive)


def start_service(name: str, module: str, port: int, *options: str) -> subprocess.Popen[bytes]:
    """An agency's HTTP service runs as its own process, as a real agency's would."""
    command = [sys.executable, "-m", module, "--host", "127.0.0.1", "--port", str(port), *options]
    process = subprocess.Popen(command)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"the {name} service exited with {process.returncode}")
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"the {name} service did not start on port {port}")


async def load_agencies(settings: Settings, count: int) -> World:
    started = time.perf_counter()
    world = generate(count=count, seed=SEED)
    await load_world(world, agency_urls(settings.agencies_folder))
    print(f"generated and loaded {count} citizens in {time.perf_counter() - started:.1f}s")
    return world


async def prepare_gateway(settings: Settings, demo: DemoSettings, world: World | None) -> None:
    """Migrate the store; register the demo world if it was just generated.

    The sources are registered again on every start: the education service may have moved
    (EDUCATION_PORT), and registration probes each source, so a broken one shows at once.
    """
    facts_file = settings.var_dir / "demo.json"
    await upgrade_async(settings.store_url)
    engine = create_engine(settings.store_url)
    sessions = sessionmaker(engine)
    box = SecretBox.load(settings.secret_key, settings.secret_key_file)
    policy = await asyncio.to_thread(policy_for, settings)
    registry = Registry(sessions, box, record_specs(), policy=policy)
    urls = AgencyUrls.embedded(settings.agencies_folder, education_url(demo))
    secret_file, _ = webhook_files(settings)
    try:
        if world is None:
            await seed_catalogue(sessions)  # worlds seeded before the catalogue get it now
            await register_sources(registry, urls)
            facts = json.loads(facts_file.read_text())
            clients, citizens = facts["clients"], facts["citizens"]
            starters = facts.get("school_starters", [])
            # Worlds seeded before citizen logins existed get their accounts now.
            passwords = facts.get("passwords") or await seed_citizen_accounts(
                sessions, list(citizens.values())
            )
            print(
                f"demo world already seeded ({facts_file}); `python -m demo --reseed` starts over"
            )
        else:
            clients = await seed_gateway(sessions, registry, urls)
            citizens = interesting_citizens(world)
            starters = await school_starters(settings, sessions, world)
            if starters and (first := starters[0])["father"]:
                citizens |= {
                    "school_parent": str(first["father"]),
                    "school_child": str(first["child"]),
                }
            parents = [s[role] for s in starters for role in ("father", "mother") if s[role]]
            passwords = await seed_citizen_accounts(sessions, [*citizens.values(), *parents])
        # Every start: the service's port may have moved (SOCIAL_PORT), and the secret is new.
        await register_webhook(
            sessions, box, WebhookPolicy.for_settings(settings), agency=WEBHOOK_AGENCY,
            admin=WEBHOOK_ADMIN, url=webhook_url(demo), secret_file=secret_file,
        )  # fmt: skip
    finally:
        await registry.close()
        await engine.dispose()
    write_demo_facts(
        facts_file,
        base_url=settings.base_url,
        clients=clients,
        citizens=citizens,
        passwords=passwords,
        school_starters=starters,
        webhooks={WEBHOOK_AGENCY: {"url": webhook_url(demo)}},
    )
    print(f"wrote {facts_file}")


def demo_credentials(facts_file: Path) -> DemoCredentials:
    """The client /developers' demo button signs in as: the statutory one with every dataset."""
    client = json.loads(facts_file.read_text())["clients"][DEVELOPER_CLIENT]
    return DemoCredentials(client["client_id"], client["client_secret"])


async def school_starters(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], world: World
) -> list[dict[str, str | None]]:
    """Children of young families whose sixth birthday fell on the days just before today, in
    the civil registry; the age scan starts those days back, so each gets a school offer.
    Today is the scan's own (Tehran's day), so the birthdays fall on the days it scans."""
    today = age_scan.today()
    civil = agency_urls(settings.agencies_folder)["civil"]
    parents = young_parents(world, SCHOOL_STARTER_DAYS)
    starters = await add_school_starters(civil, parents, today, days=SCHOOL_STARTER_DAYS)
    await start_age_scan(sessions, today - timedelta(days=SCHOOL_STARTER_DAYS))
    return starters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="citizens to generate")
    parser.add_argument("--reseed", action="store_true", help="generate and register anew")
    args = parser.parse_args()
    demo = demo_settings()
    settings = with_demo_allowed(get_settings(DEMO_DEFAULTS), demo)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    seeded = (settings.var_dir / "demo.json").exists() and not args.reseed
    if seeded and (moved := adopt_flat_layout(settings.agencies_folder)):
        print(f"moved the agencies' files into their own folders: {', '.join(moved)}")
    # The agencies' data must exist before the education service serves it.
    world = None if seeded else asyncio.run(load_agencies(settings, args.count))
    education = start_service(
        "education", "demo.education", demo.education_port,
        "--db", str(agency_file(settings.agencies_folder, "education")),
    )  # fmt: skip
    # uvicorn shuts down gracefully on SIGTERM and then re-raises it to the handler it found:
    # make that handler exit normally, so the `finally` below stops the education service too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    helpers = [education]
    try:
        asyncio.run(prepare_gateway(settings, demo, world))
        secret_file, received = webhook_files(settings)
        helpers.append(
            start_service(
                "social security", "demo.social_graphql", demo.social_port,
                "--db", str(agency_file(settings.agencies_folder, "social")),
                "--webhook-secret-file", str(secret_file), "--received", str(received),
            )
        )  # fmt: skip
        # The demo school enrolment service, on the redirect URI registered for it.
        helpers.append(
            subprocess.Popen(
                [sys.executable, "-m", "demo.school_client", "--facts",
                 str(settings.var_dir / "demo.json")]
            )
        )  # fmt: skip
        print(f"Darvazeh on {settings.base_url}/graphql (facts in {settings.var_dir}/demo.json)")
        print("A demo service asking for consent: http://127.0.0.1:8765")
        print(f"Social security's webhook receiver: {webhook_url(demo)}")
        # These settings, with the demo's allow-list; /developers issues tokens for a demo client.
        app = create_app(settings, demo=demo_credentials(settings.var_dir / "demo.json"))
        # create_app has set up the log lines (GATEWAY_LOG_FORMAT); uvicorn's own logging
        # configuration would replace them.
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", log_config=None)
    finally:
        for helper in helpers:
            helper.terminate()
        for helper in helpers:
            helper.wait(timeout=10)


if __name__ == "__main__":
    main()
