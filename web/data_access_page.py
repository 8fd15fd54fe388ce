"""The citizen's data tracker page, `/me/data-access`: who read their data (or their minor child's),
when, what and why, newest first, a page at a time (`?after=` a cursor; `?subject=` a child's
national code). Reads the access log only; changes nothing, so it is a plain GET with no form
token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from audit.tracker import AccessPage, BadCursor, access_page, decode_cursor
from auth.consent.errors import GuardianshipError
from auth.consent.national_time import NATIONAL_TZ
from resolvers.tracker import subject_for
from standard.national_id import InvalidNationalId
from standard.pagination import DEFAULT_FIRST
from standard.statuses import LegalBasis
from store.audit_models import AuditRecord
from store.db import aware
from web import browser
from web.gateway import gateway
from web.i18n import choose, digits
from web.login_page import login_url
from web.render import error_page, render, see_other

PATH = "/me/data-access"
PAGE_SIZE = DEFAULT_FIRST
MAX_TYPED = 40  # characters of a typed national code kept to show back
_STATUS = {"invalid": 400, "unavailable": 503}  # other refusals (not the parent, adult): 403


def _message_key(error: GuardianshipError) -> str:
    return "err_access_adult" if error.kind == "adult" else f"err_{error.kind}"


def _row(record: AuditRecord, page: AccessPage, lang: str) -> dict[str, Any]:
    def name(code: str | None) -> str:
        agency = page.agencies.get(code or "")
        if agency is None:
            return code or ""
        return agency.name_fa if lang == "fa" else agency.name_en

    card = page.cards.get(record.purpose or "")
    local = aware(record.occurred_at).astimezone(NATIONAL_TZ)
    return {
        "iso": local.isoformat(timespec="seconds"),
        "day": local.date(),
        "time": digits(lang, local.strftime("%H:%M")),
        "service": (card.name_fa if lang == "fa" else card.name_en) if card else None,
        "purpose": (card.purpose_fa if lang == "fa" else card.purpose_en) if card else None,
        "client": record.client_id,
        "client_agency": name(record.client_agency),
        "portal": record.legal_basis == LegalBasis.CITIZEN,
        "datasets": list(record.datasets),
        "basis": record.legal_basis,
        "statute": record.statute,
        "case_reference": record.case_reference,
        "outcome": record.outcome,
        "source": name(record.source_agency) if record.source_agency else None,
    }


def _link(subject: str | None, after: str | None = None) -> str:
    params = {key: value for key, value in (("subject", subject), ("after", after)) if value}
    return f"{PATH}?{urlencode(params)}" if params else PATH


async def data_access(request: Request) -> Response:
    session = await browser.current_session(request)
    if session is None:
        wanted = f"{PATH}?{request.url.query}" if request.url.query else PATH
        return see_other(login_url(wanted))
    lang, _ = choose(request)
    services = gateway(request)
    # Validated (and made canonical) by subject_for below; shown back as typed, bounded.
    asked = request.query_params.get("subject", "").strip()[:MAX_TYPED] or None
    after = request.query_params.get("after") or None
    try:
        position = decode_cursor(after) if after else None
    except BadCursor:
        return error_page(request, 400, "access_bad_page_title", "access_bad_page",
                          session=session)  # fmt: skip
    context: dict[str, Any] = {"child": None, "child_input": asked or "", "error": None}
    try:
        subject = await subject_for(services.births, session.citizen, asked)
    except (InvalidNationalId, GuardianshipError) as error:
        code = error.kind if isinstance(error, GuardianshipError) else "invalid"
        key = _message_key(error) if isinstance(error, GuardianshipError) else "err_child_code"
        return render(request, "data_access.html", status=_STATUS.get(code, 403),
                      session=session, records=[], next_url=None, first_url=None,
                      **(context | {"error": key, "child": None}))  # fmt: skip
    child = subject if subject != session.citizen else None
    context |= {"child": child, "child_input": child or ""}
    async with services.sessions() as db:
        page = await access_page(db, subject=subject, first=PAGE_SIZE, after=position)
    return render(
        request,
        "data_access.html",
        session=session,
        records=[_row(record, page, lang) for record in page.records],
        next_url=_link(child, page.end_cursor) if page.has_next else None,
        first_url=_link(child) if position else None,
        **context,
    )
