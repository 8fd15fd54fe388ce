"""The data tracker over GraphQL: `me { dataAccesses }` and `agencyDataAccesses` — order, keyset
pagination with ties, time filters, who may see whose records, cursors, and consent use counts
computed from the log."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from audit.tracker import BadCursor, Position, decode_cursor, encode_cursor
from audit.usage import consent_usage
from store.audit_models import AuditRecord
from tests.harness import RunningGateway
from tests.resolvers.test_own_consents import a_consent
from tests.resolvers.tracker_support import STATUTE, entry, family, outsider, window, write
from tests.web.support import logged_in

NODE = """occurredAt subject outcome legalBasis consentId statute caseReference reason
  datasets fields service { id nameFa nameEn } purpose { fa en }
  client { id agency { code nameFa nameEn } } sourceAgency { code nameEn }"""
MINE = f"""query($first: Int!, $after: String, $from: DateTime, $to: DateTime, $subject: String) {{
  me {{ dataAccesses(first: $first, after: $after, from: $from, to: $to, subject: $subject) {{
    edges {{ cursor node {{ {NODE} }} }} pageInfo {{ hasNextPage endCursor }} }} }} }}"""
THEIRS = "query($id: String!) { citizen(nationalId: $id) { dataAccesses { edges { cursor } } } }"
AGENCY = f"""query($first: Int!, $after: String, $from: DateTime, $to: DateTime) {{
  agencyDataAccesses(first: $first, after: $after, from: $from, to: $to) {{
    edges {{ cursor node {{ {NODE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""


async def ask(portal: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    """A query on the citizen's portal session (GET: no CSRF token needed)."""
    params = {"query": query, "variables": json.dumps(variables, default=str)}
    return (await portal.get("/graphql", params=params)).json()


def connection(answer: dict[str, Any], field: str = "dataAccesses") -> dict[str, Any]:
    assert "errors" not in answer, answer
    data = answer["data"]
    return data.get("me", data)[field]


def code_of(answer: dict[str, Any]) -> str:
    return answer["errors"][0]["extensions"]["code"]


def tags(found: dict[str, Any]) -> list[str]:
    return [edge["node"]["caseReference"] for edge in found["edges"]]


async def test_newest_first_and_every_record_once_across_pages(gateway: RunningGateway) -> None:
    me = outsider(gateway.world)
    start = window()
    # 23 records at 5 instants, with ties: several records share an instant; ids break the ties.
    entries = [
        entry(me, start + timedelta(minutes=i % 5), case_reference=f"R{i:02d}") for i in range(23)
    ]
    await write(gateway.gateway.sessions, entries)
    # Newest first; among records of one instant, the later written first.
    expected = [
        e.case_reference
        for _, e in sorted(enumerate(entries), key=lambda p: (p[1].occurred_at, p[0]), reverse=True)
    ]
    span = {"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()}
    async with logged_in(gateway, me) as portal:
        seen: list[str] = []
        after = None
        for _ in range(10):
            found = connection(await ask(portal, MINE, first=4, after=after, **span))
            seen += tags(found)
            info = found["pageInfo"]
            if found["edges"]:
                assert info["endCursor"] == found["edges"][-1]["cursor"]
            if not info["hasNextPage"]:
                break
            after = info["endCursor"]
        assert seen == expected  # no record twice, none missing, in order
        whole = connection(await ask(portal, MINE, first=100, **span))
        assert tags(whole) == expected and whole["pageInfo"]["hasNextPage"] is False
        # Without a window the newest records come first, ours among them.
        latest = connection(await ask(portal, MINE, first=100))
        assert [tag for tag in tags(latest) if tag in expected] == expected


async def test_from_is_inclusive_and_to_exclusive(gateway: RunningGateway) -> None:
    me = outsider(gateway.world)
    start = window()
    entries = [entry(me, start + timedelta(minutes=i), case_reference=f"M{i}") for i in range(6)]
    after_all = start + timedelta(minutes=30)
    await write(gateway.gateway.sessions, entries)
    async with logged_in(gateway, me) as portal:
        middle = connection(
            await ask(
                portal,
                MINE,
                first=20,
                **{
                    "from": (start + timedelta(minutes=1)).isoformat(),
                    "to": (start + timedelta(minutes=4)).isoformat(),
                },
            )
        )
        assert tags(middle) == ["M3", "M2", "M1"]
        edge = {"from": (start + timedelta(minutes=5)).isoformat(), "to": after_all.isoformat()}
        assert tags(connection(await ask(portal, MINE, first=20, **edge))) == ["M5"]


async def test_what_a_record_tells_the_citizen(gateway: RunningGateway) -> None:
    me = outsider(gateway.world)
    start = window()
    await write(
        gateway.gateway.sessions,
        [
            entry(me, start, case_reference="S1"),
            entry(me, start + timedelta(seconds=1), case_reference=None, statute=None,
                  legal_basis="consent", consent_id="consent-1", client_id="school-enrolment",
                  client_agency="education", purpose="school-enrolment", outcome="DENIED",
                  reason="the consent is revoked"),
            entry(me, start + timedelta(seconds=2), case_reference=None, statute=None,
                  legal_basis="citizen", client_id="darvazeh-portal", client_agency="darvazeh",
                  purpose=None, outcome="SOURCE_ERROR", reason="civil-registry timed out"),
        ],
    )  # fmt: skip
    span = {"from": start.isoformat(), "to": (start + timedelta(minutes=1)).isoformat()}
    async with logged_in(gateway, me) as portal:
        nodes = [e["node"] for e in connection(await ask(portal, MINE, first=5, **span))["edges"]]
    own, denied, statutory = nodes
    assert statutory["occurredAt"].startswith(start.strftime("%Y-%m-%dT%H:%M:%S"))
    assert statutory["subject"] == me and statutory["outcome"] == "GRANTED"
    assert statutory["legalBasis"] == "STATUTE" and statutory["statute"] == STATUTE
    assert statutory["caseReference"] == "S1" and statutory["reason"] is None
    assert statutory["service"] == {
        "id": "subsidy-eligibility",
        "nameFa": "تعیین استحقاق یارانه",
        "nameEn": "Subsidy eligibility assessment",
    }
    assert statutory["purpose"]["en"].startswith("Assess a household")
    assert statutory["client"]["id"] == "subsidy-eligibility"
    assert statutory["client"]["agency"]["nameEn"] == "Ministry of Cooperatives, Labour and Welfare"
    assert statutory["sourceAgency"] == {
        "code": "civil-registry",
        "nameEn": "National Organization for Civil Registration",
    }
    assert statutory["datasets"] == ["civil.identity"]
    assert statutory["fields"] == ["identity.firstName", "identity.lastName"]
    assert denied["legalBasis"] == "CONSENT" and denied["consentId"] == "consent-1"
    assert denied["outcome"] == "DENIED" and denied["reason"] == "the consent is revoked"
    assert denied["service"]["nameEn"] == "School enrolment"
    # A source's error message is for operators, not shown; the portal is no service card.
    assert own["legalBasis"] == "CITIZEN" and own["outcome"] == "SOURCE_ERROR"
    assert own["reason"] is None and own["service"] is None and own["purpose"] is None
    assert own["client"]["agency"]["code"] == "darvazeh"


async def test_a_parent_sees_their_minor_childs_records(gateway: RunningGateway) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    start = window()
    await write(
        gateway.gateway.sessions,
        [entry(child, start, case_reference="CHILD"), entry(parent, start, case_reference="OWN")],
    )
    span = {"from": start.isoformat(), "to": (start + timedelta(minutes=1)).isoformat()}
    async with logged_in(gateway, parent) as portal:
        childs = connection(await ask(portal, MINE, first=5, subject=child, **span))
        assert tags(childs) == ["CHILD"]
        own = connection(await ask(portal, MINE, first=5, **span))
        assert tags(own) == ["OWN"]
        assert tags(connection(await ask(portal, MINE, first=5, subject=parent, **span))) == ["OWN"]
    # The child is not the parent's parent.
    async with logged_in(gateway, child) as portal:
        assert code_of(await ask(portal, MINE, first=5, subject=parent)) == "FORBIDDEN"


async def test_nobody_sees_another_citizens_records(gateway: RunningGateway) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    stranger = outsider(gateway.world)  # not the child's mother, who is a citizen of note
    adult_parent, adult_child = family(gateway.world, adult=True)
    async with logged_in(gateway, stranger) as portal:
        assert code_of(await ask(portal, MINE, first=5, subject=child)) == "FORBIDDEN"
        assert code_of(await ask(portal, THEIRS, id=parent)) == "FORBIDDEN"
        assert code_of(await ask(portal, MINE, first=5, subject="123")) == "INVALID_NATIONAL_ID"
    async with logged_in(gateway, adult_parent) as portal:
        refused = await ask(portal, MINE, first=5, subject=adult_child)
        assert code_of(refused) == "FORBIDDEN" and "18 or older" in refused["errors"][0]["message"]
    # Tokens of services and agencies see no citizen's log.
    assert code_of(await gateway.query(THEIRS, {"id": parent})) == "FORBIDDEN"
    assert code_of(await gateway.query("{ me { dataAccesses { edges { cursor } } } }")) == (
        "FORBIDDEN"
    )
    no_token = await gateway.query("{ agencyDataAccesses { edges { cursor } } }", role=None)
    assert code_of(no_token) == "UNAUTHENTICATED"


async def test_an_agency_admin_sees_reads_of_its_own_agencys_data(
    gateway: RunningGateway,
) -> None:
    someone, other = gateway.citizens["deceased"], gateway.citizens["newborn"]
    start = window()
    await write(
        gateway.gateway.sessions,
        [
            entry(someone, start, case_reference="CIVIL-1"),
            entry(other, start + timedelta(seconds=1), case_reference="TAX-1",
                  source_agency="tax", datasets=("tax.status",)),
            entry(other, start + timedelta(seconds=2), case_reference="CIVIL-2"),
            entry(other, start + timedelta(seconds=3), case_reference="NONE-1",
                  source_agency=None, outcome="DENIED"),
        ],
    )  # fmt: skip
    span = {"from": start.isoformat(), "to": (start + timedelta(minutes=1)).isoformat()}
    admin = await gateway.token("agency_admin")  # the civil registry's administrators
    found = connection(
        await gateway.query(AGENCY, {"first": 1, **span}, token=admin), "agencyDataAccesses"
    )
    assert tags(found) == ["CIVIL-2"] and found["pageInfo"]["hasNextPage"] is True
    rest = connection(
        await gateway.query(
            AGENCY, {"first": 5, "after": found["pageInfo"]["endCursor"], **span}, token=admin
        ),
        "agencyDataAccesses",
    )
    assert tags(rest) == ["CIVIL-1"] and rest["pageInfo"]["hasNextPage"] is False
    assert {e["node"]["subject"] for e in rest["edges"]} == {someone}
    # Services (statutory or not) and citizens list no agency's reads.
    for role in ("statutory_all_datasets", "statutory"):
        assert code_of(await gateway.query(AGENCY, {"first": 5}, role=role)) == "FORBIDDEN"
    async with logged_in(gateway, other) as portal:  # `someone` is dead: they cannot log in
        assert code_of(await ask(portal, AGENCY, first=5)) == "FORBIDDEN"


@pytest.mark.parametrize(
    "cursor",
    [
        "nope",
        "!!!!",
        "",
        "x" * 500,
        base64.urlsafe_b64encode(b"a1.9999999999999999999.1").decode(),  # past year 9999
        base64.urlsafe_b64encode(b"a1.1.-1").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
async def test_a_malformed_cursor_is_bad_input(gateway: RunningGateway, cursor: str) -> None:
    me = gateway.citizens["parent"]
    async with logged_in(gateway, me) as portal:
        answer = await ask(portal, MINE, first=5, after=cursor)
    assert code_of(answer) == "BAD_USER_INPUT", answer
    with pytest.raises(BadCursor):
        decode_cursor(cursor)


async def test_first_is_capped(gateway: RunningGateway) -> None:
    async with logged_in(gateway, gateway.citizens["parent"]) as portal:
        for first in (0, -1, 101):
            assert code_of(await ask(portal, MINE, first=first)) == "BAD_USER_INPUT"
    admin = await gateway.token("agency_admin")
    assert code_of(await gateway.query(AGENCY, {"first": 1000}, token=admin)) == "BAD_USER_INPUT"


def test_a_cursor_names_its_record_exactly() -> None:
    start = window() + timedelta(microseconds=123_457)
    record = AuditRecord(id=42, occurred_at=start.replace(tzinfo=None))  # SQLite: naive UTC
    cursor = encode_cursor(record)
    assert decode_cursor(cursor) == Position(start, 42)
    assert "=" not in cursor and str(start.year) not in cursor  # opaque, URL-safe


async def test_consent_use_counts_come_from_the_log(gateway: RunningGateway) -> None:
    me, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    used, unused = await a_consent(gateway, me, child), await a_consent(gateway, me)
    start = window()
    request = "req-" + used
    consent = {"legal_basis": "consent", "consent_id": used, "statute": None}
    await write(
        gateway.gateway.sessions,
        [
            # One request reading two datasets is one use; a denied read is none.
            entry(child, start, request_id=request, **consent),
            entry(child, start, request_id=request, datasets=("civil.birth",), **consent),
            entry(child, start + timedelta(minutes=2), **consent),
            entry(child, start + timedelta(minutes=9), outcome="DENIED", **consent),
        ],
    )
    async with gateway.gateway.sessions() as session:
        usage = await consent_usage(session, [used, unused, "no-such-consent"])
    assert usage[used][0] == 2
    assert usage[used][1] == start + timedelta(minutes=2)
    assert usage[unused] == (0, None) and usage["no-such-consent"] == (0, None)
    async with logged_in(gateway, me) as portal:
        mine = await ask(portal, "{ me { consents { id useCount lastUsedAt } } }")
    found = {c["id"]: c for c in mine["data"]["me"]["consents"]}
    assert found[used]["useCount"] == 2 and found[unused]["useCount"] == 0
    assert found[used]["lastUsedAt"].startswith((start + timedelta(minutes=2)).isoformat()[:19])
    assert found[unused]["lastUsedAt"] is None
