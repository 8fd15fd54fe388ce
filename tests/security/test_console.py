"""Attacks on the agency console: a VIEWER changing things (replaying included), staff of one
agency touching another's objects (cases and dead letters included), forms without or with a
forged CSRF token, guessing passwords, oversized fields, and filters, positions and ids the
pages never offer. Each is refused and changes nothing."""

from __future__ import annotations

import pytest

from auth.accounts.staff import StaffMember, staff_principal
from resolvers import data_sources, service_cases, service_clients
from resolvers.context import RequestContext
from standard.errors import DarvazehError, ErrorCode
from standard.pagination import encode_cursor
from standard.statuses import StaffRole
from store.db import transaction
from store.models import DataSource, OAuthClient, ServiceCard
from store.proactive_models import CaseDelivery, LifeEventRecord
from store.staff_models import StaffAccount
from tests.harness import RunningGateway
from tests.services.proactive.support import add_case, add_dead_letter, fail_delivery
from tests.web.console_support import (
    CIVIL,
    EDUCATION,
    console_csrf,
    console_login,
    ensure_staff,
    post_form,
    staff_browser,
)
from tests.web.support import browser


async def enabled(gw: RunningGateway, source_id: str) -> bool:
    async with gw.gateway.sessions() as session:
        row = await session.get(DataSource, source_id)
    return row is not None and row.enabled


async def test_a_viewer_changes_nothing(gateway: RunningGateway) -> None:
    async with staff_browser(gateway, "sec.viewer", CIVIL, "VIEWER") as client:
        page = "/console/sources/civil-identity"
        for target, fields in (
            (f"{page}/disable", {}),
            (f"{page}/restore", {"version": "1"}),
            (f"{page}/mapping", {"mapping": "{}"}),
            ("/console/staff", {"username": "sneaky", "role": "ADMIN", "display_name": "x",
                                "password": "a long enough password"}),
            ("/console/sources/new", {"id": "x", "kind": "sql"}),
        ):  # fmt: skip
            answer = await post_form(client, page, target, **fields)
            assert answer.status_code == 403, target
    assert await enabled(gateway, "civil-identity")
    async with gateway.gateway.sessions() as session:
        assert await session.get(StaffAccount, "sneaky") is None


async def test_the_resolvers_refuse_a_viewer_whatever_the_page_offers(
    gateway: RunningGateway,
) -> None:
    member = StaffMember("v", "V", CIVIL, StaffRole.VIEWER, "00" * 32, "ab" * 32)
    context = RequestContext(
        registry=gateway.gateway.registry,
        principal=staff_principal(member),
        sessions=gateway.gateway.sessions,
    )
    assert [row.id for row in await data_sources.list_sources(context)]  # it may look
    for change in (
        data_sources.disable(context, "civil-identity"),
        data_sources.restore(context, "civil-identity", 1),
        service_clients.rotate_secret(context, "anything"),
    ):
        with pytest.raises(DarvazehError) as refused:
            await change
        assert refused.value.code is ErrorCode.FORBIDDEN
    assert await enabled(gateway, "civil-identity")


async def test_staff_of_one_agency_cannot_touch_anothers(gateway: RunningGateway) -> None:
    await ensure_staff(gateway, "sec.civil", CIVIL, "ADMIN")
    async with staff_browser(gateway, "sec.edu", EDUCATION, "ADMIN") as client:
        assert (await client.get("/console/sources/civil-identity")).status_code == 404
        listed = await client.get("/console/sources")
        assert "civil-identity" not in listed.text
        page = "/console/sources"
        refusals = [
            await post_form(client, page, "/console/sources/civil-identity/disable"),
            await post_form(client, page, "/console/sources/civil-identity/restore", version="1"),
            await post_form(client, page, "/console/staff/sec.civil/disable"),
            await post_form(client, page, "/console/clients/civil-registry-admin/rotate"),
        ]
        card = await client.get("/console/cards/birth-certificate-online")
        client_history = await client.get("/console/clients/civil-registry-admin")
    for answer in refusals:
        assert answer.status_code == 400, answer.text
        assert "has no" in answer.text  # the same words whether it exists elsewhere or not
    assert card.status_code == 404 and client_history.status_code == 404
    assert await enabled(gateway, "civil-identity")
    async with gateway.gateway.sessions() as session:
        civil = await session.get(StaffAccount, "sec.civil")
    assert civil is not None and civil.enabled


