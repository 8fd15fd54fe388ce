"""Every page of the product, in one list: the browser quality suite (tests/browser/test_pages.py)
opens each in Persian and English, at desktop and phone widths, runs axe-core, saves a screenshot
and walks it with the keyboard.

Adding a page: append a `Page` to PAGES. `login` names an entry of LOGINS (add one for a new kind
of account: it signs the browser in through the real login form); a `{placeholder}` in `path`
names an entry of PLACEHOLDERS (an async function making what the page shows, e.g. a pending
consent request); `expect` is a selector that must be visible once the page has loaded;
`keyboard` names entries of KEYBOARD: actions done with the keyboard alone, beyond reaching
every control (which the suite checks on every page).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from playwright.async_api import Page as Tab
from playwright.async_api import expect

from tests.harness import RunningGateway
from tests.resolvers.test_own_consents import a_consent
from tests.resolvers.tracker_support import entry, outsider, window, write
from tests.web.support import PASSWORD, REDIRECT_URI, ensure_account, pending_request


@dataclass(frozen=True)
class Page:
    name: str  # the screenshot's stem: var/screenshots/<name>-<lang>-<width>.png
    path: str
    login: str = "anonymous"
    expect: str = "main h1"
    keyboard: tuple[str, ...] = ()
    status: int = 200


PAGES: tuple[Page, ...] = (
    Page("login", "/login", keyboard=("sign_in",)),
    Page("developers", "/developers", keyboard=("keep_token",)),
    Page("graphiql", "/graphql", expect=".graphiql-execute-button"),
    Page("consent", "/consent/{consent_request}", login="citizen", keyboard=("approve",)),
    Page("consents", "/me/consents", login="citizen", keyboard=("revoke",)),
    Page("data-access", "/me/data-access", login="citizen"),
    Page("error", "/consent/no-such-request", login="citizen", status=400),
    # The national window (public).
    Page("window", "/"),
    Page("catalogue", "/catalogue"),
    Page("catalogue-card", "/catalogue/school-enrolment"),
    Page("agencies", "/agencies"),
    Page("agency", "/agencies/civil-registry"),
    # The citizen's portal.
    Page("my-data", "/me/data", login="citizen"),
    Page("children", "/me/children", login="citizen"),
    Page("services", "/me/services", login="citizen"),
    Page("revoke-confirm", "/me/consents/{citizen_consent}/revoke", login="citizen"),
)


@dataclass
class Visit:
    """One page opened in one browser tab: what logins and placeholders act on."""

    gateway: RunningGateway
    base_url: str
    tab: Tab
    lang: str
    citizen: str
    made: dict[str, str] = field(default_factory=dict)

    def url(self, path: str, **params: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in ({"lang": self.lang} | params).items())
        return f"{self.base_url}{path}{'&' if '?' in path else '?'}{query}"


# -- who is signed in --------------------------------------------------------------------------


async def anonymous(visit: Visit) -> None:
    return None


async def citizen(visit: Visit) -> None:
    """The suite's own citizen (nobody else's data or log; the account made by citizen_story),
    signed in through the login page."""
    await visit.tab.goto(visit.url("/login"))
    await visit.tab.fill("#national_id", visit.citizen)
    await visit.tab.fill("#password", PASSWORD)
    await visit.tab.click("form[action='/login'] button[type=submit]")
    await visit.tab.wait_for_url("**/me/consents*")


LOGINS: dict[str, Callable[[Visit], Awaitable[None]]] = {
    "anonymous": anonymous,
    "citizen": citizen,
}


# -- what the pages show -----------------------------------------------------------------------


async def consent_request(visit: Visit) -> str:
    request_id, _ = await pending_request(visit.gateway)
    return request_id


async def citizen_consent(visit: Visit) -> str:
    return await a_consent(visit.gateway, visit.citizen)


PLACEHOLDERS: dict[str, Callable[[Visit], Awaitable[str]]] = {
    "consent_request": consent_request,
    "citizen_consent": citizen_consent,
}


async def citizen_story(gateway: RunningGateway) -> str:
    """A citizen with a consent and reads of every outcome in their log, so each page shows
    its tables, badges and buttons."""
    citizen = outsider(gateway.world)
    await ensure_account(gateway, citizen)
    await a_consent(gateway, citizen)
    start = window()
    await write(
        gateway.gateway.sessions,
        [
            entry(citizen, start),
            entry(citizen, start + timedelta(minutes=1), outcome="DENIED", reason="FORBIDDEN"),
            entry(citizen, start + timedelta(minutes=2), outcome="SOURCE_ERROR"),
        ],
    )
    return citizen


# -- actions done with the keyboard alone ------------------------------------------------------


async def focus(tab: Tab, selector: str, limit: int = 400) -> None:
    """Tab from the top of the page until `selector` has the focus."""
    await tab.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(limit):
        await tab.keyboard.press("Tab")
        if await tab.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


async def sign_in(visit: Visit) -> None:
    await focus(visit.tab, "#national_id")
    await visit.tab.keyboard.type(visit.citizen)
    await visit.tab.keyboard.press("Tab")
    await visit.tab.keyboard.type(PASSWORD)
    await visit.tab.keyboard.press("Enter")
    await visit.tab.wait_for_url("**/me/consents*")


async def keep_token(visit: Visit) -> None:
    await focus(visit.tab, "#pasted-token")
    await visit.tab.keyboard.type("a.pasted.token")
    await focus(visit.tab, "#paste-token-form button[type=submit]")
    await visit.tab.keyboard.press("Space")
    stored = await visit.tab.evaluate("sessionStorage.getItem('darvazeh.developer-token')")
    assert stored and "a.pasted.token" in stored
    await focus(visit.tab, "#forget-token")
    await visit.tab.keyboard.press("Enter")
    assert await visit.tab.evaluate("sessionStorage.getItem('darvazeh.developer-token')") is None


async def approve(visit: Visit) -> None:
    # Approving sends the browser on to the service's callback (nothing listens there).
    await focus(visit.tab, "button[value=approve]")
    async with visit.tab.expect_request(lambda r: r.url.startswith(REDIRECT_URI + "?")) as sent:
        await visit.tab.keyboard.press("Enter")
    assert "code=" in (await sent.value).url


async def revoke(visit: Visit) -> None:
    """Revoking asks first: the link opens the confirmation, whose button revokes."""
    await a_consent(visit.gateway, visit.citizen)
    await visit.tab.reload()
    links = visit.tab.locator("a[href$='/revoke']")
    before = await links.count()
    await focus(visit.tab, "a[href$='/revoke']")
    await visit.tab.keyboard.press("Enter")
    await visit.tab.wait_for_url("**/revoke*")
    await focus(visit.tab, "form[action$='/revoke'] button")
    await visit.tab.keyboard.press("Space")
    await visit.tab.wait_for_url("**/me/consents*")
    await expect(links).to_have_count(before - 1)


KEYBOARD: dict[str, Callable[[Visit], Awaitable[Any]]] = {
    "sign_in": sign_in,
    "keep_token": keep_token,
    "approve": approve,
    "revoke": revoke,
}
