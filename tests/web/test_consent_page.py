"""The consent screen over real HTTP against the whole app: content in both languages, narrowing,
whose data, the approve/deny hand-off to the client, CSRF and 303s; and the browser's whole
path from /oauth/authorize through login to the code."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from auth.consent.national_time import national_date
from standard import solar_hijri
from tests.harness import RunningGateway
from tests.web.support import (
    CLIENT_ID,
    DATASETS,
    REDIRECT_URI,
    assert_secure_headers,
    browser,
    consents_by,
    csrf_of,
    ensure_account,
    ensure_client,
    form_of,
    logged_in,
    login,
    own_citizen,
    pending_request,
    redirected_query,
)
from web.i18n import DATASETS as DATASET_NAMES
from web.i18n import digits


async def test_consent_screen_needs_a_login_first(gateway: RunningGateway) -> None:
    request_id, _ = await pending_request(gateway)
    async with browser(gateway) as client:
        response = await client.get(f"/consent/{request_id}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/consent/{request_id}"


async def test_consent_screen_shows_service_purpose_datasets_duration(
    gateway: RunningGateway,
) -> None:
    request_id, _ = await pending_request(gateway)
    citizen = gateway.citizens["parent"]
    async with logged_in(gateway, citizen) as client:
        fa = await client.get(f"/consent/{request_id}")
        en = await client.get(f"/consent/{request_id}", params={"lang": "en"})
    for page in (fa, en):
        assert page.status_code == 200
        assert_secure_headers(page)
        assert page.text.count('name="dataset"') == len(DATASETS)
        assert page.text.count(" checked>") >= len(DATASETS)  # all ticked, plus "myself"
        assert 'name="action" value="approve"' in page.text
        assert 'name="action" value="deny"' in page.text
    until = national_date(datetime.now(UTC) + timedelta(days=90))
    assert "ثبت نام مدرسه" in fa.text and "وزارت آموزش و پرورش" in fa.text
    assert "ثبت نام کودک در مدرسه نزدیک محل سکونت" in fa.text
    assert '<html lang="fa" dir="rtl">' in fa.text
    for dataset in DATASETS:
        assert DATASET_NAMES[dataset]["fa"] in html.unescape(fa.text)
        assert DATASET_NAMES[dataset]["en"] in html.unescape(en.text)
    hijri = digits("fa", solar_hijri.format(until))
    hijri_next = digits("fa", solar_hijri.format(until + timedelta(days=1)))
    assert f"{digits('fa', 90)} روز، تا" in fa.text and (hijri in fa.text or hijri_next in fa.text)
    assert "School enrolment" in en.text and "Ministry of Education" in en.text
    assert "Enrol a child in a school near home" in en.text
    assert "90 days, until" in en.text and str(until.year) in en.text


@pytest.mark.parametrize(("kind", "status"), [("unknown", 400), ("used", 410), ("expired", 410)])
async def test_a_dead_request_is_a_clear_page(
    gateway: RunningGateway, kind: str, status: int
) -> None:
    if kind == "unknown":
        request_id = "no-such-request"
    else:
        request_id, _ = await pending_request(
            gateway, used=kind == "used", expires_in=-1 if kind == "expired" else 600
        )
    async with logged_in(
        gateway, gateway.citizens["parent"], **{"Accept-Language": "en"}
    ) as client:
        page = await client.get(f"/consent/{request_id}")
        token = csrf_of((await client.get("/me/consents")).text)
        form = {"csrf_token": token, "dataset": DATASETS, "subject": "self", "action": "approve"}
        posted = await client.post(f"/consent/{request_id}", data=form)
    assert page.status_code == posted.status_code == status
    assert_secure_headers(page)
    assert "start again" in page.text


async def test_csrf_refused_and_nothing_created(gateway: RunningGateway) -> None:
    request_id, _ = await pending_request(gateway)
    citizen = gateway.citizens["no_tax_record"]
    async with logged_in(gateway, citizen) as client:
        page = await client.get(f"/consent/{request_id}")
        before = len(await consents_by(gateway, citizen))
        for token in (None, "0" * 64):
            form = form_of(page.text, csrf_token=token) if token else form_of(page.text)
            if token is None:
                del form["csrf_token"]
            refused = await client.post(f"/consent/{request_id}", data=form)
            assert refused.status_code == 403
            assert_secure_headers(refused)
    assert len(await consents_by(gateway, citizen)) == before


async def test_unticking_everything_is_refused_on_the_page(gateway: RunningGateway) -> None:
    request_id, _ = await pending_request(gateway)
    citizen = gateway.citizens["no_tax_record"]
    async with logged_in(gateway, citizen, **{"Accept-Language": "en"}) as client:
        page = await client.get(f"/consent/{request_id}")
        before = len(await consents_by(gateway, citizen))
        response = await client.post(f"/consent/{request_id}", data=form_of(page.text, dataset=[]))
    assert response.status_code == 400
    assert "Choose at least one item of information to share" in response.text
    assert len(await consents_by(gateway, citizen)) == before


async def test_child_errors_are_shown_and_nothing_created(gateway: RunningGateway) -> None:
    request_id, _ = await pending_request(gateway)
    child = gateway.citizens["minor_child"]
    record = next(p for p in gateway.world.people if p.national_id == child)
    stranger = next(
        p.national_id
        for p in gateway.world.people
        if p.national_id not in (child, record.father_id, record.mother_id)
        and p.death_date is None  # the dead cannot log in
    )
    async with logged_in(gateway, stranger, **{"Accept-Language": "en"}) as client:
        page = await client.get(f"/consent/{request_id}")
        before = len(await consents_by(gateway, stranger))
        cases = {
            "12345": "Enter your child's valid 10-digit national code.",
            stranger: "That is your own national code",
            child: "does not name you as their father or mother",
        }
        for code, message in cases.items():
            form = form_of(page.text, subject="child", child=code)
            response = await client.post(f"/consent/{request_id}", data=form)
            assert response.status_code == 400, code
            assert message in html.unescape(response.text)
            assert f'value="{code}"' in response.text  # what they typed is kept
    assert len(await consents_by(gateway, stranger)) == before


async def test_guardian_of_a_grown_child_refused_on_the_page(gateway: RunningGateway) -> None:
    from demo.world import age

    living = {p.national_id for p in gateway.world.people if p.death_date is None}
    grown = next(
        p
        for p in gateway.world.people
        if p.father_id in living and age(p.birth_date) >= 18 and p.death_date is None
    )
    assert grown.father_id is not None
    request_id, _ = await pending_request(gateway)
    async with logged_in(gateway, grown.father_id, **{"Accept-Language": "en"}) as client:
        page = await client.get(f"/consent/{request_id}")
        form = form_of(page.text, subject="child", child=grown.national_id)
        response = await client.post(f"/consent/{request_id}", data=form)
    assert response.status_code == 400
    assert "18 or older" in response.text
    assert await consents_by(gateway, grown.father_id) == []


# -- the hand-off to the authorization endpoint (auth/oauth/authorize.py) ------------------------


async def test_approving_with_one_dataset_unticked(gateway: RunningGateway) -> None:
    request_id, state = await pending_request(gateway)
    citizen = own_citizen(5)
    async with logged_in(gateway, citizen) as client:
        page = await client.get(f"/consent/{request_id}")
        kept = ["civil.identity", "civil.address"]
        response = await client.post(
            f"/consent/{request_id}", data=form_of(page.text, dataset=kept)
        )
        query = redirected_query(response)
        assert query["state"] == [state]
        assert query["iss"] == [gateway.gateway.settings.issuer]
        assert len(query["code"][0]) >= 32
        # Single use: the same request cannot be approved twice.
        again = await client.post(f"/consent/{request_id}", data=form_of(page.text))
        assert again.status_code == 410
    consents = await consents_by(gateway, citizen)
    assert len(consents) == 1
    assert sorted(consents[0].datasets) == sorted(kept)
    assert consents[0].subject == citizen and consents[0].status == "ACTIVE"


async def test_parent_approves_for_minor_child(gateway: RunningGateway) -> None:
    request_id, state = await pending_request(gateway)
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    async with logged_in(gateway, parent) as client:
        page = await client.get(f"/consent/{request_id}")
        typed = child.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))  # Persian digits
        form = form_of(page.text, subject="child", child=typed)
        response = await client.post(f"/consent/{request_id}", data=form)
    assert redirected_query(response)["state"] == [state]
    made = [c for c in await consents_by(gateway, parent) if c.subject == child]
    assert made and sorted(made[0].datasets) == sorted(DATASETS)


async def test_deny_returns_access_denied_with_state_and_iss(gateway: RunningGateway) -> None:
    request_id, state = await pending_request(gateway)
    citizen = own_citizen(6)
    async with logged_in(gateway, citizen) as client:
        page = await client.get(f"/consent/{request_id}")
        response = await client.post(
            f"/consent/{request_id}", data=form_of(page.text, action="deny")
        )
    query = redirected_query(response)
    assert query["error"] == ["access_denied"]
    assert query["state"] == [state] and query["iss"] == [gateway.gateway.settings.issuer]
    assert "code" not in query
    assert await consents_by(gateway, citizen) == []


# -- own consents ---------------------------------------------------------------------------------


async def test_from_the_authorization_endpoint_through_login_to_the_code(
    gateway: RunningGateway,
) -> None:
    """The browser's whole path: /oauth/authorize -> consent -> login -> consent -> client."""
    await ensure_client(gateway)
    citizen = own_citizen(7)
    await ensure_account(gateway, citizen)
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "civil.identity civil.birth",
        "state": "s-123",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCjaoeYK1-_SPDz4yEx4Ma-M",
        "code_challenge_method": "S256",
    }
    async with browser(gateway, **{"Accept-Language": "en"}) as client:
        authorized = await client.get("/oauth/authorize", params=params)
        assert authorized.status_code == 303, authorized.text
        consent_path = urlsplit(authorized.headers["location"]).path
        assert consent_path.startswith("/consent/")
        to_login = await client.get(consent_path)
        assert to_login.headers["location"] == f"/login?next={consent_path}"
        logged = await login(client, citizen, next_path=consent_path)
        assert logged.headers["location"] == consent_path
        page = await client.get(consent_path)
        assert page.text.count('name="dataset"') == 2
        back = await client.post(consent_path, data=form_of(page.text))
    query = redirected_query(back)
    assert query["state"] == ["s-123"] and query["code"]
    (made,) = await consents_by(gateway, citizen)
    assert sorted(made.datasets) == ["civil.birth", "civil.identity"]


