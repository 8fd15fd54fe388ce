"""Accept-Language from an attacker: a header of any size or shape costs the same bounded work
and still gets a page (in Persian, the default), never an error."""

from __future__ import annotations

import time

import pytest

from tests.harness import RunningGateway
from tests.web.support import browser
from web.accept_language import MAX_HEADER_LENGTH, preferred

HUGE = 1_000_000


@pytest.mark.parametrize(
    "header",
    [
        "en;q=0.9," * (HUGE // 9),  # a million characters of valid ranges
        "," * HUGE,
        ";" * HUGE,
        "q=" * HUGE,
        "a-" * HUGE,
        "x" * HUGE,
        " " * HUGE + "en",
    ],
)
def test_a_huge_header_is_read_only_up_to_the_bound(header: str) -> None:
    started = time.perf_counter()
    ranges = preferred(header)
    assert time.perf_counter() - started < 0.05
    assert len(",".join(ranges)) <= MAX_HEADER_LENGTH


def test_a_range_cut_by_the_bound_is_not_read_as_another() -> None:
    # The bound falls right after "en" of "en;q=0.1": cut there, "en" would weigh 1 and win.
    header = " " * (MAX_HEADER_LENGTH - 12) + "fa;q=0.5, en;q=0.1"
    assert header[:MAX_HEADER_LENGTH].endswith(", en")
    assert preferred(header) == ["fa"]


@pytest.mark.parametrize(
    "header",
    [
        "x" * 60_000,
        "en;q=" + "9" * 60_000,
        ",".join(f"l{n % 10}-{'a' * 8}" for n in range(5000)),
        "\u202een-US\u202c, fa;q=nan, en;q=inf",
        "en\udcff;q=1",
    ],
)
async def test_a_page_answers_whatever_the_header(gateway: RunningGateway, header: str) -> None:
    raw = header.encode("utf-8", "surrogateescape")  # any bytes, not only ASCII
    async with browser(gateway) as client:
        page = await client.get("/login", headers={"Accept-Language": raw})
    assert page.status_code == 200
    assert '<html lang="fa" dir="rtl">' in page.text
