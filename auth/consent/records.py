"""Consent records: a citizen allows one client, for its service card's purpose, to read some
datasets of their own data (or of their minor child's) for a limited time, and may take it back.

Whether a consent still stands is `auth.core.liveness.standing`; a parent's right to speak for a
child is `auth.consent.guardianship`.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.consent.changes import record_change
from auth.consent.errors import ConsentError, ConsentNotFound
from auth.consent.guardianship import BirthRecords, child_birth
from auth.consent.national_time import majority_begins, national_date
from auth.core.liveness import GrantEnd, stop_grants
from auth.core.system_checks import CitizenCheck
from standard.national_id import InvalidNationalId
from standard.national_id import validate as validate_national_id
from standard.statuses import ConsentChangeKind, ConsentStatus, RevocationReason
from store.citizen_models import Consent
from store.db import aware
from store.models import OAuthClient, ServiceCard

CONSENT_DURATION = timedelta(days=90)  # the default; a card could shorten it later


async def create_consent(
    session: AsyncSession,
    *,
    citizen: str,
    subject: str,
    client_id: str,
    service_card_id: str,
    datasets: list[str],
    births: BirthRecords,
    now: datetime | None = None,
) -> Consent:
    """Record an ACTIVE consent (flushed, not committed: the caller's transaction decides).

    Raises ConsentError (or GuardianshipError) and records nothing when any rule fails.
    """
    now = aware(now or datetime.now(UTC))
    try:
        validate_national_id(citizen)
        validate_national_id(subject)
    except InvalidNationalId as error:
        raise ConsentError("invalid_national_id", str(error)) from None
    client = await session.get(OAuthClient, client_id)
    card = await session.get(ServiceCard, service_card_id)
    if client is None or not client.enabled or card is None:
        raise ConsentError("unknown_client", "unknown or disabled client or service card")
    if client.service_card_id != card.id:
        raise ConsentError("unknown_client", "the client does not serve this service card")
    granted = list(dict.fromkeys(datasets))
    if not granted:
        raise ConsentError("no_datasets", "at least one dataset must be granted")
    allowed = set(card.datasets) & set(client.scopes)
    if outside := sorted(set(granted) - allowed):
        raise ConsentError("bad_datasets", f"not datasets of this service: {', '.join(outside)}")
    expires_at = now + CONSENT_DURATION
    if subject != citizen:
        birth = await child_birth(
            births,
            parent=citizen,
            child=subject,
            on=national_date(now),
            check=CitizenCheck.CONSENT_GUARDIAN,
        )
        # A parent speaks for a child only until majority; then the child decides.
        expires_at = min(expires_at, majority_begins(birth).astimezone(UTC))
    consent = Consent(
        id=secrets.token_urlsafe(16),
        citizen=citizen,
        subject=subject,
        client_id=client.client_id,
        service_card_id=card.id,
        datasets=granted,
        created_at=now,
        expires_at=expires_at,
        status=ConsentStatus.ACTIVE.value,
        use_count=0,
    )
    session.add(consent)
    await session.flush()
    return consent


def revocation_reason(consent: Consent) -> RevocationReason | None:
    """Why a revoked consent was revoked (the citizen, for rows from before reasons were kept)."""
    if consent.status != ConsentStatus.REVOKED:
        return None
    return RevocationReason(consent.revoked_reason or RevocationReason.CITIZEN)


async def revoke_consent(
    session: AsyncSession, *, consent_id: str, citizen: str, now: datetime | None = None
) -> Consent:
    """Revoke one's own consent and every grant issued under it (their refresh tokens stop too).

    Raises ConsentNotFound for another citizen's consent. Revoking twice is harmless.
    """
    now = aware(now or datetime.now(UTC))
    consent = await session.scalar(
        select(Consent).where(Consent.id == consent_id, Consent.citizen == citizen)
    )
    if consent is None:
        raise ConsentNotFound(consent_id)
    if consent.status != ConsentStatus.REVOKED:
        consent.status = ConsentStatus.REVOKED.value
        consent.revoked_at = now
        consent.revoked_reason = RevocationReason.CITIZEN.value
        record_change(session, consent, ConsentChangeKind.REVOKED, consent.datasets, citizen, now)
    await session.execute(stop_grants(GrantEnd.CONSENT_REVOKED, now, consent_ids=[consent_id]))
    await session.flush()
    return consent


async def revoke_all_about(
    session: AsyncSession,
    national_id: str,
    reason: RevocationReason,
    grants: GrantEnd,
    now: datetime,
) -> list[str]:
    """Revoke every live consent the citizen gave (for themselves or a child) and every one a
    parent gave for them, with the grants issued under any of their consents; the ids of all
    their consents. In the caller's transaction."""
    consent_ids = list(
        await session.scalars(
            select(Consent.id).where(
                or_(Consent.citizen == national_id, Consent.subject == national_id)
            )
        )
    )
    if not consent_ids:
        return consent_ids
    await session.execute(
        update(Consent)
        .where(
            Consent.id.in_(consent_ids),
            Consent.status == ConsentStatus.ACTIVE,
            Consent.expires_at > now,
        )
        .values(status=ConsentStatus.REVOKED.value, revoked_at=now, revoked_reason=reason.value)
    )
    await session.execute(stop_grants(grants, now, consent_ids=consent_ids))
    return consent_ids


async def consents_of(session: AsyncSession, citizen: str) -> list[Consent]:
    """The citizen's consents (given by them, for themselves or a child), newest first."""
    rows = await session.scalars(
        select(Consent).where(Consent.citizen == citizen).order_by(Consent.created_at.desc())
    )
    return list(rows)


async def consents_with_cards(
    session: AsyncSession, citizen: str
) -> list[tuple[Consent, ServiceCard]]:
    """The citizen's consents, newest first, each with the service card it was given for."""
    consents = await consents_of(session, citizen)
    ids: Collection[str] = {consent.service_card_id for consent in consents}
    cards = {
        card.id: card
        for card in await session.scalars(select(ServiceCard).where(ServiceCard.id.in_(ids)))
    }
    return [(consent, cards[consent.service_card_id]) for consent in consents]
