"""The console's proactive cases over HTTP on the shared gateway's store: the agency's cases
newest first, filtered and a page at a time, with masked national codes; its dead letters and
failed webhook deliveries, replayed by an admin after a confirmation, the result shown after
the redirect; a viewer offered no replay."""

from __future__ import annotations

import html
import re

from standard.statuses import ProactiveMode
from store.proactive_models import CaseDelivery, LifeEventRecord
from tests.harness import RunningGateway
from tests.services.proactive.support import add_case, add_dead_letter, fail_delivery
from tests.web.console_support import console_csrf, ensure_staff, staff_browser
from web.console_cases import PAGE_SIZE

# A demo agency with no proactive card of its own: its lists hold only these tests' cases.
AGENCY = "post"
CARD, OTHER_CARD = "console-cases-notice", "console-cases-offer"
UNRUN = "console.test"  # a life event kind no card runs on: replaying it makes no case


def subject(gw: RunningGateway, n: int) -> str:
    return gw.world.people[200 + n].national_id


def rows(page: str) -> list[str]:
    """The case ids the page lists, in order."""
    return re.findall(r'<small dir="ltr" class="case-id">([^<]+)</small>', page)


async def test_cases_newest_first_filtered_and_paged_with_codes_masked(
    gateway: RunningGateway,
) -> None:
    made = [
        await add_case(
            gateway.gateway.sessions, subject=subject(gateway, n), agency=AGENCY, card_id=CARD
        )
        for n in range(PAGE_SIZE + 3)
    ]
    offered = await add_case(gateway.gateway.sessions, subject=subject(gateway, 40),
                             agency=AGENCY, card_id=OTHER_CARD, mode=ProactiveMode.CONFIRM,
                             deliver=True)  # fmt: skip
    await fail_delivery(gateway.gateway.sessions, offered)
    async with staff_browser(gateway, "cases.viewer", AGENCY, "VIEWER") as client:
        first = await client.get(f"/console/cases?lang=en&card={CARD}")
        assert first.status_code == 200, first.text
        assert rows(first.text) == made[: -PAGE_SIZE - 1 : -1]  # the newest first
        older = re.search(r'href="([^"]+)" rel="next"', first.text)
        assert older is not None
        second = await client.get(html.unescape(older.group(1)))
        assert second.status_code == 200 and rows(second.text) == made[2::-1]
        assert 'rel="next"' not in second.text and "Newest" in second.text
        offers = await client.get("/console/cases?lang=en&status=OFFERED")
        failed = await client.get("/console/cases?lang=en&delivery=DEAD")
        persian = await client.get("/console/cases?lang=fa&status=EXECUTED")
    for page in (first, second, offers, failed):
        assert not any(person.national_id in page.text for person in gateway.world.people[200:241])
    assert "•••••••" + subject(gateway, 0)[-3:] in second.text
    assert rows(offers.text) == [offered] and "Waiting for the citizen" in offers.text
    assert rows(failed.text) == [offered] and "Failed" in failed.text
    assert "/replay" not in failed.text  # a viewer is offered no replay
    assert persian.status_code == 200 and 'dir="rtl"' in persian.text
    assert "پرونده‌های پیش‌دستانه" in persian.text


async def test_an_admin_replays_a_dead_letter_after_confirming(gateway: RunningGateway) -> None:
    await add_case(gateway.gateway.sessions, subject=subject(gateway, 50), agency=AGENCY,
                   card_id=CARD)  # fmt: skip
    dead = await add_dead_letter(gateway.gateway.sessions, subject=subject(gateway, 51),
                                 agency=AGENCY, kind=UNRUN)  # fmt: skip
    async with staff_browser(gateway, "cases.admin", AGENCY, "ADMIN") as client:
        listed = await client.get("/console/cases?lang=en")
        assert f'href="/console/dead-letters/{dead}/replay"' in listed.text
        assert "the civil registry did not answer" in listed.text
        confirm = await client.get(f"/console/dead-letters/{dead}/replay?lang=en")
        assert confirm.status_code == 200 and "Yes, replay it" in confirm.text
        async with gateway.gateway.sessions() as session:
            assert (await session.get(LifeEventRecord, dead)).status == "DEAD"  # type: ignore[union-attr]
        replayed = await client.post(
            f"/console/dead-letters/{dead}/replay", data={"csrf_token": console_csrf(confirm.text)}
        )
        assert replayed.status_code == 303
        assert replayed.headers["location"] == "/console/cases"
        shown = await client.get("/console/cases?lang=en")
        later = await client.get("/console/cases?lang=en")
    assert f"Life event {dead} is back in the outbox" in shown.text
    assert "back in the outbox" not in later.text  # said once
    assert f"/console/dead-letters/{dead}/replay" not in shown.text  # no longer a dead letter
    async with gateway.gateway.sessions() as session:
        event = await session.get(LifeEventRecord, dead)
    # Back in the outbox (the engine may have taken it already: no card runs on its kind).
    assert event is not None and event.status in ("PENDING", "PROCESSING", "DONE")


async def test_an_admin_sends_a_failed_delivery_again(gateway: RunningGateway) -> None:
    case = await add_case(gateway.gateway.sessions, subject=subject(gateway, 52), agency=AGENCY,
                          card_id=CARD, deliver=True)  # fmt: skip
    await fail_delivery(gateway.gateway.sessions, case)
    delivered = await add_case(gateway.gateway.sessions, subject=subject(gateway, 54),
                               agency=AGENCY, card_id=CARD)  # fmt: skip
    async with staff_browser(gateway, "cases.admin", AGENCY, "ADMIN") as client:
        listed = await client.get("/console/cases?lang=en&delivery=DEAD")
        assert f'href="/console/deliveries/{case}/replay"' in listed.text
        confirm = await client.get(f"/console/deliveries/{case}/replay?lang=en")
        assert confirm.status_code == 200 and "Send to the webhook again" in confirm.text
        replayed = await client.post(
            f"/console/deliveries/{case}/replay", data={"csrf_token": console_csrf(confirm.text)}
        )
        assert replayed.status_code == 303
        assert replayed.headers["location"] == "/console/cases"
        shown = await client.get("/console/cases?lang=en")
        later = await client.get("/console/cases?lang=en")
        fine = await client.get(f"/console/deliveries/{delivered}/replay")
    assert f"The delivery of case {case} is queued to be sent again" in shown.text
    assert "queued to be sent again" not in later.text
    assert fine.status_code == 404  # nothing failed to send again
    async with gateway.gateway.sessions() as session:
        delivery = await session.get(CaseDelivery, case)
    # Sent again with its attempts counted anew: due, or (the agency has no webhook here) tried
    # once more by the delivery worker.
    assert delivery is not None and delivery.last_error != "the webhook answered 500"
    assert delivery.attempts <= 1


async def test_the_page_says_when_there_is_nothing(gateway: RunningGateway) -> None:
    await add_case(gateway.gateway.sessions, subject=subject(gateway, 53), agency="customs",
                   card_id="console-quiet-card")  # fmt: skip
    await ensure_staff(gateway, "quiet.viewer", "customs", "VIEWER")
    async with staff_browser(gateway, "quiet.viewer", "customs", "VIEWER") as client:
        page = await client.get("/console/cases?lang=en&status=DECLINED")
    assert page.status_code == 200 and "No cases like these." in page.text
