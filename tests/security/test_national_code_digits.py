"""National codes in Persian or Arabic-Indic digits are read as their Latin digits wherever a code
enters (GraphQL arguments, `_entities`, `dataAccesses(subject:)`, the login, consent and tracker
forms, agency keys and values); sources and the access log see only the canonical code. Every
other script's digits (which Python's `\\d`, `int()` and `str.isdigit()` all accept) are refused
with INVALID_NATIONAL_ID before any source is called."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from datasources import transforms
from datasources.mapping import Mapping
from schema.records import record_specs
from standard.national_id import InvalidNationalId, parse, parse_typed
from store.audit_models import AuditRecord
from store.citizen_models import BrowserSession
from tests.harness import RunningGateway
from tests.web.support import (
    browser,
    consents_by,
    ensure_account,
    form_of,
    logged_in,
    login,
    pending_request,
)

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# Digits of other scripts: each is `\d`, isdigit() and int()-able, and none is a national code.
OTHER_DIGITS = {
    "devanagari": str.maketrans("0123456789", "०१२३४५६७८९"),
    "fullwidth": str.maketrans("0123456789", "０１２３４５６７８９"),
    "bengali": str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"),
    "math-bold": str.maketrans("0123456789", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"),
    # Persian digits with Devanagari ones among them.
    "persian-mixed": str.maketrans("0123456789", "०१२३४۵۶۷۸۹"),
}
IDENTITY = """query($id: String!) { citizen(nationalId: $id) {
  nationalId identity { firstName provenance { status } } } }"""
MANY = """query($ids: [String!]!) { citizens(nationalIds: $ids) {
  nationalId identity { provenance { status } } } }"""
ENTITIES = """query($representations: [_Any!]!) { _entities(representations: $representations) {
  ... on Citizen { nationalId identity { provenance { status } } } } }"""
ACCESSES = """query($subject: String) { me { dataAccesses(subject: $subject, first: 5) {
  edges { node { subject } } } } }"""


def code_of(answer: dict[str, Any]) -> str:
    return str(answer["errors"][0]["extensions"]["code"])


async def subjects_logged(gateway: RunningGateway, request_id: str) -> set[str]:
    async with gateway.gateway.sessions() as session:
        rows = await session.scalars(
            select(AuditRecord.subject).where(AuditRecord.request_id == request_id)
        )
        return set(rows)


# -- the one parsing function ------------------------------------------------------------------


def test_persian_and_arabic_indic_digits_are_read_as_latin() -> None:
    code = "7419746702"
    assert parse(code.translate(PERSIAN)) == code
    assert parse(code.translate(ARABIC_INDIC)) == code
    mixed = code[:5].translate(PERSIAN) + code[5:].translate(ARABIC_INDIC)
    assert parse(mixed) == code
    # A client's code is taken as sent; a form drops the direction marks and blanks that copying
    # out of Persian text brings along.
    with pytest.raises(InvalidNationalId):
        parse(f"\u200f{mixed}\u200e ")
    assert parse_typed(f"\u200f{mixed}\u200e ") == code


@pytest.mark.parametrize("script", sorted(OTHER_DIGITS))
def test_other_scripts_digits_are_refused(script: str) -> None:
    typed = "7419746702".translate(OTHER_DIGITS[script])
    assert typed != "7419746702" and all(c.isdigit() for c in typed)  # what fooled `\d`
    assert int(typed) == 7419746702  # and int()
    with pytest.raises(InvalidNationalId, match="exactly 10 digits"):
        parse(typed)


def test_long_input_is_refused_without_being_echoed_whole() -> None:
    with pytest.raises(InvalidNationalId) as refused:
        parse("7" * 10_000)
    assert len(str(refused.value)) < 120


# -- GraphQL -----------------------------------------------------------------------------------


async def test_citizen_in_persian_digits_reads_the_canonical_citizen(
    gateway: RunningGateway,
) -> None:
    code = gateway.citizens["parent"]
    response = await gateway.post(IDENTITY, {"id": code.translate(PERSIAN)})
    answer = response.json()
    assert "errors" not in answer, answer
    citizen = answer["data"]["citizen"]
    assert citizen["nationalId"] == code
    # The source was asked for the canonical code, so it found the record.
    assert citizen["identity"]["provenance"]["status"] == "AVAILABLE"
    assert await subjects_logged(gateway, response.headers["Darvazeh-Request-Id"]) == {code}


async def test_citizens_and_entities_take_arabic_indic_digits(gateway: RunningGateway) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    typed = [parent.translate(ARABIC_INDIC), child.translate(PERSIAN)]
    response = await gateway.post(MANY, {"ids": typed})
    answer = response.json()
    assert "errors" not in answer, answer
    assert [c["nationalId"] for c in answer["data"]["citizens"]] == [parent, child]
    assert {c["identity"]["provenance"]["status"] for c in answer["data"]["citizens"]} == {
        "AVAILABLE"
    }
    assert await subjects_logged(gateway, response.headers["Darvazeh-Request-Id"]) == {
        parent,
        child,
    }
    representations = [{"__typename": "Citizen", "nationalId": value} for value in typed]
    response = await gateway.post(ENTITIES, {"representations": representations})
    answer = response.json()
    assert "errors" not in answer, answer
    assert [c["nationalId"] for c in answer["data"]["_entities"]] == [parent, child]
    assert await subjects_logged(gateway, response.headers["Darvazeh-Request-Id"]) == {
        parent,
        child,
    }


@pytest.mark.parametrize("script", sorted(OTHER_DIGITS))
async def test_other_digits_are_refused_before_any_source_call(
    gateway: RunningGateway, script: str
) -> None:
    typed = gateway.citizens["parent"].translate(OTHER_DIGITS[script])
    before = gateway.source_calls()
    one = await gateway.query(IDENTITY, {"id": typed})
    many = await gateway.query(MANY, {"ids": [typed]})
    entity = await gateway.query(
        ENTITIES, {"representations": [{"__typename": "Citizen", "nationalId": typed}]}
    )
    assert gateway.source_calls() == before
    assert code_of(one) == code_of(many) == code_of(entity) == "INVALID_NATIONAL_ID"
    assert one["data"]["citizen"] is None and many["data"]["citizens"] == [None]


async def test_data_accesses_subject_in_persian_digits(gateway: RunningGateway) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    # The child's log holds at least the reads the tests above made.
    await gateway.post(IDENTITY, {"id": child})
    birth = gateway.gateway.registry.source_for("birth")
    assert birth is not None
    async with logged_in(gateway, parent) as portal:

        async def ask(subject: str) -> dict[str, Any]:
            params = {"query": ACCESSES, "variables": json.dumps({"subject": subject})}
            return dict((await portal.get("/graphql", params=params)).json())

        answer = await ask(child.translate(PERSIAN))
        assert "errors" not in answer, answer
        subjects = {e["node"]["subject"] for e in answer["data"]["me"]["dataAccesses"]["edges"]}
        assert subjects == {child}
        calls = birth.calls
        refused = await ask(child.translate(OTHER_DIGITS["devanagari"]))
        assert code_of(refused) == "INVALID_NATIONAL_ID"
        assert birth.calls == calls  # the guardianship check never ran


# -- forms ---------------------------------------------------------------------------------------


async def test_login_form_takes_arabic_indic_digits_and_refuses_others(
    gateway: RunningGateway,
) -> None:
    code = gateway.citizens["parent"]
    await ensure_account(gateway, code)
    async with browser(gateway, **{"Accept-Language": "en"}) as client:
        ok = await login(client, code.translate(ARABIC_INDIC))
        assert ok.status_code == 303, ok.text
        page = await client.get("/me/session")
        assert page.json()["nationalId"] == code
    async with gateway.gateway.sessions() as session:
        citizens = set(await session.scalars(select(BrowserSession.citizen)))
    assert code.translate(ARABIC_INDIC) not in citizens and code in citizens
    before = gateway.source_calls()
    async with browser(gateway, **{"Accept-Language": "en"}) as client:
        refused = await login(client, code.translate(OTHER_DIGITS["fullwidth"]))
    assert refused.status_code == 400
    assert "Enter your valid 10-digit national code." in refused.text
    assert gateway.source_calls() == before


async def test_consent_form_child_in_persian_digits(gateway: RunningGateway) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    birth = gateway.gateway.registry.source_for("birth")
    assert birth is not None
    async with logged_in(gateway, parent, **{"Accept-Language": "en"}) as client:
        request_id, _ = await pending_request(gateway)
        page = await client.get(f"/consent/{request_id}")
        calls = birth.calls
        other = form_of(page.text, subject="child", child=child.translate(OTHER_DIGITS["bengali"]))
        refused = await client.post(f"/consent/{request_id}", data=other)
        assert refused.status_code == 400
        assert "Enter your child" in refused.text
        assert birth.calls == calls  # refused before the civil registry was asked
        persian = form_of(page.text, subject="child", child=child.translate(PERSIAN))
        approved = await client.post(f"/consent/{request_id}", data=persian)
        assert approved.status_code == 303, approved.text
    newest = (await consents_by(gateway, parent))[0]
    assert newest.subject == child


async def test_tracker_page_subject_in_arabic_indic_digits(gateway: RunningGateway) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    birth = gateway.gateway.registry.source_for("birth")
    assert birth is not None
    async with logged_in(gateway, parent, **{"Accept-Language": "en"}) as client:
        page = await client.get(
            "/me/data-access", params={"subject": child.translate(ARABIC_INDIC)}
        )
        assert page.status_code == 200, page.text
        assert f'value="{child}"' in page.text
        calls = birth.calls
        refused = await client.get(
            "/me/data-access", params={"subject": child.translate(OTHER_DIGITS["math-bold"])}
        )
        assert refused.status_code == 400
        assert birth.calls == calls


# -- agency keys and values ----------------------------------------------------------------------

MAPPING = {
    "table": "people",
    "key": {"from": "code"},
    "fields": {
        "date": {"from": "born", "transform": "iso_date"},
        "fatherNationalId": {"from": "father", "transform": "national_id"},
    },
}


def test_agency_keys_and_national_id_values_are_made_canonical() -> None:
    mapping = Mapping.parse(MAPPING, record_specs()["birth"], "sql")
    row = {
        "code": "0012345679".translate(PERSIAN),
        "born": "2020-01-01",
        "father": "0499370899".translate(ARABIC_INDIC),
    }
    assert mapping.key.of(row) == "0012345679"
    record = mapping.read(row, "test")
    assert not isinstance(record, Exception), record
    assert record.values["fatherNationalId"] == "0499370899"
    # A numeric column that lost the leading zeros, in Persian digits too.
    assert transforms.national_id("۴۹۹۳۷۰۸۹۹") == "0499370899"
    for script, table in OTHER_DIGITS.items():
        typed = "0499370899".translate(table)
        with pytest.raises(ValueError):
            transforms.national_id(typed)
        assert mapping.key.of({**row, "code": typed}) is None, script
