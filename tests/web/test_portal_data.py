"""`/me/data`: the citizen's own records with provenance in words, read through the access
decision so the read is in their own log; a parent's view of a minor child's records, and the
refusals (another's child, an adult child) with their reasons."""

from __future__ import annotations

import html

from sqlalchemy import select

from store.audit_models import AuditRecord
from tests.harness import RunningGateway
from tests.resolvers.tracker_support import family
from tests.web.support import assert_secure_headers, logged_in
from web.i18n import text


def person(gateway: RunningGateway, national_id: str):  # type: ignore[no-untyped-def]
    return next(p for p in gateway.world.people if p.national_id == national_id)


async def portal_reads(gateway: RunningGateway, subject: str, actor: str) -> list[AuditRecord]:
    async with gateway.gateway.sessions() as session:
        rows = await session.scalars(
            select(AuditRecord).where(
                AuditRecord.subject == subject,
                AuditRecord.actor == actor,
                AuditRecord.client_id == "darvazeh-portal",
            )
        )
        return list(rows)


async def test_my_data_with_provenance_is_in_my_own_log(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    me = person(gateway, citizen)
    before = len(await portal_reads(gateway, citizen, citizen))
    async with logged_in(gateway, citizen) as client:
        english = await client.get("/me/data", params={"lang": "en"})
        persian = await client.get("/me/data", params={"lang": "fa"})
        log = await client.get("/me/data-access", params={"lang": "en"})
    assert english.status_code == 200 and persian.status_code == 200
    assert_secure_headers(english)
    page = html.unescape(english.text)
    assert me.first_name in page and "First name" in page and "Identity" in page
    assert "From National Organization for Civil Registration" in page
    assert "last updated" in page
    assert "Date of birth" in page and "Tax standing" in page
    assert "نام خانوادگی" in persian.text and "از سازمان ثبت احوال کشور" in persian.text
    # Each view is a self-read through the access decision, recorded in the citizen's own log.
    reads = await portal_reads(gateway, citizen, citizen)
    assert len(reads) > before
    assert {r.legal_basis for r in reads} == {"citizen"}
    assert {r.outcome for r in reads[before:]} <= {"GRANTED", "SOURCE_ERROR"}
    assert "You, on Darvazeh" in log.text or "Darvazeh portal" in log.text


async def test_a_parent_sees_their_minor_childs_data(gateway: RunningGateway) -> None:
    parent, child = family(gateway.world, adult=False, avoid=list(gateway.citizens.values()), nth=5)
    kid = person(gateway, child)
    async with logged_in(gateway, parent) as client:
        theirs = await client.get("/me/data", params={"subject": child, "lang": "en"})
        log = await client.get("/me/data-access", params={"subject": child, "lang": "en"})
    assert theirs.status_code == 200, theirs.text
    assert kid.first_name in html.unescape(theirs.text)
    assert "My child's information" in html.unescape(theirs.text)
    reads = await portal_reads(gateway, child, parent)
    assert reads and all(r.legal_basis == "citizen" for r in reads)
    # In the child's log, the read names the parent, not the child.
    assert "Your parent (national code" in html.unescape(log.text)


async def test_refusals_say_why(gateway: RunningGateway) -> None:
    parent, _ = family(gateway.world, adult=False, avoid=list(gateway.citizens.values()), nth=6)
    adult_parent, adult_child = family(gateway.world, adult=True, nth=1)
    stranger = next(
        p.national_id
        for p in reversed(gateway.world.people)
        if parent not in (p.national_id, p.father_id, p.mother_id)
    )
    async with logged_in(gateway, parent) as client:
        refused = await client.get("/me/data", params={"subject": stranger, "lang": "en"})
        malformed = await client.get("/me/data", params={"subject": "12", "lang": "en"})
    assert refused.status_code == 403
    assert text("en", "err_not_parent") in html.unescape(refused.text)
    assert "First name" not in refused.text
    assert await portal_reads(gateway, stranger, parent) == []  # nothing of theirs was read
    assert malformed.status_code == 400
    assert text("en", "err_child_code") in html.unescape(malformed.text)
    async with logged_in(gateway, adult_parent) as client:
        adult = await client.get("/me/data", params={"subject": adult_child, "lang": "en"})
    assert adult.status_code == 403
    assert text("en", "err_access_adult") in html.unescape(adult.text)
    assert await portal_reads(gateway, adult_child, adult_parent) == []
