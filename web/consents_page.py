"""The citizen's own consents: what each allows, how often it was used, and revoking one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from audit.usage import consent_usage
from auth.accounts.sessions import csrf_valid
from auth.consent.errors import ConsentNotFound
from auth.consent.national_time import national_date
from auth.consent.records import consents_with_cards, revocation_reason, revoke_consent
from auth.core.liveness import standing
from store.db import transaction
from store.models import Agency
from web import browser
from web.gateway import gateway
from web.i18n import choose
from web.login_page import HOME, login_url
from web.render import csrf_refused, error_page, read_form, render, see_other


async def my_consents(request: Request) -> Response:
    session = await browser.current_session(request)
    if session is None:
        return see_other(login_url(HOME))
    lang, _ = choose(request)
    now = datetime.now(UTC)
    async with gateway(request).sessions() as db:
        consents = await consents_with_cards(db, session.citizen)
        usage = await consent_usage(db, [consent.id for consent, _ in consents])
        agencies = {agency.code: agency for agency in await db.scalars(select(Agency))}
    rows: list[dict[str, Any]] = []
    for consent, card in consents:
        agency = agencies.get(card.agency_code)
        use_count, last_used = usage[consent.id]
        rows.append(
            {
                "id": consent.id,
                "service": card.name_fa if lang == "fa" else card.name_en,
                "agency": (agency.name_fa if lang == "fa" else agency.name_en) if agency else "",
                "datasets": consent.datasets,
                "child": consent.subject if consent.subject != consent.citizen else None,
                "created": national_date(consent.created_at),
                "expires": national_date(consent.expires_at),
                "status": standing(consent, now),
                "revoked_reason": revocation_reason(consent),
                "use_count": use_count,
                "last_used": national_date(last_used) if last_used else None,
            }
        )
    return render(request, "consents.html", session=session, consents=rows)


async def revoke(request: Request) -> Response:
    session = await browser.current_session(request)
    if session is None:
        return see_other(login_url(HOME))
    form = await read_form(request)
    if form is None or not csrf_valid(session, form.get(browser.CSRF_FIELD)):
        return csrf_refused(request)
    try:
        async with transaction(gateway(request).sessions) as db:
            await revoke_consent(db, consent_id=request.path_params["consent_id"],
                                 citizen=session.citizen)  # fmt: skip
    except ConsentNotFound:
        return error_page(request, 404, "not_found_title", "not_found", session=session)
    return see_other(HOME)
