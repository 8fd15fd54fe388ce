"""The service catalogue's resolvers: the view of the catalogue as GraphQL objects, and its pages.

The catalogue is public (the national window shows it to everyone): no token is asked for, and
an invalid one is not refused here, since nothing here depends on who asks.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from resolvers.context import RequestContext
from resolvers.errors import field_error
from services.catalogue import (
    MAX_PAGE,
    Card,
    CatalogueView,
    Coverage,
    card_of,
    catalogue_view,
    page,
)
from services.coverage import Missing
from services.life_events import LifeEvent
from standard.errors import ErrorCode
from store.models import ServiceCard

DEFAULT_FIRST = 20
MAX_FIRST = MAX_PAGE
_CURSOR_PREFIX = "c1."
_MAX_CURSOR_CHARS = 120


async def load_catalogue(context: RequestContext) -> Any:
    """`Query.catalogue`: the catalogue as of this request."""
    from schema.catalogue import Catalogue

    return Catalogue(view=await catalogue_view(context.sessions, context.registry.shared_health))


def encode_cursor(card: Card) -> str:
    raw = (_CURSOR_PREFIX + card.id).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(value: str) -> str:
    """The card id a cursor names; BAD_USER_INPUT for anything this gateway did not hand out."""
    bad = field_error(ErrorCode.BAD_USER_INPUT, "`after` is not a cursor of this list")
    if not value or len(value) > _MAX_CURSOR_CHARS:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        raise bad from None
    if not raw.startswith(_CURSOR_PREFIX) or len(raw) == len(_CURSOR_PREFIX):
        raise bad
    return raw[len(_CURSOR_PREFIX) :]


def coverage_of(view: CatalogueView) -> Any:
    return _coverage(view.coverage())


def _coverage(found: Coverage) -> Any:
    from schema.catalogue import Coverage as CoverageType

    return CoverageType(connected=found.connected, total=found.total, share=found.share)


def agency_coverage(view: CatalogueView) -> list[Any]:
    from schema.catalogue import AgencyCoverage

    return [
        AgencyCoverage(
            code=agency.code,
            name_fa=agency.name_fa,
            name_en=agency.name_en,
            connected=agency.coverage.connected,
            total=agency.coverage.total,
            share=agency.coverage.share,
        )
        for agency in view.agencies()
    ]


def card_connection(
    view: CatalogueView,
    *,
    agency: str | None,
    connected: bool | None,
    first: int,
    after: str | None,
) -> Any:
    from schema.catalogue import CatalogueCardConnection, CatalogueCardEdge
    from schema.tracker import PageInfo

    if not 1 <= first <= MAX_FIRST:
        raise field_error(ErrorCode.BAD_USER_INPUT, f"`first` must be 1 to {MAX_FIRST}")
    position = decode_cursor(after) if after is not None else None
    cards = view.cards(agency=agency, connected=connected)
    shown, has_next = page(cards, first=first, after=position)
    edges = [
        CatalogueCardEdge(cursor=encode_cursor(card), node=catalogue_card(view, card))
        for card in shown
    ]
    return CatalogueCardConnection(
        total_count=len(cards),
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
    )


def catalogue_card(view: CatalogueView, card: Card) -> Any:
    return to_graphql(card, view.names(card.agency), view.missing(card))


def card_from_row(row: ServiceCard, names: tuple[str, str], missing: tuple[Missing, ...]) -> Any:
    """A card just changed (not yet in any view) as GraphQL."""
    return to_graphql(card_of(row), names, missing)


def to_graphql(card: Card, names: tuple[str, str], missing: tuple[Missing, ...]) -> Any:
    from schema.catalogue import CatalogueCard, MissingDataset
    from schema.tracker import Agency
    from services.cards import LegalBasis

    return CatalogueCard(
        id=card.id,  # type: ignore[arg-type]
        name_fa=card.name_fa,
        name_en=card.name_en,
        purpose_fa=card.purpose_fa,
        purpose_en=card.purpose_en,
        agency=Agency(code=card.agency, name_fa=names[0], name_en=names[1]),
        datasets=list(card.datasets),
        legal_basis=LegalBasis(card.legal_basis),
        statute=card.statute,
        proactive=card.proactive,
        life_event=card.life_event,
        enabled=card.enabled,
        version=card.version,
        connected=not missing,
        missing=[
            MissingDataset(dataset=gap.dataset, reason=gap.reason, detail=gap.detail)
            for gap in missing
        ],
    )


def life_events() -> list[Any]:
    from schema.catalogue import LifeEvent as LifeEventType

    return [
        LifeEventType(id=event.value, name_fa=event.name_fa, name_en=event.name_en)
        for event in LifeEvent
    ]