async def test_forms_without_or_with_a_forged_csrf_token_are_refused(
    gateway: RunningGateway,
) -> None:
    async with staff_browser(gateway, "sec.other", CIVIL, "ADMIN") as other:
        forged = console_csrf((await other.get("/console/sources")).text)
    async with staff_browser(gateway, "sec.admin", CIVIL, "ADMIN") as client:
        target = "/console/sources/civil-identity/disable"
        assert (await client.post(target, data={})).status_code == 403
        assert (await client.post(target, data={"csrf_token": forged})).status_code == 403
        assert (await client.post(target, data={"csrf_token": "x" * 64})).status_code == 403
    assert await enabled(gateway, "civil-identity")
    async with browser(gateway) as client:
        # A cross-site login form has no cookie to match its token.
        answer = await client.post(
            "/console/login",
            data={"csrf_token": "a" * 43, "username": "sec.admin", "password": "x" * 20},
        )
    assert answer.status_code == 403


async def test_guessing_a_staff_password_is_throttled(gateway: RunningGateway) -> None:
    await ensure_staff(gateway, "sec.guessed", CIVIL, "ADMIN")
    async with browser(gateway) as client:
        statuses = [
            (await console_login(client, "sec.guessed", f"wrong guess {n}")).status_code
            for n in range(6)
        ]
        assert statuses[:5] == [401] * 5 and statuses[5] == 429
        right = await console_login(client, "sec.guessed")
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0
    assert "darvazeh_console=" not in right.headers.get("set-cookie", "")


async def test_oversized_fields_are_refused_and_change_nothing(gateway: RunningGateway) -> None:
    async with browser(gateway) as client:
        page = await client.get("/console/login")
        huge = await client.post(
            "/console/login",
            data={"csrf_token": console_csrf(page.text), "username": "u" * 100_000,
                  "password": "p" * 100_000},
        )  # fmt: skip
    assert huge.status_code in (401, 403)
    async with staff_browser(gateway, "sec.admin", CIVIL, "ADMIN") as client:
        page = "/console/sources/civil-identity"
        mapping = await post_form(client, page, f"{page}/mapping", mapping="{" + " " * 16_100 + "}")
        assert mapping.status_code in (400, 403)
        many = await post_form(client, page, f"{page}/mapping", mapping="x" * 1_000_000)
        assert many.status_code == 403  # past the form's part size: not read at all
        long_id = await client.get("/console/sources/" + "a" * 5000)
        assert long_id.status_code == 404
        version = await post_form(client, page, f"{page}/restore", version="9" * 40)
        assert version.status_code == 400
    assert await enabled(gateway, "civil-identity")


async def test_a_disabled_account_loses_its_session_at_once(gateway: RunningGateway) -> None:
    async with staff_browser(gateway, "sec.leaver", CIVIL, "VIEWER") as client:
        assert (await client.get("/console/sources")).status_code == 200
        async with transaction(gateway.gateway.sessions) as session:
            account = await session.get(StaffAccount, "sec.leaver")
            assert account is not None
            account.enabled = False
        answer = await client.get("/console/sources")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"


# -- proactive cases and the registration forms ------------------------------------------------

# Demo agencies with no proactive card of their own (new agencies would change the catalogue).
CASES_A, CASES_B = "energy-ministry", "ict-ministry"
UNRUN = "console.test"  # a life event kind no card runs on: only its reporter sees it dead


async def dead_things(gw: RunningGateway, agency: str) -> tuple[str, str]:
    """A dead letter and a case with a failed delivery, of `agency`'s own."""
    people = gw.world.people
    case = await add_case(gw.gateway.sessions, subject=people[5].national_id, agency=agency,
                          card_id=f"{agency}-card", deliver=True)  # fmt: skip
    await fail_delivery(gw.gateway.sessions, case)
    event = await add_dead_letter(gw.gateway.sessions, subject=people[6].national_id,
                                  agency=agency, kind=UNRUN)  # fmt: skip
    return event, case


