"""Consent records: a citizen allows one client, for its service card's purpose, to read some
datasets of their own data (or of their minor child's) for a limited time, and may take it back.

A parent's right to consent for a child is read from the civil registry's birth record (the
parents it names) through the data-source registry, never from anything the browser sends.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum

from sqlalchemy import distinct, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.base import MappedRecord, SourceError
from datasources.registry import Registry
from standard.datasets import RecordType
from standard.errors import DarvazehError, ErrorCode
from standard.national_id import InvalidNationalId
from standard.national_id import validate as validate_national_id
from store.audit_models import AuditRecord
from store.citizen_models import Consent
from store.db import aware
from store.models import OAuthClient, ServiceCard
from store.oauth_models import Grant

CONSENT_DURATION = timedelta(days=90)  # the default; a card could shorten it later
AGE_OF_MAJORITY = 18
ACTIVE, REVOKED, EXPIRED = "ACTIVE", "REVOKED", "EXPIRED"


class RevocationReason(StrEnum):
    """Why a consent was revoked."""

    CITIZEN = "CITIZEN"  # the citizen took it back
    DECEASED = "DECEASED"  # the civil registry recorded the death of the citizen or the child


# Ages and birthdays are civil facts of Iran: counted in Iran Standard Time (no DST since 2022).
NATIONAL_TZ = timezone(timedelta(hours=3, minutes=30), "IRST")


class ConsentError(DarvazehError):
    """A consent the gateway refuses to record; `kind` picks the citizen-facing message."""

    code = ErrorCode.BAD_USER_INPUT

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message, code=_CODES.get(kind, ErrorCode.BAD_USER_INPUT))
        self.kind = kind


class GuardianshipError(ConsentError):
    """The citizen may not consent for this child. Kinds: `no_record` (no birth record),
    `not_parent`, `adult` (18 or older on the consent date), `unavailable` (the civil registry
    could not be read; try again later)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(kind, reason)
        self.reason = reason


# A refusal's code by its kind; any other kind is the citizen's BAD_USER_INPUT.
_CODES = {
    "invalid_national_id": ErrorCode.INVALID_NATIONAL_ID,
    "unavailable": ErrorCode.SOURCE_UNAVAILABLE,
    "no_record": ErrorCode.FORBIDDEN,
    "not_parent": ErrorCode.FORBIDDEN,
    "adult": ErrorCode.FORBIDDEN,
}


class ConsentNotFound(DarvazehError):
    """No such consent, or not the asking citizen's (the two are indistinguishable on purpose)."""

    code = ErrorCode.NOT_FOUND

    def __init__(self, consent_id: str) -> None:
        super().__init__("you have no consent with this id")
        self.consent_id = consent_id


def national_date(moment: datetime) -> date:
    return aware(moment).astimezone(NATIONAL_TZ).date()


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the birthday falls on 1 March in common years
        return date(day.year + years, 3, 1)


def majority_begins(birth: date) -> datetime:
    """The first instant the child is an adult: midnight of their 18th birthday, national time."""
    return datetime.combine(add_years(birth, AGE_OF_MAJORITY), time(), NATIONAL_TZ)


async def _child_birth(registry: Registry, *, parent: str, child: str, on: date) -> date:
    """The child's birth date, once the parent link and minority are established."""
    source = registry.source_for(RecordType.BIRTH.value)
    if source is None:
        raise GuardianshipError("unavailable", "no civil registry source for birth records")
    try:
        found = await registry.fetch(source, [child])
    except SourceError as error:
        raise GuardianshipError(
            "unavailable", f"the civil registry failed: {error.public}"
        ) from None
    record = found.get(child)
    if record is None:
        raise GuardianshipError("no_record", "the civil registry holds no birth record for them")
    if not isinstance(record, MappedRecord):
        raise GuardianshipError("unavailable", "the child's birth record could not be read")
    values = record.values
    if parent not in (values.get("fatherNationalId"), values.get("motherNationalId")):
        raise GuardianshipError("not_parent", "the birth record does not name you as a parent")
    birth = values.get("date")
    if not isinstance(birth, date):
        raise GuardianshipError("unavailable", "the birth record has no date of birth")
    if on >= add_years(birth, AGE_OF_MAJORITY):
        raise GuardianshipError("adult", "the child is 18 or older: they consent for themselves")
    return birth


async def check_guardian(registry: Registry, *, parent: str, child: str, on: date) -> None:
    """Raise GuardianshipError unless `parent` is a parent of `child`, who is under 18 on `on`."""
    await _child_birth(registry, parent=parent, child=child, on=on)


async def create_consent(
    session: AsyncSession,
    *,
    citizen: str,
    subject: str,
    client_id: str,
    service_card_id: str,
    datasets: list[str],
    registry: Registry,
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
        birth = await _child_birth(registry, parent=citizen, child=subject, on=national_date(now))
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
        status=ACTIVE,
        use_count=0,
    )
    session.add(consent)
    await session.flush()
    return consent


def revocation_reason(consent: Consent) -> RevocationReason | None:
    """Why a revoked consent was revoked (the citizen, for rows from before reasons were kept)."""
    if consent.status != REVOKED:
        return None
    return RevocationReason(consent.revoked_reason or RevocationReason.CITIZEN)


def status_of(consent: Consent, now: datetime) -> str:
    """ACTIVE, REVOKED or EXPIRED; expiry is derived on read so it is never stale."""
    if consent.status == REVOKED:
        return REVOKED
    if aware(consent.expires_at) <= aware(now):
        return EXPIRED
    return ACTIVE


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
    if consent.status != REVOKED:
        consent.status = REVOKED
        consent.revoked_at = now
        consent.revoked_reason = RevocationReason.CITIZEN.value
    await session.execute(
        update(Grant)
        .where(Grant.consent_id == consent_id, Grant.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason="consent revoked")
    )
    await session.flush()
    return consent


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
    ids = {consent.service_card_id for consent in consents}
    cards = {
        card.id: card
        for card in await session.scalars(select(ServiceCard).where(ServiceCard.id.in_(ids)))
    }
    return [(consent, cards[consent.service_card_id]) for consent in consents]


async def consent_usage(
    session: AsyncSession, consent_ids: Collection[str]
) -> dict[str, tuple[int, datetime | None]]:
    """Each consent's (use count, last use), read from the access log: the requests that read
    data under it (distinct request ids of GRANTED records) and the last such read. Every id asked
    for is in the answer; an unused consent's is (0, None)."""
    usage: dict[str, tuple[int, datetime | None]] = {key: (0, None) for key in consent_ids}
    if not usage:
        return usage
    rows = await session.execute(
        select(
            AuditRecord.consent_id,
            func.count(distinct(AuditRecord.request_id)),
            func.max(AuditRecord.occurred_at),
        )
        .where(AuditRecord.consent_id.in_(usage), AuditRecord.outcome == "GRANTED")
        .group_by(AuditRecord.consent_id)
    )
    for consent_id, count, last in rows:
        usage[consent_id] = (int(count), aware(last) if last else None)
    return usage
