"""The citizen's /me/services page: their children's cases with why, in Persian by default and in
English; confirm and decline forms where the card allows, with the session's CSRF token."""

from __future__ import annotations

from standard.statuses import ProactiveMode
from tests.harness import RunningGateway
from tests.services.proactive.support import add_case
from tests.web.support import csrf_of, logged_in


async def test_a_parent_sees_and_answers_on_the_page(gateway: RunningGateway) -> None:
    child, parent = gateway.citizens["minor_child"], gateway.citizens["parent"]
    notice = await add_case(gateway.gateway.sessions, subject=child, parents=[parent],
                            card_id="p11-page-notice")  # fmt: skip
    offer = await add_case(gateway.gateway.sessions, subject=child, parents=[parent],
                           card_id="p11-page-offer", mode=ProactiveMode.CONFIRM,
                           name=("معرفی به مدرسه", "School introduction"))  # fmt: skip
    async with logged_in(gateway, parent) as portal:
        page = await portal.get("/me/services")
        assert page.status_code == 200 and 'lang="fa"' in page.text
        assert "بیمه سلامت نوزاد" in page.text and "رویداد «ثبت ولادت» را گزارش کرد" in page.text
        assert f'id="case-{notice}"' in page.text
        assert f'action="/me/services/{notice}/decline"' not in page.text  # a notice: no form
        assert f'formaction="/me/services/{offer}/confirm"' in page.text
        english = await portal.get("/me/services", params={"lang": "en"})
        assert "Newborn health insurance" in english.text
        assert "recorded “Birth registered”" in english.text
        form = {"csrf_token": csrf_of(page.text), "note": "near home"}
        done = await portal.post(f"/me/services/{offer}/confirm", data=form)
        assert done.status_code == 303
        again = await portal.post(f"/me/services/{offer}/decline",
                                  data={"csrf_token": csrf_of(page.text)})  # fmt: skip
        assert again.status_code == 409
        after = await portal.get("/me/services", params={"lang": "en"})
        assert "Confirmed" in after.text


async def test_the_page_needs_a_login(gateway: RunningGateway) -> None:
    answer = await gateway.http.get("/me/services")
    assert answer.status_code == 303 and "/login?next=/me/services" in answer.headers["location"]
