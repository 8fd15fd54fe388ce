"""The citizen's own consents over GraphQL: listing them and revoking one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from audit.usage import consent_usage
from auth.consent.errors import ConsentNotFound
from auth.consent.records import consents_with_cards, revocation_reason, revoke_consent
from auth.core.liveness import standing
from auth.core.principal import Basis, Principal
from resolvers.context import RequestContext
from resolvers.errors import field_error
from standard.errors import ErrorCode
from store.citizen_models import Consent as ConsentRow
from store.db import transaction
from store.models import ServiceCard as CardRow


def own_citizen(context: RequestContext, national_id: str | None = None) -> Principal:
    """The citizen acting for themselves (their portal session); nobody else sees consents."""
    principal = context.require_principal()
    if principal.basis is not Basis.CITIZEN or principal.citizen is None:
        raise field_error(ErrorCode.FORBIDDEN, "only the citizen themselves sees their consents")
    if national_id is not None and national_id != principal.citizen:
        raise field_error(ErrorCode.FORBIDDEN, "a citizen sees only their own consents")
    return principal


Usage = tuple[int, datetime | None]


def service_card(card: CardRow) -> Any:
    """A service card row as the GraphQL type (shared with the data tracker)."""
    from schema.consents import ServiceCard

    return ServiceCard(
        id=card.id,
        agency=card.agency_code,
        name_fa=card.name_fa,
        name_en=card.name_en,
        purpose_fa=card.purpose_fa,
        purpose_en=card.purpose_en,
    )


def to_graphql(row: ConsentRow, card: CardRow, now: datetime, usage: Usage) -> Any:
    """The consent as GraphQL; `usage` (use count, last use) comes from the access log."""
    from schema.consents import Consent, ConsentRevocationReason, ConsentStatus

    reason = revocation_reason(row)
    return Consent(
        id=row.id,
        client_id=row.client_id,
        service=service_card(card),
        datasets=list(row.datasets),
        on_behalf_of=row.subject if row.subject != row.citizen else None,
        created_at=row.created_at,
        expires_at=row.expires_at,
        status=ConsentStatus(standing(row, now)),
        revoked_reason=ConsentRevocationReason(reason.value) if reason else None,
        use_count=usage[0],
        last_used_at=usage[1],
    )


async def list_consents(context: RequestContext, national_id: str) -> list[Any]:
    principal = own_citizen(context, national_id)
    now = datetime.now(UTC)
    async with context.sessions() as session:
        rows = await consents_with_cards(session, principal.citizen)
        usage = await consent_usage(session, [row.id for row, _ in rows])
    return [to_graphql(row, card, now, usage[row.id]) for row, card in rows]


async def revoke(context: RequestContext, consent_id: str) -> Any:
    principal = own_citizen(context)
    now = datetime.now(UTC)
    try:
        async with transaction(context.sessions) as session:
            row = await revoke_consent(
                session, consent_id=consent_id, citizen=principal.citizen, now=now
            )
            card = await session.get(CardRow, row.service_card_id)
            usage = await consent_usage(session, [row.id])
    except ConsentNotFound:
        raise field_error(ErrorCode.NOT_FOUND, "you have no consent with this id") from None
    return to_graphql(row, card, now, usage[row.id])
