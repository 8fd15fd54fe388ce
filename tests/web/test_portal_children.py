"""`/me/children`: a parent's minor children (from the consents given for them, or looked up),
checked against the birth record; others' children and adults are refused with the reason."""

from __future__ import annotations

import html

from tests.harness import RunningGateway
from tests.resolvers.test_own_consents import a_consent
from tests.resolvers.tracker_support import family
from tests.web.support import logged_in
from web.i18n import text


async def test_a_parents_children_while_minors(gateway: RunningGateway) -> None:
    parent, child = family(gateway.world, adult=False, avoid=list(gateway.citizens.values()), nth=7)
    await a_consent(gateway, parent, child)
    stranger = next(
        p.national_id
        for p in reversed(gateway.world.people)
        if parent not in (p.national_id, p.father_id, p.mother_id)
    )
    async with logged_in(gateway, parent) as client:
        listed = await client.get("/me/children", params={"lang": "en"})
        consents = await client.get("/me/consents", params={"for": child, "lang": "en"})
        refused = await client.get("/me/children", params={"subject": stranger, "lang": "en"})
    assert listed.status_code == 200
    assert f'href="/me/data?subject={child}"' in listed.text
    assert f'href="/me/data-access?subject={child}"' in listed.text
    assert "Consents you gave for them: 1" in listed.text
    assert f"For your child: {child}" in consents.text
    assert refused.status_code == 403
    assert text("en", "err_not_parent") in html.unescape(refused.text)


async def test_an_adult_child_is_not_shown(gateway: RunningGateway) -> None:
    parent, child = family(gateway.world, adult=True, nth=2)
    async with logged_in(gateway, parent) as client:
        page = await client.get("/me/children", params={"subject": child, "lang": "en"})
    assert page.status_code == 403
    assert text("en", "err_access_adult") in html.unescape(page.text)
    assert f'href="/me/data?subject={child}"' not in page.text
