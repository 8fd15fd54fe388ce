"""The citizen's proactive services, `/me/services`: what was done for them (or their minor
child) without a request, or offered to them, each with why in their language; an offer is
confirmed or declined here (a form with the session's CSRF token), where its card allows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from auth.accounts.sessions import csrf_valid
from auth.consent.national_time import national_date
from services.proactive.cases import (
    MAX_NOTE,
    CaseNotAnswerable,
    CaseNotFound,
    ServiceCase,
    answer,
    person_cases,
)
from services.proactive.explain import explain
from standard.errors import DarvazehError
from standard.statuses import CaseRole, ProactiveMode
from store.db import transaction
from store.models import Agency
from web import browser
from web.gateway import gateway
from web.i18n import choose
from web.login_page import login_url
from web.render import csrf_refused, error_page, read_form, render, see_other

PATH = "/me/services"


def _row(
    case: ServiceCase, citizen: str, lang: str, names: dict[str, tuple[str, str]]
) -> dict[str, Any]:
    card = case.explanation.get("card") if isinstance(case.explanation.get("card"), dict) else {}
    assert isinstance(card, dict)
    name = card.get("nameFa") if lang == "fa" else card.get("nameEn")
    agency = names.get(case.agency, (case.agency, case.agency))
    mine = any(p.national_id == citizen and p.role is CaseRole.SUBJECT for p in case.people)
    return {
        "id": case.id,
        "service": name if isinstance(name, str) and name else case.card_id,
        "agency": agency[0] if lang == "fa" else agency[1],
        "child": None if mine else case.subject,
        "status": case.status.value,
        "created": national_date(case.created_at),
        "answered": national_date(case.answered_at) if case.answered_at else None,
        "why": explain(case.explanation, names).text(lang),
        "can_confirm": case.answerable and case.mode is ProactiveMode.CONFIRM,
        "can_decline": case.answerable,
    }


async def my_services(request: Request) -> Response:
    session = await browser.current_session(request)
    if session is None:
        return see_other(login_url(PATH))
    lang, _ = choose(request)
    async with gateway(request).sessions() as db:
        found = await person_cases(db, session.citizen)
        rows = await db.execute(select(Agency.code, Agency.name_fa, Agency.name_en))
        names = {code: (fa, en) for code, fa, en in rows}
    cases = [_row(case, session.citizen, lang, names) for case in found]
    return render(request, "service_cases.html", session=session, cases=cases, max_note=MAX_NOTE)


async def answer_case(request: Request) -> Response:
    session = await browser.current_session(request)
    if session is None:
        return see_other(login_url(PATH))
    form = await read_form(request)
    if form is None or not csrf_valid(session, form.get(browser.CSRF_FIELD)):
        return csrf_refused(request)
    note = form.get("note")
    try:
        async with transaction(gateway(request).sessions) as db:
            await answer(
                db, session.citizen, request.path_params["case_id"],
                confirm=request.url.path.endswith("/confirm"),
                note=note if isinstance(note, str) else None, now=datetime.now(UTC),
            )  # fmt: skip
    except CaseNotFound:
        return error_page(request, 404, "case_not_found_title", "case_not_found", session=session)
    except CaseNotAnswerable:
        return error_page(request, 409, "case_not_answerable_title", "case_not_answerable",
                          session=session)  # fmt: skip
    except DarvazehError:  # the note's length: the only other refusal of an answer
        return error_page(request, 400, "case_not_answerable_title", "case_note_too_long",
                          session=session)  # fmt: skip
    return see_other(PATH)