async def still_dead(gw: RunningGateway, event: str, case: str) -> bool:
    async with gw.gateway.sessions() as session:
        row, delivery = await session.get(LifeEventRecord, event), await session.get(
            CaseDelivery, case)  # fmt: skip
    return row is not None and row.status == "DEAD" and delivery is not None and (
        delivery.status == "DEAD")  # fmt: skip


async def test_a_viewer_replays_nothing_and_registers_nothing(gateway: RunningGateway) -> None:
    event, case = await dead_things(gateway, CASES_A)
    async with staff_browser(gateway, "sec.cases.viewer", CASES_A, "VIEWER") as client:
        listed = await client.get("/console/cases?lang=en")
        assert listed.status_code == 200 and event in listed.text
        assert "/replay" not in listed.text  # no button
        for path in (f"/console/dead-letters/{event}/replay", f"/console/deliveries/{case}/replay",
                     "/console/services/new-card", "/console/services/new-client"):  # fmt: skip
            assert (await client.get(path)).status_code == 403, path
            answer = await post_form(client, "/console/cases", path, id="x", name="x")
            assert answer.status_code == 403, path
    assert await still_dead(gateway, event, case)
    # The resolvers behind the page refuse a viewer too, whatever calls them.
    member = StaffMember("v", "V", CASES_A, StaffRole.VIEWER, "00" * 32, "ab" * 32)
    context = RequestContext(registry=gateway.gateway.registry,
                             principal=staff_principal(member),
                             sessions=gateway.gateway.sessions)  # fmt: skip
    assert (await service_cases.dead_letter(context, event)).id == event  # it may look
    for change in (
        service_cases.replay_dead_letter(context, event),
        service_cases.replay_delivery(context, case),
        service_cases.acknowledge_case(context, case),
        service_cases.close_case(context, case),
    ):
        with pytest.raises(DarvazehError) as refused:
            await change
        assert refused.value.code is ErrorCode.FORBIDDEN
    assert await still_dead(gateway, event, case)


async def test_another_agencys_case_or_event_is_an_unknown_id(gateway: RunningGateway) -> None:
    event, case = await dead_things(gateway, CASES_A)
    await dead_things(gateway, CASES_B)
    async with staff_browser(gateway, "sec.cases.b", CASES_B, "ADMIN") as client:
        listed = await client.get("/console/cases")
        assert event not in listed.text and case not in listed.text
        for path, unknown in (
            (f"/console/dead-letters/{event}/replay", "/console/dead-letters/no-such/replay"),
            (f"/console/deliveries/{case}/replay", "/console/deliveries/no-such/replay"),
        ):
            assert (await client.get(path)).status_code == 404
            foreign = await post_form(client, "/console/cases", path)
            nobody = await post_form(client, "/console/cases", unknown)
            assert foreign.status_code == nobody.status_code == 404
            # The same words whether another agency holds the id or nobody does.
            assert foreign.text.replace(event, "X").replace(case, "X") == nobody.text.replace(
                "no-such", "X")  # fmt: skip
    assert await still_dead(gateway, event, case)


async def test_a_forged_token_replays_nothing(gateway: RunningGateway) -> None:
    event, case = await dead_things(gateway, CASES_A)
    async with staff_browser(gateway, "sec.cases.other", CASES_B, "ADMIN") as other:
        forged = console_csrf((await other.get("/console/cases")).text)
    async with staff_browser(gateway, "sec.cases.admin", CASES_A, "ADMIN") as client:
        for path in (f"/console/dead-letters/{event}/replay", f"/console/deliveries/{case}/replay"):
            for data in ({}, {"csrf_token": forged}, {"csrf_token": "x" * 64}):
                assert (await client.post(path, data=data)).status_code == 403
    assert await still_dead(gateway, event, case)


def cursor(position: str) -> str:
    return encode_cursor("s1", position)


@pytest.mark.parametrize(
    "query",
    [
        "status=BOGUS", "status=" + "x" * 5000, "delivery=LOST", "card=school-enrolment",
        "card=" + "a" * 5000, "after=garbage", "after=" + "a" * 5000,
        "after=" + encode_cursor("d1", "some-event"), "after=" + cursor("-1"),
        "after=" + cursor("9" * 30), "after=" + cursor("1e9"),
        "dead_after=" + cursor("5"), "dead_after=" + "b" * 500,
    ],
)  # fmt: skip
async def test_filters_and_positions_not_offered_are_refused(
    gateway: RunningGateway, query: str
) -> None:
    await dead_things(gateway, CASES_A)
    async with staff_browser(gateway, "sec.cases.viewer", CASES_A, "VIEWER") as client:
        answer = await client.get(f"/console/cases?{query}")
    assert answer.status_code == 400
    assert "Traceback" not in answer.text and "x" * 100 not in answer.text


