"""Every page in tests/browser/pages.py, in Debian's Chromium through Playwright: in Persian and
English, at desktop (1280 px) and phone (390 px) widths; axe-core finds no serious or critical
violation (WCAG 2.2 AA contrast included), a screenshot of each is kept under var/screenshots/
(CI's artefact), and every control can be reached with Tab and each page's actions done with
the keyboard alone.

axe-core comes from npm (tests/browser/package.json, `npm ci --prefix tests/browser`): without
it, or without Chromium, these tests skip locally and fail in CI.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.browser.pages import (
    KEYBOARD,
    LOGINS,
    PAGES,
    PLACEHOLDERS,
    Page,
    Visit,
    citizen_story,
    console_story,
)
from tests.conftest import REQUIRE_SERVICES
from tests.harness import ROOT, RunningGateway, serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
LANGS = ("fa", "en")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = {"serious", "critical"}
# What a keyboard can reach and operate; hidden and disabled controls are not actions.
FOCUSABLE = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    "[tabindex]:not([tabindex='-1'])"
)


def _missing(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"no {what} on this machine")


@pytest.fixture(scope="module")
async def site(gateway: RunningGateway) -> AsyncIterator[dict[str, Any]]:
    """The running gateway over real HTTP, one Chromium, axe's source and the suite's citizen."""
    if CHROMIUM is None:
        _missing("Chromium (Debian package `chromium`)")
    if not AXE.exists():
        _missing("axe-core (`npm ci --prefix tests/browser`)")
    from playwright.async_api import async_playwright

    citizen = await citizen_story(gateway)
    await console_story(gateway, citizen)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with serve(gateway.app, lifespan="off") as url, async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        try:
            yield {"url": url, "browser": chromium, "axe": AXE.read_text(), "citizen": citizen}
        finally:
            await chromium.close()


async def open_page(
    site: dict[str, Any], gateway: RunningGateway, page: Page, lang: str, width: str
) -> tuple[Visit, Any]:
    """A fresh browser context (no cookies) signed in as the page needs, on the page."""
    w, h = WIDTHS[width]
    context = await site["browser"].new_context(
        viewport={"width": w, "height": h}, locale="fa-IR" if lang == "fa" else "en-US"
    )
    tab = await context.new_page()
    visit = Visit(gateway, site["url"], tab, lang, site["citizen"])
    await LOGINS[page.login](visit)
    path = page.path
    for name in re.findall(r"{(\w+)}", path):
        path = path.replace(f"{{{name}}}", await PLACEHOLDERS[name](visit))
    response = await tab.goto(visit.url(path))
    assert response is not None and response.status == page.status, (page.path, response)
    await tab.wait_for_load_state("load")
    await tab.locator(page.expect).first.wait_for(state="visible")
    assert await tab.get_attribute("html", "lang") == lang
    return visit, context


def _report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"][:5]]
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']} {targets}")
    return "\n".join(lines)


CASES = [(page, lang, width) for page in PAGES for lang in LANGS for width in WIDTHS]


@pytest.mark.parametrize(
    ("page", "lang", "width"), CASES, ids=[f"{p.name}-{lang}-{w}" for p, lang, w in CASES]
)
async def test_axe_and_screenshot(
    site: dict[str, Any], gateway: RunningGateway, page: Page, lang: str, width: str
) -> None:
    visit, context = await open_page(site, gateway, page, lang, width)
    try:
        tab = visit.tab
        await tab.screenshot(
            path=str(SCREENSHOTS / f"{page.name}-{lang}-{width}.png"), full_page=True
        )
        # Evaluated through the DevTools protocol: the page's CSP (no inline script) still holds.
        await tab.evaluate(site["axe"])
        result = await tab.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
        assert not blocking, f"{page.path} ({lang}, {width}):\n{_report(blocking)}"
        # Nothing wider than the screen: a phone reader never scrolls sideways.
        overflow = await tab.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{page.path} ({lang}, {width}) is {overflow} px too wide"
    finally:
        await context.close()


KEY_CASES = [(page, lang) for page in PAGES for lang in LANGS]


@pytest.mark.parametrize(
    ("page", "lang"), KEY_CASES, ids=[f"{p.name}-{lang}" for p, lang in KEY_CASES]
)
async def test_keyboard_only(
    site: dict[str, Any], gateway: RunningGateway, page: Page, lang: str
) -> None:
    visit, context = await open_page(site, gateway, page, lang, "desktop")
    try:
        tab = visit.tab
        # Every visible control, numbered; then Tab through the page and note which got focus.
        count = await tab.evaluate(
            """(selector) => {
                // checkVisibility: not inside a closed <details>, display:none or hidden.
                const visible = (e) => !e.disabled
                    && e.checkVisibility({visibilityProperty: true, opacityProperty: true});
                const all = [...document.querySelectorAll(selector)].filter(visible);
                all.forEach((e, i) => e.setAttribute('data-keyboard', String(i)));
                return all.length;
            }""",
            FOCUSABLE,
        )
        reached: set[str] = set()
        await tab.evaluate("document.activeElement && document.activeElement.blur()")
        for _ in range(count * 2 + 5):
            await tab.keyboard.press("Tab")
            index = await tab.evaluate("document.activeElement.getAttribute('data-keyboard')")
            if index is not None:
                reached.add(index)
            if len(reached) == count:
                break
        # A radio group is one Tab stop (its arrows choose within it): reaching one reaches all.
        missed = await tab.evaluate(
            """(r) => {
                const hit = (e) => r.includes(e.getAttribute('data-keyboard'));
                const group = (e) => e.type === 'radio' && [...document.querySelectorAll(
                    `input[type=radio][name="${e.name}"][data-keyboard]`)].some(hit);
                return [...document.querySelectorAll('[data-keyboard]')]
                    .filter(e => !hit(e) && !group(e)).map(e => e.outerHTML);
            }""",
            sorted(reached),
        )
        assert not missed, f"{page.path} ({lang}): not reachable with Tab: {missed}"
        # Every action is a native control a keyboard operates (Enter/Space), never a bare
        # element with a click handler: links have a target, buttons are buttons.
        odd = await tab.evaluate(
            "[...document.querySelectorAll('[onclick], [role=button]:not(button)')]"
            ".map(e => e.outerHTML)"
        )
        assert not odd, f"{page.path} ({lang}): controls a keyboard cannot operate: {odd}"
        for action in page.keyboard:
            await KEYBOARD[action](visit)
    finally:
        await context.close()


def test_every_page_is_listed_once() -> None:
    names = [page.name for page in PAGES]
    assert len(names) == len(set(names))
    for page in PAGES:
        assert page.login in LOGINS
        assert set(re.findall(r"{(\w+)}", page.path)) <= set(PLACEHOLDERS)
        assert set(page.keyboard) <= set(KEYBOARD)
