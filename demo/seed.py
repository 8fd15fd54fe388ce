"""Register the demo world in the gateway store: agencies, service cards, clients and sources.

Exactly what agencies would do through the registration API; the demo does it in one go.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.accounts.login import hash_password
from auth.oauth.clients import hash_client_secret, new_client_secret
from auth.oauth.registration import create_client
from datasources.registration_store import ReplacementRequired
from datasources.registry import Registry
from demo import mappings
from demo.agencies import agency_urls
from demo.catalogue import AGENCIES, CLIENTS
from demo.service_cards import DEMO_COUNT, service_cards
from services.card_registration import register_missing
from services.proactive.webhooks import WebhookPolicy, set_webhook
from store.citizen_models import CitizenAccount
from store.models import Agency, OAuthClient
from store.proactive_models import AgeScanDay
from store.secrets import SecretBox

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgencyUrls:
    """Where each demo agency keeps its data: SQLAlchemy URLs, and education's HTTP base URL."""

    civil: str
    social: str
    tax: str
    education: str

    @classmethod
    def embedded(cls, agencies_dir: Path, education_url: str) -> AgencyUrls:
        """SQLite files in each agency's folder of `agencies_dir`; education over HTTP."""
        urls = agency_urls(agencies_dir)
        return cls(
            civil=urls["civil"], social=urls["social"], tax=urls["tax"], education=education_url
        )


def source_registrations(urls: AgencyUrls) -> list[dict[str, Any]]:
    """One registration per standard record type, as an agency admin would send them."""
    civil = [
        {
            "source_id": f"civil-{record_type.lower()}",
            "agency": "civil-registry",
            "record_type": record_type,
            "kind": "sql",
            "connection": {"url": urls.civil},
            "mapping": mapping,
        }
        for record_type, mapping in mappings.CIVIL.items()
    ]
    return [
        *civil,
        {
            "source_id": "social-insurance",
            "agency": "social-security",
            "record_type": "insurance",
            "kind": "sql",
            "connection": {"url": urls.social},
            "mapping": mappings.SOCIAL,
        },
        {
            "source_id": "education-enrollment",
            "agency": "education",
            "record_type": "schoolEnrollment",
            "kind": "http",
            "connection": {"base_url": urls.education},
            "mapping": mappings.EDUCATION,
        },
        {
            "source_id": "tax-status",
            "agency": "tax",
            "record_type": "taxStatus",
            "kind": "sql",
            "connection": {"url": urls.tax},
            "mapping": mappings.TAX,
        },
    ]


SEEDED_BY = "demo.seed"  # the history's `changed_by` of cards the demo registered


async def _seed_catalogue(session: AsyncSession, card_count: int = DEMO_COUNT) -> None:
    """The agencies, and the first `card_count` cards of the demo catalogue not yet there
    (each validated and versioned as a registration would be)."""
    for code, name_fa, name_en in AGENCIES:
        if await session.get(Agency, code) is None:
            session.add(Agency(code=code, name_fa=name_fa, name_en=name_en))
    await session.flush()
    await register_missing(session, service_cards(card_count), changed_by=SEEDED_BY)


