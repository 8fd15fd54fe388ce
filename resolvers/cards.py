"""Card registration: an agency admin registers, disables, enables and restores its own agency's
service cards, and reads their history. Every change is validated and versioned in one
transaction (`services.card_registration`); a refused change changes nothing (CardInvalid and
VersionNotFound are REGISTRATION_REFUSED refusals naming every problem)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agency import (
    not_yours,
    require_agency_admin,
    require_agency_changer,
    require_own_agency,
    taken,
)
from resolvers.catalogue import served
from resolvers.context import RequestContext
from services import card_registration as registration
from services.card_registration import CardVersion, version_of
from services.cards import CardDraft
from services.catalogue import ListedCard, card_of
from services.coverage import missing_for
from standard.errors import Refused
from store.db import transaction
from store.models import Agency, ServiceCard

Change = Callable[[AsyncSession, ServiceCard, str], Awaitable[ServiceCard]]


async def _names(session: AsyncSession, code: str) -> tuple[str, str]:
    agency = await session.get(Agency, code)
    return (agency.name_fa, agency.name_en) if agency else (code, code)


async def _listed(context: RequestContext, card: ServiceCard, names: tuple[str, str]) -> ListedCard:
    """The card as it now stands, connected or not as of now."""
    health = context.registry.shared_health
    missing = await missing_for(context.sessions, health, card.datasets, served(context))
    return ListedCard(card_of(card), names, missing)


class CardInput(Protocol):
    def to_draft(self, agency: str) -> CardDraft: ...


async def register_card(context: RequestContext, given: CardInput) -> ListedCard:
    """`registerServiceCard`: create or update one of the admin's own agency's cards (the card's
    agency is always the admin's own)."""
    principal = require_agency_changer(context)
    draft = given.to_draft(principal.agency)
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
    except IntegrityError:
        message = f"service card {card_id!r} was registered by another request meanwhile; try again"
        raise Refused([message]) from None
    return await _listed(context, card, names)


async def change_card(context: RequestContext, card_id: str, change: Change) -> ListedCard:
    """Apply `change` to one of the admin's own agency's cards, in one transaction."""
    principal = require_agency_changer(context)
    try:
        async with transaction(context.sessions) as session:
            card = await registration.card_for_change(session, card_id)
            if card is None:
                raise not_yours(principal, "service card", card_id)
            require_own_agency(principal, card.agency_code, "service card", card_id)
            card = await change(session, card, principal.client_id)
            names = await _names(session, card.agency_code)
    except IntegrityError:
        message = f"service card {card_id!r} was changed by another request meanwhile; try again"
        raise Refused([message]) from None
    return await _listed(context, card, names)


async def set_card_enabled(context: RequestContext, card_id: str, enabled: bool) -> ListedCard:
    async def change(session: AsyncSession, card: ServiceCard, by: str) -> ServiceCard:
        return await registration.set_enabled(session, card, enabled, changed_by=by)

    return await change_card(context, card_id, change)


async def restore_card(context: RequestContext, card_id: str, number: int) -> ListedCard:
    async def change(session: AsyncSession, card: ServiceCard, by: str) -> ServiceCard:
        return await registration.restore(session, card, number, changed_by=by)

    return await change_card(context, card_id, change)


async def card_history(context: RequestContext, card_id: str) -> list[CardVersion]:
    """`serviceCardHistory`: every version of one of the admin's own agency's cards."""
    principal = require_agency_admin(context)
    async with context.sessions() as session:
        card = await session.get(ServiceCard, card_id)
        if card is None:
            raise not_yours(principal, "service card", card_id)
        require_own_agency(principal, card.agency_code, "service card", card_id)
        rows = await registration.history(session, card_id)
    return [version_of(row) for row in rows]


async def agency_cards(context: RequestContext) -> list[ServiceCard]:
    """The admin's own agency's cards, enabled or not."""
    principal = require_agency_admin(context)
    async with context.sessions() as session:
        query = (
            select(ServiceCard)
            .where(ServiceCard.agency_code == principal.agency)
            .order_by(ServiceCard.id)
        )
        return list((await session.scalars(query)).all())
