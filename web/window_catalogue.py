"""The window's service catalogue, `/catalogue`: search and filters (agency, connected, proactive,
dataset) as a plain GET form, so it works without JavaScript and every result is a link; and a
page per card, `/catalogue/{id}`: what it needs, its legal basis, connected or why not.

Every parameter is bounded: a search of at most MAX_SEARCH characters (at most MAX_TERMS
words), filters only from their known values, a page number within the results. Anything else
is a 400 page naming the parameter, never a guess.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from services.cards import ID_PATTERN, KNOWN_DATASETS, MAX_ID
from services.catalogue import Card, CatalogueView, Snapshot
from standard import life_events
from web import i18n
from web.render import render
from web.window_data import current_view

CATALOGUE = "/catalogue"
PAGE_SIZE = 50
MAX_SEARCH = 100
MAX_TERMS = 8
MAX_PAGE = 10_000
CHOICES = {"": None, "yes": True, "no": False}

# Searching Persian as people type it: Arabic yeh and kaf are the Persian letters, a zero-width
# non-joiner is a space ("ثبت‌نام" finds "ثبت نام"), digits in any script are Latin.
_FOLD = str.maketrans(
    {"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u200c": " ", "\u200f": "", "\u200e": ""}
    | {chr(0x06F0 + n): str(n) for n in range(10)}
    | {chr(0x0660 + n): str(n) for n in range(10)}
)


def fold(text: str) -> str:
    return " ".join(text.casefold().translate(_FOLD).split())


class BadFilter(ValueError):
    """A query parameter outside what the catalogue accepts; names it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True, slots=True)
class Filters:
    search: str = ""
    agency: str = ""
    dataset: str = ""
    connected: str = ""
    proactive: str = ""
    page: int = 1

    def query(self, **changes: Any) -> str:
        """This search's URL, with `changes`; empty values are left out."""
        values = {
            "q": self.search, "agency": self.agency, "dataset": self.dataset,
            "connected": self.connected, "proactive": self.proactive, "page": self.page,
        } | changes  # fmt: skip
        kept = {key: value for key, value in values.items() if value not in ("", 1, None)}
        return f"{CATALOGUE}?{urlencode(kept)}" if kept else CATALOGUE


def _printable(text: str) -> str:
    """Control and format characters dropped (but the zero-width non-joiner Persian uses)."""
    return "".join(
        char for char in text if char == "\u200c" or unicodedata.category(char)[0] != "C"
    )


def read_filters(request: Request, view: CatalogueView) -> Filters:
    params = request.query_params
    search = params.get("q", "")
    if len(search) > MAX_SEARCH:
        raise BadFilter("q")
    search = " ".join(_printable(search).split())
    if len(search.split()) > MAX_TERMS:
        raise BadFilter("q")
    agency = params.get("agency", "")
    if agency and agency not in view.snapshot.agency_names:
        raise BadFilter("agency")
    dataset = params.get("dataset", "")
    if dataset and dataset not in KNOWN_DATASETS:
        raise BadFilter("dataset")
    for name in ("connected", "proactive"):
        if params.get(name, "") not in CHOICES:
            raise BadFilter(name)
    page_text = params.get("page", "1") or "1"
    if not (page_text.isascii() and page_text.isdigit() and len(page_text) <= 5):
        raise BadFilter("page")
    page = int(page_text)
    if not 1 <= page <= MAX_PAGE:
        raise BadFilter("page")
    return Filters(search, agency, dataset, params.get("connected", ""),
                   params.get("proactive", ""), page)  # fmt: skip


# The search text of each card of the newest snapshot (names, purposes, id, agency names).
_index: tuple[Snapshot, dict[str, str]] | None = None


def search_index(snapshot: Snapshot) -> dict[str, str]:
    """Worked out again only for the cards changed since the last snapshot (a changed card is
    a new object; the others are carried over as they were)."""
    global _index
    if _index is None or _index[0] is not snapshot:
        names = snapshot.agency_names
        before, texts = _index if _index is not None else (None, {})
        kept = before.by_id if before is not None and before.agency_names == names else {}
        _index = (snapshot, {
            card.id: texts[card.id] if kept.get(card.id) is card else _search_text(card, names)
            for card in snapshot.cards
        })  # fmt: skip
    return _index[1]


def _search_text(card: Card, names: dict[str, tuple[str, str]]) -> str:
    return fold(" ".join((card.id, card.name_fa, card.name_en, card.purpose_fa, card.purpose_en,
                          *names.get(card.agency, (card.agency,)))))  # fmt: skip


def matching(view: CatalogueView, filters: Filters) -> list[Card]:
    """The enabled cards these filters keep, by id."""
    cards = view.cards(agency=filters.agency or None, connected=CHOICES[filters.connected])
    proactive = CHOICES[filters.proactive]
    if proactive is not None:
        cards = [card for card in cards if card.proactive is proactive]
    if filters.dataset:
        cards = [card for card in cards if filters.dataset in card.datasets]
    terms = fold(filters.search).split()
    if terms:
        index = search_index(view.snapshot)
        cards = [card for card in cards if all(term in index[card.id] for term in terms)]
    return cards


def _refused(request: Request, status: int, key: str, name: str) -> Response:
    return render(request, "window_error.html", status=status, title_key=f"{key}_title",
                  body_key=key, name=name, section="catalogue")  # fmt: skip


def _name(lang: str, pair: tuple[str, str]) -> str:
    return pair[0] if lang == "fa" else pair[1]


async def catalogue_page(request: Request) -> Response:
    lang, _ = i18n.choose(request)
    view = await current_view(request)
    try:
        filters = read_filters(request, view)
    except BadFilter as bad:
        return _refused(request, 400, "win_bad_filter", bad.name)
    found = matching(view, filters)
    pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    page = min(filters.page, pages)
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    agencies = sorted(
        ((code, _name(lang, names)) for code, names in view.snapshot.agency_names.items()),
        key=lambda item: item[1],
    )
    rows = [
        {"card": card, "agency": _name(lang, view.names(card.agency)),
         "connected": view.connected(card)}
        for card in shown
    ]  # fmt: skip
    return render(
        request,
        "window_catalogue.html",
        filters=filters,
        rows=rows,
        total=len(found),
        page=page,
        pages=pages,
        previous_url=filters.query(page=page - 1) if page > 1 else None,
        next_url=filters.query(page=page + 1) if page < pages else None,
        agencies=agencies,
        datasets=sorted(view.snapshot.datasets() | {filters.dataset} - {""}),
        section="catalogue",
    )


async def card_page(request: Request) -> Response:
    lang, _ = i18n.choose(request)
    card_id = request.path_params["card_id"]
    view = await current_view(request)
    card = view.card(card_id) if len(card_id) <= MAX_ID and ID_PATTERN.fullmatch(card_id) else None
    if card is None:
        return _refused(request, 404, "win_card_missing", "")
    missing: dict[str, list[str]] = {}
    for gap in view.missing(card):
        missing.setdefault(gap.dataset, []).append(gap.reason.value)
    event = None
    if card.life_event:
        known = {item.value: item for item in life_events.LifeEvent}.get(card.life_event)
        event = (known.name_fa if lang == "fa" else known.name_en) if known else card.life_event
    return render(
        request,
        "window_card.html",
        card=card,
        agency=_name(lang, view.names(card.agency)),
        missing={dataset: sorted(set(reasons)) for dataset, reasons in missing.items()},
        connected=not missing,
        event=event,
        section="catalogue",
    )
