"""The log page's reasons in words, statutes in the page's language, and its filters (dates in
either calendar, reading agency, service); the CSV and JSON exports with the same filters."""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import timedelta

import pytest
from starlette.datastructures import QueryParams

from auth.consent.national_time import NATIONAL_TZ
from standard import solar_hijri
from tests.harness import RunningGateway
from tests.resolvers.tracker_support import entry, outsider, window, write
from tests.web.support import logged_in
from tests.web.test_data_access_page import rows_of
from web.portal_export import safe_cell
from web.portal_log import BadFilter, parse_filters

PATH = "/me/data-access"
TAX_ACT = "Direct Taxes Act, article 17"


async def a_log(gateway: RunningGateway) -> tuple[str, object]:
    citizen = outsider(gateway.world)
    start = window()
    await write(
        gateway.gateway.sessions,
        [
            entry(citizen, start, case_reference="OLD-1"),
            entry(citizen, start + timedelta(days=3), outcome="DENIED", legal_basis="consent",
                  statute=None, case_reference=None, consent_id="c-9",
                  client_id="school-enrolment", client_agency="education",
                  purpose="school-enrolment", reason="CONSENT_REVOKED: the consent is revoked"),
            entry(citizen, start + timedelta(days=3, minutes=1), outcome="SOURCE_ERROR",
                  source_agency="tax", statute=TAX_ACT, case_reference="TAX-2",
                  reason="the source of taxStatus failed: timeout"),
        ],
    )  # fmt: skip
    return citizen, start


async def test_every_row_says_why_in_the_pages_language(gateway: RunningGateway) -> None:
    citizen, _ = await a_log(gateway)
    async with logged_in(gateway, citizen) as client:
        english = await client.get(PATH, params={"lang": "en"})
        persian = await client.get(PATH, params={"lang": "fa"})
    failed, denied, granted = rows_of(html.unescape(english.text))[1:4]
    assert "Reason: Iranian National Tax Administration did not answer" in failed or (
        "did not answer; nothing was read" in failed
    )
    assert "Reason: your consent had already been revoked or had expired" in denied
    assert "Reason:" not in granted
    assert TAX_ACT in failed
    failed_fa = rows_of(persian.text)[1]
    assert "قانون مالیات‌های مستقیم، مادهٔ ۱۷" in failed_fa and 'lang="fa"' in failed_fa
    assert "پاسخ نداد" in failed_fa


async def test_filters_by_date_agency_and_service(gateway: RunningGateway) -> None:
    citizen, start = await a_log(gateway)
    later = (start + timedelta(days=3)).astimezone(NATIONAL_TZ).date()
    solar = solar_hijri.format(later, "-")
    async with logged_in(gateway, citizen) as client:
        by_day = await client.get(PATH, params={"from": solar, "to": solar, "lang": "en"})
        by_day_gregorian = await client.get(PATH, params={"from": later.isoformat(), "lang": "en",
                                                          "to": later.isoformat()})  # fmt: skip
        by_agency = await client.get(PATH, params={"agency": "education", "lang": "en"})
        by_service = await client.get(PATH, params={"service": "subsidy-eligibility"})
        backwards = await client.get(PATH, params={"from": "2020-02-02", "to": "2020-01-01",
                                                   "lang": "en"})  # fmt: skip
        garbage = await client.get(PATH, params={"from": "yesterday", "lang": "en"})
    for page in (by_day, by_day_gregorian):
        assert page.status_code == 200
        assert len(rows_of(page.text)) == 2 and "OLD-1" not in page.text
    (only,) = rows_of(by_agency.text)
    assert "school" in only.lower()
    assert 'option value="education" selected' in by_agency.text
    found = rows_of(by_service.text)
    assert len(found) == 2 and all("OLD-1" in row or "TAX-2" in row for row in found)
    assert backwards.status_code == 400 and "must come before" in html.unescape(backwards.text)
    assert garbage.status_code == 400 and "year-month-day" in garbage.text


async def test_exports_in_csv_and_json_with_the_filters(gateway: RunningGateway) -> None:
    citizen, _ = await a_log(gateway)
    async with logged_in(gateway, citizen) as client:
        page = await client.get(PATH, params={"service": "subsidy-eligibility", "lang": "en"})
        assert 'href="/me/data-access.csv?service=subsidy-eligibility"' in page.text
        as_csv = await client.get(PATH + ".csv", params={"service": "subsidy-eligibility",
                                                         "lang": "en"})  # fmt: skip
        as_json = await client.get(PATH + ".json", params={"lang": "fa"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    assert as_csv.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    assert [row["case_reference"] for row in rows] == ["TAX-2", "OLD-1"]
    assert "did not answer" in rows[0]["reason"] and rows[0]["statute"] == TAX_ACT
    document = json.loads(as_json.text)
    assert document["subject"] == citizen and document["truncated"] is False
    outcomes = [record["outcome"] for record in document["records"]]
    assert outcomes[-3:] == ["SOURCE_ERROR", "DENIED", "GRANTED"]
    assert document["records"][-2]["reason"] == "رضایت شما پیش‌تر لغو شده یا منقضی شده بود"


def test_csv_cells_never_start_a_formula() -> None:
    for cell in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(cell).startswith("'")
    assert safe_cell("Civil registry") == "Civil registry" and safe_cell(None) == ""


@pytest.mark.parametrize(
    "query",
    ["from=2020-13-01", "from=99999-01-01", "to=1405-12-31x", "agency=a%20b", "service=" + "x" * 65,
     "from=0001-01-01", "agency=%3Cscript%3E"],
)  # fmt: skip
def test_filters_are_bounded(query: str) -> None:
    with pytest.raises(BadFilter):
        parse_filters(QueryParams(query))
