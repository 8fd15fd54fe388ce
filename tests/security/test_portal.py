"""Attacks on the citizen portal: another citizen's (or an adult child's) data, log, exports and
consents; forged form tokens; widening a consent by "narrowing" it; oversized and malformed
filters; export bounds; formulas planted in the access log reaching a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from auth.consent.changes import narrow_consent
from auth.consent.errors import ConsentError, ConsentNotFound
from store.db import transaction
from tests.harness import RunningGateway
from tests.resolvers.test_consent_tokens import consent_token
from tests.resolvers.tracker_support import entry, family, outsider, window, write
from tests.web.support import csrf_of, logged_in
from tests.web.test_consents_page import consents_of_id
from web import portal_export

GRANTED = ["civil.identity", "civil.birth"]


async def test_another_citizens_consent_cannot_be_narrowed(gateway: RunningGateway) -> None:
    owner = gateway.citizens["parent"]
    _, consent_id, _ = await consent_token(gateway, citizen=owner, subject=owner, datasets=GRANTED)
    other = outsider(gateway.world)
    async with logged_in(gateway, other) as client:
        page = await client.get("/me/consents")
        form = {"csrf_token": csrf_of(page.text), "dataset": ["civil.identity"], "confirm": "yes"}
        narrowed = await client.post(f"/me/consents/{consent_id}/narrow", data=form)
        confirm = await client.get(f"/me/consents/{consent_id}/revoke")
    assert narrowed.status_code == 404 and confirm.status_code == 404
    assert (await consents_of_id(gateway, consent_id)).datasets == GRANTED


async def test_forged_or_missing_form_tokens_change_nothing(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    _, consent_id, _ = await consent_token(
        gateway, citizen=citizen, subject=citizen, datasets=GRANTED
    )
    async with logged_in(gateway, citizen) as client:
        for token in (None, "forged", "x" * 5000):
            form = {"dataset": ["civil.identity"], "confirm": "yes"}
            if token is not None:
                form["csrf_token"] = token
            response = await client.post(f"/me/consents/{consent_id}/narrow", data=form)
            assert response.status_code == 403
            response = await client.post(f"/me/consents/{consent_id}/revoke", data=form)
            assert response.status_code == 403
    stored = await consents_of_id(gateway, consent_id)
    assert stored.datasets == GRANTED and stored.status == "ACTIVE"


async def test_narrowing_never_widens(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    _, consent_id, _ = await consent_token(
        gateway, citizen=citizen, subject=citizen, datasets=GRANTED
    )
    async with logged_in(gateway, citizen, **{"Accept-Language": "en"}) as client:
        page = await client.get("/me/consents")
        for keep in (["civil.identity", "tax.status"], ["tax.status"], ["nonsense"], []):
            form = {"csrf_token": csrf_of(page.text), "dataset": keep, "confirm": "yes"}
            response = await client.post(f"/me/consents/{consent_id}/narrow", data=form)
            assert response.status_code == 400, keep
            assert 'role="alert"' in response.text  # the reason is said
    assert (await consents_of_id(gateway, consent_id)).datasets == GRANTED
    async with transaction(gateway.gateway.sessions) as session:
        with pytest.raises(ConsentError) as refused:
            await narrow_consent(session, consent_id=consent_id, citizen=citizen,
                                 keep=["civil.identity", "social.coverage"])  # fmt: skip
        assert refused.value.kind == "bad_datasets"
        with pytest.raises(ConsentNotFound):
            await narrow_consent(session, consent_id=consent_id, citizen=outsider(gateway.world),
                                 keep=["civil.identity"])  # fmt: skip


async def test_a_revoked_consent_cannot_be_narrowed(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    _, consent_id, _ = await consent_token(
        gateway, citizen=citizen, subject=citizen, datasets=GRANTED
    )
    async with logged_in(gateway, citizen) as client:
        page = await client.get("/me/consents")
        token = csrf_of(page.text)
        await client.post(f"/me/consents/{consent_id}/revoke", data={"csrf_token": token})
        response = await client.post(
            f"/me/consents/{consent_id}/narrow",
            data={"csrf_token": token, "dataset": ["civil.identity"], "confirm": "yes"},
        )
    assert response.status_code == 400
    assert (await consents_of_id(gateway, consent_id)).datasets == GRANTED


@pytest.mark.parametrize("path", ["/me/data", "/me/data-access", "/me/data-access.csv",
                                  "/me/data-access.json"])  # fmt: skip
async def test_others_and_adult_childrens_data_and_logs_are_refused(
    gateway: RunningGateway, path: str
) -> None:
    adult_parent, adult_child = family(gateway.world, adult=True, nth=3)
    stranger = gateway.citizens["parent"]
    await write(
        gateway.gateway.sessions,
        [
            entry(adult_child, window(), case_reference="SECRET-1"),
            entry(stranger, window(), case_reference="SECRET-2"),
        ],
    )
    async with logged_in(gateway, adult_parent) as client:
        for subject in (adult_child, stranger):
            response = await client.get(path, params={"subject": subject})
            assert response.status_code == 403, (path, subject)
            assert "SECRET" not in response.text


async def test_exports_are_bounded_and_say_so(
    gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    citizen = outsider(gateway.world)
    start = window()
    await write(gateway.gateway.sessions,
                [entry(citizen, start + timedelta(seconds=i)) for i in range(5)])  # fmt: skip
    monkeypatch.setattr(portal_export, "EXPORT_MAX", 3)
    async with logged_in(gateway, citizen) as client:
        as_json = await client.get("/me/data-access.json")
        as_csv = await client.get("/me/data-access.csv")
        oversized = await client.get("/me/data-access.csv", params={"agency": "a" * 5000})
        bad_date = await client.get("/me/data-access.json", params={"from": "9" * 400})
    document = json.loads(as_json.text)
    assert len(document["records"]) == 3 and document["truncated"] is True
    assert as_json.headers[portal_export.TRUNCATED_HEADER] == "true"
    assert len(list(csv.reader(io.StringIO(as_csv.text)))) == 4  # the header and 3 rows
    assert oversized.status_code == 400 and bad_date.status_code == 400


async def test_formulas_planted_in_the_log_do_not_run_in_a_spreadsheet(
    gateway: RunningGateway,
) -> None:
    citizen = outsider(gateway.world)
    planted = entry(citizen, window(), client_id="=HYPERLINK(\"http://evil\")", purpose=None,
                    case_reference="+1+cmd", statute="@SUM(A1)",
                    source_agency="-evil")  # fmt: skip
    await write(gateway.gateway.sessions, [planted])
    async with logged_in(gateway, citizen) as client:
        as_csv = await client.get("/me/data-access.csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    row = next(row for row in rows if row["case_reference"].endswith("+1+cmd"))
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert row["reader"] == '\'=HYPERLINK("http://evil")' and row["statute"] == "'@SUM(A1)"
