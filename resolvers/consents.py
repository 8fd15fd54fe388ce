"""The citizen's own consents: listing them, narrowing one and revoking one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from audit.usage import consent_usage
from auth.consent.changes import narrow_consent
from auth.consent.records import consents_with_cards, revocation_reason, revoke_consent
from auth.core.liveness import standing
from auth.core.principal import Basis, Principal
from resolvers.context import RequestContext
from standard.errors import DarvazehError, ErrorCode
from standard.statuses import ConsentStatus, RevocationReason
from store.citizen_models import Consent
from store.db import transaction
from store.models import ServiceCard


@dataclass(frozen=True, slots=True)
class CitizenConsent:
    """A consent as its citizen sees it: the service it was given to, its state as of now, and
    how often it was used (from the access log)."""

    consent: Consent
    card: ServiceCard
    status: ConsentStatus
    revoked_reason: RevocationReason | None
    use_count: int
    last_used_at: datetime | None


def own_citizen(context: RequestContext, national_id: str | None = None) -> str:
    """The citizen acting for themselves (their portal session); nobody else sees consents."""
    principal = context.require_principal()
    citizen = _citizen_of(principal)
    if national_id is not None and national_id != citizen:
        raise DarvazehError("a citizen sees only their own consents", code=ErrorCode.FORBIDDEN)
    return citizen


def _citizen_of(principal: Principal) -> str:
    if principal.basis is not Basis.CITIZEN or principal.citizen is None:
        message = "only the citizen themselves sees their consents"
        raise DarvazehError(message, code=ErrorCode.FORBIDDEN)
    return principal.citizen


def _seen(
    consent: Consent, card: ServiceCard, now: datetime, usage: tuple[int, datetime | None]
) -> CitizenConsent:
    return CitizenConsent(
        consent=consent,
        card=card,
        status=standing(consent, now),
        revoked_reason=revocation_reason(consent),
        use_count=usage[0],
        last_used_at=usage[1],
    )


async def list_consents(context: RequestContext, national_id: str) -> list[CitizenConsent]:
    citizen = own_citizen(context, national_id)
    now = datetime.now(UTC)
    async with context.sessions() as session:
        rows = await consents_with_cards(session, citizen)
        usage = await consent_usage(session, [consent.id for consent, _ in rows])
    return [_seen(consent, card, now, usage[consent.id]) for consent, card in rows]


async def revoke(context: RequestContext, consent_id: str) -> CitizenConsent:
    """Revoke one of the citizen's own consents (NOT_FOUND for any other id)."""
    citizen = own_citizen(context)
    now = datetime.now(UTC)
    async with transaction(context.sessions) as session:
        consent = await revoke_consent(session, consent_id=consent_id, citizen=citizen, now=now)
        return await _after(session, consent, now)


async def narrow(context: RequestContext, consent_id: str, keep: Sequence[str]) -> CitizenConsent:
    """Keep only `keep` of one of the citizen's own active consents, as the portal's narrowing
    does (auth.consent.changes.narrow_consent: never widened, never emptied; NOT_FOUND for any
    other id)."""
    citizen = own_citizen(context)
    now = datetime.now(UTC)
    async with transaction(context.sessions) as session:
        consent = await narrow_consent(
            session, consent_id=consent_id, citizen=citizen, keep=keep, now=now
        )
        return await _after(session, consent, now)


async def _after(session: AsyncSession, consent: Consent, now: datetime) -> CitizenConsent:
    """The consent as its citizen sees it once changed (read in the change's transaction)."""
    card = await session.get(ServiceCard, consent.service_card_id)
    usage = await consent_usage(session, [consent.id])
    if card is None:  # a consent always names a card; its row is never deleted
        raise DarvazehError(f"consent {consent.id!r} names no service card")
    return _seen(consent, card, now, usage[consent.id])
