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

from auth.accounts.staff import StaffMember, staff_principal
from resolvers.cards import register_card
from resolvers.context import RequestContext
from standard.statuses import ProactiveMode, StaffRole
from store.models import ServiceCard
from tests.harness import RunningGateway
from tests.resolvers.test_own_consents import a_consent
from tests.resolvers.tracker_support import entry, outsider, window, write
from tests.services.proactive.support import add_case, add_dead_letter, fail_delivery
from tests.web.console_support import CIVIL, STAFF_PASSWORD, ensure_staff
from tests.web.support import PASSWORD, REDIRECT_URI, ensure_account, pending_request
from web.console_registration import CardForm

STAFF = "suite.admin"
SUITE_CARD = "console-suite-card"
UNRUN = "console.test"  # a life event kind no card runs on: replaying it makes no case


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
    # The agency console (an admin of the civil registry: every button shown).
    Page("console-login", "/console/login"),
    Page("console-sources", "/console/sources", login="staff"),
    Page("console-source", "/console/sources/civil-identity", login="staff"),
    Page("console-source-new", "/console/sources/new", login="staff"),
    Page("console-card-history", f"/console/cards/{SUITE_CARD}", login="staff"),
    Page("console-services", "/console/services", login="staff"),
    Page("console-card-new", "/console/services/new-card", login="staff"),
    Page("console-client-new", "/console/services/new-client", login="staff"),
    Page("console-cases", "/console/cases", login="staff", keyboard=("replay",)),
    Page("console-replay", "/console/dead-letters/{dead_letter}/replay", login="staff"),
    Page("console-reads", "/console/reads", login="staff"),
    Page("console-staff", "/console/staff", login="staff"),
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


async def staff(visit: Visit) -> None:
    """The suite's admin of the civil registry (made by console_story), signed in through the
    console's login page."""
    await visit.tab.goto(visit.url("/console/login"))
    await visit.tab.fill("#username", STAFF)
    await visit.tab.fill("#password", STAFF_PASSWORD)
    await visit.tab.click("form[action='/console/login'] button[type=submit]")
    await visit.tab.wait_for_url("**/console/sources*")


LOGINS: dict[str, Callable[[Visit], Awaitable[None]]] = {
    "anonymous": anonymous,
    "citizen": citizen,
    "staff": staff,
}


# -- what the pages show -----------------------------------------------------------------------


async def consent_request(visit: Visit) -> str:
    request_id, _ = await pending_request(visit.gateway)
    return request_id


async def citizen_consent(visit: Visit) -> str:
    return await a_consent(visit.gateway, visit.citizen)


async def dead_letter(visit: Visit) -> str:
    return await add_dead_letter(visit.gateway.gateway.sessions, subject=visit.citizen,
                                 agency=CIVIL, kind=UNRUN)  # fmt: skip


PLACEHOLDERS: dict[str, Callable[[Visit], Awaitable[str]]] = {
    "consent_request": consent_request,
    "citizen_consent": citizen_consent,
    "dead_letter": dead_letter,
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


async def console_story(gateway: RunningGateway, citizen: str) -> None:
    """The civil registry's admin, a card with two versions, proactive cases of each status
    (one whose webhook delivery failed) and a dead letter, so each console page shows its
    tables and buttons."""
    await ensure_staff(gateway, STAFF, CIVIL, "ADMIN")
    sessions = gateway.gateway.sessions
    async with sessions() as session:
        if await session.get(ServiceCard, SUITE_CARD) is not None:
            return
    member = StaffMember(STAFF, STAFF, CIVIL, StaffRole.ADMIN, "00" * 32, "ab" * 32)
    context = RequestContext(registry=gateway.gateway.registry,
                             principal=staff_principal(member), sessions=sessions)  # fmt: skip
    card = {"id": SUITE_CARD, "name_fa": "گواهی ولادت", "name_en": "Birth certificate",
            "legal_basis": "consent", "purpose_en": "A copy of a birth certificate"}  # fmt: skip
    await register_card(context, CardForm(card, ("civil.birth",), False))
    await register_card(context, CardForm({**card, "name_en": "Birth certificate copy"},
                                          ("civil.birth", "civil.identity"), False))  # fmt: skip
    names = ("ثبت نام پیش‌دبستانی", "Pre-school enrolment")
    for mode in ProactiveMode:
        card_id = f"{SUITE_CARD}-{mode.value.lower().replace('_', '-')}"
        await add_case(sessions, subject=citizen, agency=CIVIL, card_id=card_id, mode=mode,
                       name=names)  # fmt: skip
    failed = await add_case(sessions, subject=citizen, agency=CIVIL, card_id=SUITE_CARD + "-n",
                            deliver=True, name=names)  # fmt: skip
    await fail_delivery(sessions, failed)
    await add_dead_letter(sessions, subject=citizen, agency=CIVIL, kind=UNRUN)


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


async def replay(visit: Visit) -> None:
    """Replaying a dead letter asks first: the link opens the confirmation, whose button
    replays it; the list then says so."""
    event = await dead_letter(visit)
    await visit.tab.reload()
    await focus(visit.tab, f"a[href='/console/dead-letters/{event}/replay']")
    await visit.tab.keyboard.press("Enter")
    await visit.tab.wait_for_url("**/replay*")
    await focus(visit.tab, "form[action$='/replay'] button[type=submit]")
    await visit.tab.keyboard.press("Space")
    await visit.tab.wait_for_url("**/console/cases")
    await expect(visit.tab.locator("p.ok[role=status]")).to_contain_text(event)


KEYBOARD: dict[str, Callable[[Visit], Awaitable[Any]]] = {
    "sign_in": sign_in,
    "keep_token": keep_token,
    "approve": approve,
    "revoke": revoke,
    "replay": replay,
}