async def test_my_child_comes_first_when_the_service_acts_for_a_child(
    gateway: RunningGateway,
) -> None:
    citizen = own_citizen(40)
    for_child, _ = await pending_request(gateway, data_subject="child")
    for_self, _ = await pending_request(gateway)
    async with logged_in(gateway, citizen, **{"Accept-Language": "en"}) as client:
        child_first = (await client.get(f"/consent/{for_child}")).text
        self_first = (await client.get(f"/consent/{for_self}")).text
    assert child_first.index('id="for-child"') < child_first.index('id="for-self"')
    assert 'value="child" id="for-child" checked' in child_first
    assert self_first.index('id="for-self"') < self_first.index('id="for-child"')
    assert 'value="self" id="for-self" checked' in self_first


async def test_a_data_subject_other_than_self_or_child_is_refused(gateway: RunningGateway) -> None:
    await ensure_client(gateway)
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
              "scope": "civil.identity", "state": "s", "code_challenge_method": "S256",
              "code_challenge": "E9Melhoa2OwvFrEMTJguCjaoeYK1-_SPDz4yEx4Ma-M",
              "data_subject": "neighbour"}  # fmt: skip
    async with browser(gateway) as client:
        response = await client.get("/oauth/authorize", params=params)
    assert redirected_query(response)["error"] == ["invalid_request"]
