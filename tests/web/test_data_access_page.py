"""The data tracker page, `/me/data-access`, over HTTP against the whole app: what it says in
Persian (Solar Hijri, right to left) and English, its pages, a parent's view of a minor child's
log and its refusals, and consent use counts on `/me/consents` read from the access log."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from auth.consent.national_time import NATIONAL_TZ
from tests.harness import RunningGateway
from tests.resolvers.test_own_consents import a_consent
from tests.resolvers.tracker_support import STATUTE, entry, family, outsider, window, write
from tests.web.support import assert_secure_headers, browser, logged_in
from web.i18n import digits, format_date, text

PATH = "/me/data-access"
REF = '<bdi dir="ltr">CASE-&lt;42&gt;</bdi>'  # escaped, and kept left to right


def rows_of(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r"<tr\b.*?</tr>", body, re.S)


def after_link(page: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" rel="next">', page)
    return html.unescape(match.group(1)) if match else None


async def test_the_log_in_persian_and_english(gateway: RunningGateway) -> None:
    parent = outsider(gateway.world)  # nobody else reads them: the log holds only these
    start = window() + timedelta(minutes=7)
    await write(
        gateway.gateway.sessions,
        [
            entry(parent, start, case_reference="CASE-<42>"),
            entry(parent, start + timedelta(minutes=1), legal_basis="consent", statute=None,
                  case_reference=None, consent_id="c-1", client_id="school-enrolment",
                  client_agency="education", purpose="school-enrolment", outcome="DENIED",
                  datasets=("civil.address",)),
        ],
    )  # fmt: skip
    local = start.astimezone(NATIONAL_TZ)
    async with logged_in(gateway, parent) as client:
        persian = await client.get(PATH, params={"lang": "fa"})
        english = await client.get(PATH, params={"lang": "en"})
    assert persian.status_code == 200 and english.status_code == 200
    assert_secure_headers(persian)
    assert '<html lang="fa" dir="rtl">' in persian.text
    assert '<a href="/me/data-access">گزارش دسترسی‌ها</a>' in persian.text  # the header link
    # Newest first: the gateway's own death check at this login, then what the test wrote.
    login_check, denied, statutory = rows_of(persian.text)[:3]
    assert "darvazeh-gateway" in login_check and "login-death-check" in login_check
    assert text("fa", "basis_system") in login_check
    # Solar Hijri date and the time in Iran, in Persian digits; names, purpose, basis in Persian.
    assert format_date("fa", local.date()) in statutory
    assert digits("fa", local.strftime("%H:%M")) in statutory
    assert f'datetime="{local.isoformat(timespec="seconds")}"' in statutory
    for words in ("تعیین استحقاق یارانه", "وزارت تعاون، کار و رفاه اجتماعی",
                  "نام، نام خانوادگی", "سنجش استحقاق خانوار", "حکم قانون", STATUTE,
                  f"پرونده: {REF}", "خوانده شد", "سازمان ثبت احوال کشور"):  # fmt: skip
        assert words in statutory, words
    assert "ثبت نام مدرسه" in denied and "رد شد" in denied and "رضایت" in denied
    assert 'class="outcome-denied"' in denied
    assert '<html lang="en" dir="ltr">' in english.text
    statutory = rows_of(english.text)[2]
    assert format_date("en", local.date()) in statutory  # e.g. 9 March 2004
    for words in ("Subsidy eligibility assessment", "By law", f"Case: {REF}", "Read",
                  "National Organization for Civil Registration", "Name, father"):  # fmt: skip
        assert words in statutory, words


async def test_the_log_comes_a_page_at_a_time(gateway: RunningGateway) -> None:
    parent = outsider(gateway.world)
    start = window()
    # 26 records, pairs sharing an instant: 20 on the first page, 6 on the second.
    entries = [entry(parent, start + timedelta(seconds=i // 2), case_reference=f"P{i:02d}")
               for i in range(26)]  # fmt: skip
    await write(gateway.gateway.sessions, entries)
    expected = [f"P{i:02d}" for i in reversed(range(26))]
    async with logged_in(gateway, parent) as client:
        first = await client.get(PATH, params={"lang": "en"})
        older = after_link(first.text)
        assert older and older.startswith(PATH + "?after=")
        assert "Newest</a>" not in first.text
        second = await client.get(older)
        assert (
            after_link(second.text) is None and 'href="/me/data-access">Newest</a>' in second.text
        )
        tampered = await client.get(PATH, params={"after": "not-a-cursor"})
        assert tampered.status_code == 400 and "not valid" in tampered.text
    # The first row is the gateway's own death check at this login.
    shown = [found for page in (first.text, second.text) for row in rows_of(page)
             for found in re.findall(r">(P\d\d)</bdi>", row)]  # fmt: skip
    assert len(rows_of(first.text)) == 20 and shown == expected
    assert "login-death-check" in rows_of(first.text)[0]


async def test_a_parent_looks_up_their_minor_child(gateway: RunningGateway) -> None:
    parent, child = family(gateway.world, adult=False, avoid=list(gateway.citizens.values()), nth=1)
    adult_parent, adult_child = family(gateway.world, adult=True)
    # Other tests read the child's data too (and leave records): this one comes first, tomorrow.
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    await write(gateway.gateway.sessions, [entry(child, tomorrow, case_reference="KID-1")])
    async with logged_in(gateway, parent) as client:
        mine = await client.get(PATH, params={"lang": "fa"})
        assert 'name="subject"' in mine.text and "KID-1" not in mine.text
        # Typed in Persian digits, as a Persian keyboard gives them.
        theirs = await client.get(PATH, params={"subject": digits("fa", child), "lang": "en"})
        assert theirs.status_code == 200, theirs.text
        assert (
            "Who has read my child's information" in html.unescape(theirs.text)
            and "KID-1" in theirs.text
        )
        assert f'value="{child}"' in theirs.text
        stranger = next(
            p.national_id
            for p in reversed(gateway.world.people)
            if parent not in (p.national_id, p.father_id, p.mother_id)
        )
        refused = await client.get(PATH, params={"subject": stranger, "lang": "en"})
        assert refused.status_code == 403
        assert text("en", "err_not_parent") in html.unescape(refused.text)
        assert "<tbody>" not in refused.text and 'aria-invalid="true"' in refused.text
        malformed = await client.get(PATH, params={"subject": "12345", "lang": "en"})
        assert malformed.status_code == 400
        assert text("en", "err_child_code") in html.unescape(malformed.text)
    async with logged_in(gateway, adult_parent) as client:
        adult = await client.get(PATH, params={"subject": adult_child, "lang": "fa"})
        assert adult.status_code == 403 and text("fa", "err_access_adult") in adult.text


async def test_only_a_signed_in_citizen_sees_the_page(gateway: RunningGateway) -> None:
    async with browser(gateway) as client:
        response = await client.get(PATH, params={"subject": "0012345679"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/me/data-access%3Fsubject%3D0012345679"


async def test_consent_use_counts_on_the_consents_page(gateway: RunningGateway) -> None:
    parent, child = family(gateway.world, adult=False, avoid=list(gateway.citizens.values()), nth=3)
    used = await a_consent(gateway, parent, child)
    start = window()
    consent = {"legal_basis": "consent", "consent_id": used, "statute": None}
    await write(
        gateway.gateway.sessions,
        [entry(child, start + timedelta(minutes=i), **consent) for i in range(3)]
        + [entry(child, start + timedelta(hours=1), outcome="DENIED", **consent)],
    )
    last = (start + timedelta(minutes=2)).astimezone(NATIONAL_TZ).date()
    async with logged_in(gateway, parent) as client:
        page = await client.get("/me/consents", params={"lang": "fa"})
    assert '<a href="/me/data-access">' in page.text  # the way to the log
    found = re.search(rf'<article[^>]*id="consent-{re.escape(used)}".*?</article>', page.text, re.S)
    assert found is not None
    # Three reads granted under it (the refusal is no use), the last of them on `last`.
    uses = text("fa", "consent_uses", count=digits("fa", 3), date=format_date("fa", last))
    assert uses in found.group(0)
