"""The consent screen: the citizen sees who asks, why, for what and how long; narrows the datasets,
chooses whose data (theirs or their minor child's) and approves or denies.

The authorization request itself was validated by `/oauth/authorize` (auth/oauth/authorize.py),
which stored it and sent the browser here; on approval the consent is recorded first, then
`complete_authorization` issues the code and the redirect back to the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from auth.accounts.sessions import csrf_valid
from auth.consent.errors import ConsentError
from auth.consent.national_time import national_date
from auth.consent.records import CONSENT_DURATION, create_consent
from auth.core.system_checks import CitizenCheck, DeathCheckUnavailable
from auth.oauth.authorize import (
    AuthorizationRequestGone,
    complete_authorization,
    deny_authorization,
)
from standard.datasets import Dataset
from standard.national_id import InvalidNationalId
from standard.national_id import parse_typed as parse_national_id
from store.citizen_models import BrowserSession, Consent
from store.db import aware, transaction
from store.models import Agency, OAuthClient, ServiceCard
from store.oauth_models import AuthorizationRequest
from web import browser
from web.gateway import gateway
from web.i18n import choose, text
from web.login_page import login_url
from web.render import csrf_refused, error_page, read_form, render, see_other

MAX_TYPED = 40  # characters of a typed national code kept to show back


@dataclass(frozen=True)
class Pending:
    """A live authorization request with what the screen shows about it."""

    request: AuthorizationRequest
    client: OAuthClient
    card: ServiceCard
    agency: Agency
    requested: list[str]  # datasets, in the order asked


async def _pending(request: Request, request_id: str) -> Pending | Response:
    """The request behind the URL, or the error page saying why there is none."""
    if not request_id or len(request_id) > 64:
        return error_page(request, 400, "request_unknown_title", "request_unknown")
    async with gateway(request).sessions() as db:
        row = await db.get(AuthorizationRequest, request_id)
        client = await db.get(OAuthClient, row.client_id) if row else None
        card = (
            await db.get(ServiceCard, client.service_card_id)
            if client and client.service_card_id
            else None
        )
        agency = await db.get(Agency, card.agency_code) if card else None
    # A pushed (PAR) request reaches this screen only through /oauth/authorize, as a new row.
    if row is None or row.pushed or client is None or not client.enabled:
        return error_page(request, 400, "request_unknown_title", "request_unknown")
    if card is None or agency is None:
        return error_page(request, 400, "request_unknown_title", "request_unknown")
    if row.used_at is not None or aware(row.expires_at) <= datetime.now(UTC):
        return error_page(request, 410, "request_gone_title", "request_gone")
    scope = str(row.params.get("scope") or "")
    asked = scope.split() if scope else list(client.scopes)
    allowed = set(card.datasets) & set(client.scopes)
    # Shown in the standard's own order, however the client listed them.
    requested: list[str] = [d.value for d in Dataset if d.value in allowed and d.value in asked]
    return Pending(row, client, card, agency, requested)


def _screen(
    request: Request, pending: Pending, session: BrowserSession, *, status: int = 200,
    error: str | None = None, chosen: list[str] | None = None, for_child: bool | None = None,
    child: str = "",
) -> Response:  # fmt: skip
    lang, _ = choose(request)
    card, agency = pending.card, pending.agency
    # A service acting for a child (school enrolment) says so; "my child" then comes first.
    child_first = pending.request.params.get("data_subject") == "child"
    context: dict[str, Any] = {
        "request_id": pending.request.id,
        "service_name": card.name_fa if lang == "fa" else card.name_en,
        "agency_name": agency.name_fa if lang == "fa" else agency.name_en,
        "purpose": (card.purpose_fa if lang == "fa" else card.purpose_en) or "",
        "requested": pending.requested,
        "chosen": pending.requested if chosen is None else chosen,
        "duration_days": CONSENT_DURATION.days,
        "until": national_date(datetime.now(UTC) + CONSENT_DURATION),
        "for_child": child_first if for_child is None else for_child,
        "child_first": child_first,
        "child": child,
        "error": error,
    }
    return render(request, "consent.html", status=status, session=session, **context)


async def consent_screen(request: Request) -> Response:
    request_id = request.path_params["request_id"]
    pending = await _pending(request, request_id)
    if isinstance(pending, Response):
        return pending
    session = await browser.current_session(request)
    if session is None:
        return see_other(login_url(f"/consent/{request_id}"))
    return _screen(request, pending, session)


async def consent_submit(request: Request) -> Response:
    request_id = request.path_params["request_id"]
    session = await browser.current_session(request)
    if session is None:
        return see_other(login_url(f"/consent/{request_id}"))
    form = await read_form(request)
    if form is None or not csrf_valid(session, form.get(browser.CSRF_FIELD)):
        return csrf_refused(request)
    pending = await _pending(request, request_id)
    if isinstance(pending, Response):
        return pending
    if form.get("action") != "approve":
        return await _deny(request, request_id)
    return await _approve(request, pending, session, form)


async def _deny(request: Request, request_id: str) -> Response:
    sessions = gateway(request).sessions
    try:
        return see_other(await deny_authorization(sessions, request_id=request_id))
    except AuthorizationRequestGone:
        return error_page(request, 410, "request_gone_title", "request_gone")


async def _approve(
    request: Request, pending: Pending, session: BrowserSession, form: FormData
) -> Response:
    services = gateway(request)
    lang, _ = choose(request)
    chosen = [str(value) for value in form.getlist("dataset")]
    for_child = form.get("subject") == "child"
    child = str(form.get("child") or "").strip()[:MAX_TYPED]  # shown back as typed, bounded

    def again(key: str, status: int = 400) -> Response:
        return _screen(request, pending, session, status=status, error=text(lang, key),
                       chosen=chosen, for_child=for_child, child=child)  # fmt: skip

    if not chosen:
        return again("err_no_datasets")
    if not set(chosen) <= set(pending.requested):
        return again("err_bad_datasets")
    subject = session.citizen
    if for_child:
        try:
            subject = parse_national_id(child)
        except InvalidNationalId:
            return again("err_child_code")
        if subject == session.citizen:
            return again("err_child_self")
    # Neither the citizen nor the child may be dead: a death the gateway knows of ends it at
    # once, and otherwise the civil registry is asked (a death found there ends their access).
    subjects = list(dict.fromkeys([session.citizen, subject]))
    try:
        gone = await services.deaths.deceased(subjects, CitizenCheck.CONSENT)
    except DeathCheckUnavailable:
        return again("err_registry_unavailable", 503)
    if session.citizen in gone:
        response = error_page(request, 403, "account_ended_title", "login_ended_DECEASED")
        browser.clear_session_cookie(request, response)
        return response
    if subject in gone:
        return again("err_child_deceased", 403)
    try:
        async with transaction(services.sessions) as db:
            consent = await create_consent(
                db,
                citizen=session.citizen,
                subject=subject,
                client_id=pending.client.client_id,
                service_card_id=pending.card.id,
                datasets=chosen,
                births=services.births,
            )
    except ConsentError as error:
        return again(f"err_{error.kind}", 503 if error.kind == "unavailable" else 400)
    try:
        url = await complete_authorization(
            services.sessions,
            request_id=pending.request.id,
            citizen=session.citizen,
            subject=subject,
            datasets=consent.datasets,
            consent_id=consent.id,
        )
    except AuthorizationRequestGone:
        # Used or expired meanwhile (another tab, a double click): take the consent back out.
        async with transaction(services.sessions) as db:
            stale = await db.get(Consent, consent.id)
            if stale is not None:
                await db.delete(stale)
        return error_page(request, 410, "request_gone_title", "request_gone")
    return see_other(url)
