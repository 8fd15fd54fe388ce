"""Card registration over GraphQL: an agency admin registers, disables, enables and restores its
own agency's service cards, and reads their history. Every change is validated and versioned
in one transaction (`services.card_registration`); a refused change changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agency import not_yours, require_agency_admin, require_own_agency, taken
from resolvers.catalogue import card_from_row
from resolvers.context import RequestContext
from resolvers.errors import field_error
from services import card_registration as registration
from services.cards import CardDraft, CardInvalid
from services.coverage import missing_for
from standard.errors import ErrorCode
from store.db import transaction
from store.models import Agency, RegistrationVersion, ServiceCard

Change = Callable[[AsyncSession, ServiceCard, str], Awaitable[ServiceCard]]


def _invalid(error: CardInvalid) -> Exception:
    # The same shape as every registration refusal: one line per problem, naming its field.
    problems = [f"{p.field}: {p.message}" for p in error.problems]
    return _refused(str(error), problems)


def _refused(message: str, problems: list[str] | None = None) -> Exception:
    return field_error(ErrorCode.REGISTRATION_REFUSED, message, problems=problems or [message])


async def _names(session: AsyncSession, code: str) -> tuple[str, str]:
    agency = await session.get(Agency, code)
    return (agency.name_fa, agency.name_en) if agency else (code, code)


async def _answer(context: RequestContext, card: ServiceCard, names: tuple[str, str]) -> Any:
    """The card as it now stands, connected or not as of now."""
    return card_from_row(
        card,
        names,
        await missing_for(context.sessions, context.registry.shared_health, card.datasets),
    )


class CardInput(Protocol):
    def draft(self, agency: str) -> CardDraft: ...


async def register_card(context: RequestContext, given: CardInput) -> Any:
    """`registerServiceCard`: create or update one of the admin's own agency's cards (the card's
    agency is always the admin's own)."""
    principal = require_agency_admin(context)
    draft = given.draft(principal.agency)
    card_id = draft.id.strip()
    try:
        async with transaction(context.sessions) as session:
            existing = await registration.card_for_change(session, card_id)
            if existing is not None and existing.agency_code != principal.agency:
                raise taken("service card", card_id)
            card = await registration.register(
                session, draft, changed_by=principal.client_id, existing=existing
            )
            names = await _names(session, card.agency_code)
    except CardInvalid as error:
        raise _invalid(error) from None
    except IntegrityError:
        raise _refused(
            f"service card {card_id!r} was registered by another request meanwhile; try again"
        ) from None
    return await _answer(context, card, names)


async def change_card(context: RequestContext, card_id: str, change: Change) -> Any:
    """Apply `change` to one of the admin's own agency's cards, in one transaction."""
    principal = require_agency_admin(context)
    try:
        async with transaction(context.sessions) as session:
            card = await registration.card_for_change(session, card_id)
            if card is None:
                raise not_yours(principal, "service card", card_id)
            require_own_agency(principal, card.agency_code, "service card", card_id)
            card = await change(session, card, principal.client_id)
            names = await _names(session, card.agency_code)
    except CardInvalid as error:
        raise _invalid(error) from None
    except registration.VersionNotFound as error:
        raise _refused(str(error)) from None
    except IntegrityError:
        raise _refused(
            f"service card {card_id!r} was changed by another request meanwhile; try again"
        ) from None
    return await _answer(context, card, names)


async def set_card_enabled(context: RequestContext, card_id: str, enabled: bool) -> Any:
    async def change(session: AsyncSession, card: ServiceCard, by: str) -> ServiceCard:
        return await registration.set_enabled(session, card, enabled, changed_by=by)

    return await change_card(context, card_id, change)


async def restore_card(context: RequestContext, card_id: str, number: int) -> Any:
    async def change(session: AsyncSession, card: ServiceCard, by: str) -> ServiceCard:
        return await registration.restore(session, card, number, changed_by=by)

    return await change_card(context, card_id, change)


async def card_history(context: RequestContext, card_id: str) -> list[Any]:
    """`serviceCardHistory`: every version of one of the admin's own agency's cards."""
    principal = require_agency_admin(context)
    async with context.sessions() as session:
        card = await session.get(ServiceCard, card_id)
        if card is None:
            raise not_yours(principal, "service card", card_id)
        require_own_agency(principal, card.agency_code, "service card", card_id)
        rows = await registration.history(session, card_id)
    return [version_to_graphql(row) for row in rows]


def version_to_graphql(row: RegistrationVersion) -> Any:
    from schema.cards import RegistrationAction, ServiceCardVersion
    from services.cards import LegalBasis
    from store.db import aware

    saved = registration.draft_from_snapshot(row.snapshot)
    return ServiceCardVersion(
        version=row.version,
        action=RegistrationAction(row.action),
        changed_by=row.changed_by,
        changed_at=aware(row.changed_at),
        name_fa=saved.name_fa,
        name_en=saved.name_en,
        purpose_fa=saved.purpose_fa,
        purpose_en=saved.purpose_en,
        datasets=list(saved.datasets),
        legal_basis=LegalBasis(saved.legal_basis),
        statute=saved.statute,
        proactive=saved.proactive,
        life_event=saved.life_event,
        enabled=bool(row.snapshot.get("enabled", True)),
    )
