"""The console's service cards, service clients, staff accounts and the reads of the agency's
data. Every change calls the resolver the GraphQL API calls (validation and history once); a
rotated client secret is shown on the answer to that one POST and never again.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from auth.accounts.staff import StaffMember
from resolvers import service_clients, staff, tracker
from resolvers.cards import agency_cards, card_history, set_card_enabled
from services.card_registration import CardVersion
from standard.errors import Refused
from standard.statuses import StaffRole
from web.console_auth import PREFIX, form_of, page, staff_context
from web.console_diff import diff
from web.render import error_page, see_other

SERVICES = f"{PREFIX}/services"
STAFF = f"{PREFIX}/staff"
READS = f"{PREFIX}/reads"
MAX_ID = 64
READ_DAYS = (1, 7, 30, 90)


def _card_snapshot(version: CardVersion) -> dict[str, object]:
    return {**dataclasses.asdict(version.card), "enabled": version.enabled}


async def services_page(request: Request, member: StaffMember) -> Response:
    context = staff_context(request, member)
    cards = await agency_cards(context)
    clients = await service_clients.list_clients(context)
    return page(request, member, "console_services.html", cards=cards, clients=clients)


async def card_page(request: Request, member: StaffMember) -> Response:
    card_id = str(request.path_params["card_id"])[:MAX_ID]
    try:
        versions = await card_history(staff_context(request, member), card_id)
    except Refused:  # not the agency's card (or nobody's): one answer
        return error_page(request, 404, "not_found_title", "not_found")
    changes = [
        (newer, diff(_card_snapshot(older), _card_snapshot(newer)))
        for newer, older in itertools.pairwise(versions)
    ]
    return page(request, member, "console_history.html", title_key="console_card_history",
                object_id=card_id, versions=versions, changes=changes,
                back=SERVICES)  # fmt: skip


async def card_enabled(request: Request, member: StaffMember) -> Response:
    card_id = str(request.path_params["card_id"])[:MAX_ID]
    if request.path_params["verb"] not in ("enable", "disable"):
        return error_page(request, 404, "not_found_title", "not_found")
    enabled = request.path_params["verb"] == "enable"
    try:
        await set_card_enabled(staff_context(request, member), card_id, enabled)
    except Refused as refused:
        return page(request, member, "console_refused.html", status=400,
                    problems=refused.problems, back=SERVICES)  # fmt: skip
    return see_other(SERVICES)


async def client_page(request: Request, member: StaffMember) -> Response:
    client_id = str(request.path_params["client_id"])[:MAX_ID]
    try:
        rows = await service_clients.client_history(staff_context(request, member), client_id)
    except Refused:  # not the agency's client (or nobody's): one answer
        return error_page(request, 404, "not_found_title", "not_found")
    changes = [
        (newer, diff(older.snapshot, newer.snapshot)) for newer, older in itertools.pairwise(rows)
    ]
    return page(request, member, "console_history.html", title_key="console_client_history",
                object_id=client_id, versions=rows, changes=changes,
                back=SERVICES)  # fmt: skip


async def client_change(request: Request, member: StaffMember) -> Response:
    client_id = str(request.path_params["client_id"])[:MAX_ID]
    verb = request.path_params["verb"]
    if verb not in ("enable", "disable", "rotate"):
        return error_page(request, 404, "not_found_title", "not_found")
    context = staff_context(request, member)
    try:
        if verb == "rotate":
            row, secret = await service_clients.rotate_secret(context, client_id)
            # Shown on this answer only (never stored, never cached: no-store on every page).
            return page(request, member, "console_secret.html", client=row, secret=secret)
        await service_clients.set_enabled(context, client_id, verb == "enable")
    except Refused as refused:
        return page(request, member, "console_refused.html", status=400,
                    problems=refused.problems, back=SERVICES)  # fmt: skip
    return see_other(SERVICES)


async def staff_page(request: Request, member: StaffMember) -> Response:
    accounts = await staff.staff_of_agency(staff_context(request, member))
    return page(request, member, "console_staff.html", accounts=accounts, roles=list(StaffRole),
                problems=[], values={})  # fmt: skip


async def staff_add(request: Request, member: StaffMember) -> Response:
    form = form_of(request)
    context = staff_context(request, member)
    try:
        await staff.add_staff(
            context,
            username=form.get("username", "")[:64],
            role=form.get("role", "")[:16],
            display_name=form.get("display_name", "")[:300],
            password=form.get("password", "")[:2048],
        )
    except Refused as refused:
        accounts = await staff.staff_of_agency(context)
        values = {name: form.get(name, "")[:300] for name in ("username", "role", "display_name")}
        return page(request, member, "console_staff.html", status=400, accounts=accounts,
                    roles=list(StaffRole), problems=refused.problems,
                    values=values)  # fmt: skip
    return see_other(STAFF)


async def staff_enabled(request: Request, member: StaffMember) -> Response:
    username = str(request.path_params["username"])[:64]
    if request.path_params["verb"] not in ("enable", "disable"):
        return error_page(request, 404, "not_found_title", "not_found")
    enabled = request.path_params["verb"] == "enable"
    try:
        await staff.set_enabled(staff_context(request, member), username, enabled)
    except Refused as refused:
        return page(request, member, "console_refused.html", status=400,
                    problems=refused.problems, back=STAFF)  # fmt: skip
    return see_other(STAFF)


async def reads_page(request: Request, member: StaffMember) -> Response:
    """Who read the agency's data over the last days, under which basis, how often; and the
    latest reads themselves."""
    asked = request.query_params.get("days", "30")
    days = int(asked) if asked in {str(choice) for choice in READ_DAYS} else 30
    context = staff_context(request, member)
    since = datetime.now(UTC) - timedelta(days=days)
    summary = await tracker.agency_reads(context, since=since)
    latest = await tracker.list_agency_accesses(context, first=50, after=None, since=since,
                                                until=None)  # fmt: skip
    return page(request, member, "console_reads.html", summary=summary, latest=latest,
                days=days, choices=READ_DAYS)  # fmt: skip
