"""In headless Chromium: a parent logs in and sees the newborn's health insurance notice on
/me/services, in Persian, with why it was done."""

from __future__ import annotations

from tests.harness import RunningGateway, free_port, serve
from tests.services.proactive.support import add_case
from tests.test_consent_flow_browser import browser
from tests.web.support import PASSWORD, ensure_account

__all__ = ["browser"]


async def test_a_parent_sees_the_newborns_insurance_notice(
    gateway: RunningGateway, browser
) -> None:  # type: ignore[no-untyped-def]
    people = [p for p in gateway.world.people[120:] if p.death_date is None]
    parent, newborn = people[0].national_id, people[1].national_id
    await ensure_account(gateway, parent, PASSWORD)
    await add_case(gateway.gateway.sessions, subject=newborn, parents=[parent])
    port = free_port()
    async with serve(gateway.app, port, lifespan="off") as url:
        page = await browser.new_page(locale="fa-IR")
        await page.goto(f"{url}/me/services")
        assert "/login" in page.url
        await page.fill("#national_id", parent)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url("**/me/services")
        assert await page.get_attribute("html", "lang") == "fa"
        assert await page.get_attribute("html", "dir") == "rtl"
        card = page.locator("section.service-case").first
        text = await card.text_content() or ""
        assert "بیمه سلامت نوزاد" in text
        assert "انجام شد" in text  # its status: done, without a request
        assert "رویداد «ثبت ولادت» را گزارش کرد" in text and "تاریخ تولد" in text
        assert "بی‌آنکه درخواستی لازم باشد" in text
        digits = "".join(ch for ch in newborn)
        assert digits.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in text
        assert await card.locator("form").count() == 0  # a notice asks nothing