async def seed_catalogue(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The agencies and the demo catalogue, for a world seeded before they existed (idempotent)."""
    async with sessions() as session, session.begin():
        await _seed_catalogue(session)


async def _seed_clients(session: AsyncSession) -> dict[str, dict[str, Any]]:
    """Create the demo clients, or give existing ones a fresh secret (only hashes are stored)."""
    facts: dict[str, dict[str, Any]] = {}
    for client in CLIENTS:
        existing = await session.scalar(
            select(OAuthClient).where(OAuthClient.client_id == client.client_id)
        )
        if existing is None:
            _, secret = await create_client(
                session,
                client_id=client.client_id,
                name=client.name,
                agency_code=client.agency,
                role=client.client_role,
                scopes=list(client.scopes),
                grant_types=list(client.grant_types),
                service_card_id=client.card,
                redirect_uris=client.redirect_uris,
            )
        else:
            secret = new_client_secret()
            existing.client_secret_hash = hash_client_secret(secret)
        facts[client.role] = {
            "client_id": client.client_id,
            "client_secret": secret,
            "scopes": list(client.scopes),
            "service_card": client.card,
        }
        if client.redirect_uris:
            facts[client.role]["redirect_uris"] = list(client.redirect_uris)
    return facts


async def seed_gateway(
    sessions: async_sessionmaker[AsyncSession],
    registry: Registry,
    urls: AgencyUrls,
    card_count: int = DEMO_COUNT,
) -> dict[str, dict[str, Any]]:
    """Seed agencies, cards, clients and sources; return the clients with their secrets."""
    async with sessions() as session, session.begin():
        await _seed_catalogue(session, card_count)
        clients = await _seed_clients(session)
    await register_sources(registry, urls)
    return clients


async def seed_citizen_accounts(
    sessions: async_sessionmaker[AsyncSession], national_ids: list[str]
) -> dict[str, str]:
    """Demo logins for the citizens of interest: a fresh random password each (only the argon2
    hash is stored; the password goes to var/demo.json)."""
    passwords = {
        national_id: secrets.token_urlsafe(9) for national_id in dict.fromkeys(national_ids)
    }
    hashes = {nid: await hash_password(password) for nid, password in passwords.items()}
    async with sessions() as session, session.begin():
        for national_id, hashed in hashes.items():
            await session.merge(CitizenAccount(national_id=national_id, password_hash=hashed))
    return passwords


async def start_age_scan(sessions: async_sessionmaker[AsyncSession], first_day: date) -> bool:
    """Make a fresh store's age scan begin at `first_day` rather than today, as if the days
    before it were done: the demo's children whose sixth birthday has just passed get their
    offers on the first start. A store whose scan has run is left alone (False)."""
    async with sessions() as session, session.begin():
        if await session.scalar(select(AgeScanDay.day).limit(1)) is not None:
            return False
        session.add(AgeScanDay(day=first_day - timedelta(days=1), events=0))
    return True


async def register_webhook(
    sessions: async_sessionmaker[AsyncSession],
    box: SecretBox,
    policy: WebhookPolicy,
    *,
    agency: str,
    admin: str,
    url: str,
    secret_file: Path,
) -> None:
    """The agency's webhook at `url`, set as its admin's setAgencyWebhook sets it (the same
    policy check, a new sealed secret), and the secret, shown this once, written where the
    agency's receiver reads it (readable by its owner only)."""
    async with sessions() as session, session.begin():
        _, secret = await set_webhook(
            session, box, policy, agency=agency, url=url, by=admin, now=datetime.now(UTC)
        )
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(secret + "\n")
    os.chmod(secret_file, 0o600)  # a file left by an older start keeps its own mode otherwise


async def register_sources(registry: Registry, urls: AgencyUrls) -> None:
    """(Re-)register every demo source; each registration is held to the connection policy,
    checked and probed live. A record type its agency has since given to another of its sources
    stays with that source: the demo never replaces a source unasked."""
    for registration in source_registrations(urls):
        try:
            await registry.register(**registration)
        except ReplacementRequired as taken:
            logger.warning("%s is not registered again: %s", registration["source_id"], taken)


def write_demo_facts(
    path: Path,
    *,
    base_url: str,
    clients: dict[str, Any],
    citizens: dict[str, str],
    passwords: dict[str, str],
    school_starters: list[dict[str, str | None]] | None = None,
    webhooks: dict[str, dict[str, str]] | None = None,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    facts = {
        "base_url": base_url,
        "clients": clients,
        "citizens": citizens,
        "passwords": passwords,
        # Children whose sixth birthday had just passed when the world was made, and parents.
        "school_starters": school_starters or [],
        # Agencies' webhook receivers: the URL the gateway POSTs their cases to (GET lists them).
        "webhooks": webhooks or {},
    }
    path.write_text(json.dumps(facts, indent=2, ensure_ascii=False) + "\n")
    path.chmod(0o600)  # it holds client secrets
