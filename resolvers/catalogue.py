"""The service catalogue as of a request, and its pages.

The catalogue is public (the national window shows it to everyone): no token is asked for, and
an invalid one is not refused here, since nothing here depends on who asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.context import RequestContext
from services.catalogue import Card, CatalogueView, catalogue_view, page
from services.coverage import ServedBy, served_by
from services.proactive.counts import DeliveryCounts, delivery_counts
from standard import pagination
from standard.pagination import check_first

_CURSOR_KIND = "c1"


def served(context: RequestContext) -> ServedBy:
    """Which record types serve each dataset, from the standard records the registry serves."""
    return served_by(context.registry.specs.values())


async def load_catalogue(context: RequestContext) -> CatalogueView:
    """`Query.catalogue`: the catalogue as of this request."""
    return await catalogue_view(context.sessions, context.registry.shared_health, served(context))


async def load_delivery_counts(context: RequestContext) -> DeliveryCounts:
    """Proactive cases made, executed and confirmed, per card and per agency (aggregates only:
    public like the rest of the catalogue)."""
    async with context.sessions() as session:
        return await delivery_counts(session)


def encode_cursor(card: Card) -> str:
    return pagination.encode_cursor(_CURSOR_KIND, card.id)


def decode_cursor(value: str) -> str:
    """The card id a cursor names; BAD_USER_INPUT for anything this gateway did not hand out."""
    return pagination.decode_cursor(_CURSOR_KIND, value)


@dataclass(frozen=True, slots=True)
class CardPage:
    """One page of the catalogue's cards, how many match in all, and whether more follow."""

    cards: list[Card]
    total_count: int
    has_next: bool


def card_page(
    view: CatalogueView,
    *,
    agency: str | None,
    connected: bool | None,
    first: int,
    after: str | None,
) -> CardPage:
    check_first(first)
    position = decode_cursor(after) if after is not None else None
    cards = view.cards(agency=agency, connected=connected)
    shown, has_next = page(cards, first=first, after=position)
    return CardPage(shown, len(cards), has_next)