async def test_odd_ids_and_positions_answer_plainly(gateway: RunningGateway) -> None:
    await dead_things(gateway, CASES_A)
    async with staff_browser(gateway, "sec.cases.admin", CASES_A, "ADMIN") as client:
        empty = await client.get(f"/console/cases?after={cursor('0')}")
        assert empty.status_code == 200  # before the first case: an empty page
        for path in ("/console/dead-letters/" + "a" * 5000 + "/replay",
                     "/console/deliveries/" + "a" * 5000 + "/replay",
                     "/console/deliveries/%27%3B--/replay"):  # fmt: skip
            assert (await client.get(path)).status_code == 404
            assert (await post_form(client, "/console/cases", path)).status_code == 404


async def test_oversized_or_malformed_registrations_store_nothing(gateway: RunningGateway) -> None:
    async with staff_browser(gateway, "edu.admin", EDUCATION, "ADMIN") as client:
        huge = await post_form(client, "/console/services/new-card", "/console/services/new-card",
                               id="console-huge", name_fa="x" * 100_000)  # fmt: skip
        assert huge.status_code == 403  # past the form's part size: not read at all
        card = await post_form(client, "/console/services/new-card", "/console/services/new-card",
                               id="console-long", name_fa="x" * 301, name_en="Long",
                               legal_basis="consent", datasets="civil.identity")  # fmt: skip
        assert card.status_code == 400 and 'id="name_fa-problem-1"' in card.text
        odd = await post_form(
            client, "/console/services/new-client", "/console/services/new-client",
            service_card="school-enrolment", name="Odd", client_id="../../etc/passwd",
            grant_types="authorization_code", redirect_uris="https://a.example/cb",
            token_endpoint_auth_method="client_secret_basic",
        )  # fmt: skip
        assert odd.status_code == 400 and 'id="client_id-problem-1"' in odd.text
        long = await post_form(
            client, "/console/services/new-client", "/console/services/new-client",
            service_card="school-enrolment", name="n" * 201,
        )  # fmt: skip
        assert long.status_code == 400 and 'id="name-problem-1"' in long.text
        many = await post_form(
            client, "/console/services/new-client", "/console/services/new-client",
            service_card="school-enrolment", name="Many", grant_types="authorization_code",
            redirect_uris="https://a.example/cb\n" * 30,
        )  # fmt: skip
        assert many.status_code == 400 and 'id="redirect_uris-problem-1"' in many.text
        budget = await post_form(
            client, "/console/services/new-client", "/console/services/new-client",
            service_card="school-enrolment", name="Budget", client_id="console-budget",
            grant_types="authorization_code", redirect_uris="https://a.example/cb",
            token_endpoint_auth_method="client_secret_basic", query_cost_budget="9" * 12,
        )  # fmt: skip
        assert budget.status_code == 400 and 'id="query_cost_budget-problem-1"' in budget.text
    async with gateway.gateway.sessions() as session:
        for client_id in ("../../etc/passwd", "console-budget"):
            assert await session.get(OAuthClient, client_id) is None
        for card_id in ("console-huge", "console-long"):
            assert await session.get(ServiceCard, card_id) is None


async def test_a_link_cannot_make_the_list_claim_a_replay(gateway: RunningGateway) -> None:
    await dead_things(gateway, CASES_A)
    async with staff_browser(gateway, "sec.cases.viewer", CASES_A, "VIEWER") as client:
        linked = await client.get("/console/cases?lang=en&replayed=event&id=spoofed")
        client.cookies.set("darvazeh_console_replayed", "nonsense" * 100, path="/console/cases")
        odd = await client.get("/console/cases?lang=en")
    for answer in (linked, odd):
        assert answer.status_code == 200 and 'class="ok" role="status"' not in answer.text
    assert "nonsense" not in odd.text
