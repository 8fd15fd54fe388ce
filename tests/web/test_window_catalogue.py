"""The window's catalogue, `/catalogue` and `/catalogue/{id}`, over HTTP: the filters give the
same cards as `Query.catalogue`, search finds Persian as people type it, pages keep the filters,
and a card's page says what it needs and why it is not connected."""

from __future__ import annotations

import html
import re

import pytest

from services.catalogue import Snapshot
from tests.harness import RunningGateway
from tests.schema.test_catalogue import every_card
from tests.services.test_catalogue import BEFORE, NAMES, card
from tests.web.support import assert_secure_headers, browser
from web.window_catalogue import PAGE_SIZE, fold, search_index


@pytest.fixture
async def healthy(gateway: RunningGateway) -> RunningGateway:
    results = await gateway.gateway.registry.probe_all()
    assert all(result.ok for result in results.values()), results
    return gateway


def listed(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/catalogue/([a-z0-9-]+)">', page)


def total(page: str) -> int:
    match = re.search(r'id="results-heading" role="status">(\d[\d,]*) services<', page)
    assert match, "no count"
    return int(match.group(1).replace(",", ""))


async def test_filters_give_the_catalogues_cards(healthy: RunningGateway) -> None:
    cards = await every_card(healthy)
    agency = cards[0]["agency"]["code"]
    unconnected = [card for card in cards if not card["connected"]]
    dataset = unconnected[0]["missing"][0]["dataset"]
    async with browser(healthy) as client:
        everything = await client.get("/catalogue", params={"lang": "en"})
        assert_secure_headers(everything)
        assert total(everything.text) == len(cards)
        assert listed(everything.text) == sorted(card["id"] for card in cards)[:PAGE_SIZE]
        chosen = await client.get(
            "/catalogue",
            params={"agency": agency, "connected": "no", "dataset": dataset, "lang": "en"},
        )
    expected = [card["id"] for card in unconnected
                if card["agency"]["code"] == agency and dataset in card["datasets"]]  # fmt: skip
    assert total(chosen.text) == len(expected)
    assert listed(chosen.text) == expected[:PAGE_SIZE]
    # The form shows the filters chosen.
    assert f'<option value="{agency}" selected>' in chosen.text
    assert '<option value="no" selected>' in chosen.text


async def test_proactive_filter_and_pages(healthy: RunningGateway) -> None:
    cards = await every_card(healthy)
    proactive = sorted(card["id"] for card in cards if card["proactive"])
    assert proactive, "the demo catalogue has proactive cards"
    async with browser(healthy) as client:
        only = await client.get("/catalogue", params={"proactive": "yes", "lang": "en"})
        assert listed(only.text) == proactive[:PAGE_SIZE]
        first = await client.get("/catalogue", params={"connected": "no", "lang": "en"})
        older = re.search(r'<a href="([^"]+)" rel="next">', first.text)
        assert older, "more than one page of unconnected cards"
        second = await client.get(html.unescape(older.group(1)))
    assert "connected=no" in older.group(1) and "page=2" in older.group(1)
    unconnected = sorted(card["id"] for card in cards if not card["connected"])
    assert listed(second.text) == unconnected[PAGE_SIZE : 2 * PAGE_SIZE]
    assert 'rel="prev"' in second.text


async def test_search_finds_persian_as_typed(healthy: RunningGateway) -> None:
    cards = await every_card(healthy)
    card = next(card for card in cards if " " in card["nameFa"])
    first, second = card["nameFa"].split(" ")[:2]
    # Typed with a zero-width non-joiner and Arabic letters, as some keyboards give them.
    typed = f"{first}\u200c{second}".replace("ی", "ي").replace("ک", "ك")
    expected = sorted(c["id"] for c in cards if fold(f"{first} {second}") in fold(c["nameFa"]))
    async with browser(healthy) as client:
        found = await client.get("/catalogue", params={"q": typed, "lang": "en"})
        by_id = await client.get("/catalogue", params={"q": card["id"].upper()})
        nothing = await client.get("/catalogue", params={"q": "no-such-service-at-all"})
    assert card["id"] in listed(found.text)
    assert set(listed(found.text)) <= set(expected) or total(found.text) > PAGE_SIZE
    assert card["id"] in listed(by_id.text)
    assert listed(nothing.text) == [] and 'class="empty"' in nothing.text


async def test_a_cards_page_says_what_it_needs(healthy: RunningGateway) -> None:
    cards = await every_card(healthy)
    missing = next(card for card in cards if not card["connected"])
    connected = next(card for card in cards if card["connected"])
    async with browser(healthy) as client:
        waiting = await client.get(f"/catalogue/{missing['id']}", params={"lang": "en"})
        ready = await client.get(f"/catalogue/{connected['id']}", params={"lang": "fa"})
        unknown = await client.get("/catalogue/no-such-card")
    assert waiting.status_code == 200 and ready.status_code == 200
    assert html.escape(missing["nameEn"]) in waiting.text
    assert "This service is not connected" in waiting.text
    for gap in missing["missing"]:
        assert f'<bdi dir="ltr">{gap["dataset"]}</bdi>' in waiting.text
    basis = "By law:" if missing["legalBasis"] == "STATUTE" else "The citizen&#39;s consent"
    assert basis in waiting.text
    assert "این خدمت متصل است" in ready.text
    assert unknown.status_code == 404 and "No such service" not in unknown.text  # in Persian


def test_the_search_text_is_folded_again_only_for_changed_cards() -> None:
    before = Snapshot.of((), BEFORE, NAMES)
    first = search_index(before)
    renamed = card("a-birth", "civil.birth", name_en="Birth certificate", version=2, minute=5)
    after = before.changed([renamed], ("next",), NAMES)
    second = search_index(after)
    assert second["c-deeds"] is first["c-deeds"]  # carried over, not folded again
    assert "birth certificate" in second["a-birth"] and second["a-birth"] != first["a-birth"]
    assert search_index(after) is second
