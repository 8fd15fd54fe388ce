"""`/me/data`: each of the citizen's records as the agencies hold it (or, `?subject=`, their
minor child's), with its provenance in words. Read as the citizen themselves through the one
access decision (resolvers.own_data), so every view is in the citizen's own access log."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from resolvers.own_data import AuditNotWritten, OwnRecord, portal_principal, read_own_records
from resolvers.rate_limits import SubjectGate
from standard.errors import ErrorCode
from standard.records import RecordStatus
from store.db import aware
from web import browser
from web.gateway import gateway
from web.i18n import STRINGS, choose, digits, format_date, text
from web.login_page import login_url
from web.portal_log import agency_name, agency_names, refusal_words
from web.portal_subject import whose
from web.render import error_page, render, see_other
from web.request_auth import session_token_id

PATH = "/me/data"


def _value(lang: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return text(lang, "value_empty")
    if isinstance(value, bool):
        return text(lang, "value_yes" if value else "value_no")
    if isinstance(value, date):
        return format_date(lang, value)
    if isinstance(value, list | tuple):
        return (
            "، ".join(_value(lang, item) for item in value)
            if lang == "fa"
            else ", ".join(_value(lang, item) for item in value)
        )
    shown = str(getattr(value, "value", value))
    key = f"value_{shown}"
    return text(lang, key) if key in STRINGS[lang] else digits(lang, shown)


def _label(lang: str, record_type: str, name: str) -> str:
    key = f"field_{record_type}_{name}"
    return text(lang, key) if key in STRINGS[lang] else name


def _card(lang: str, found: OwnRecord, names: dict[str, Any]) -> dict[str, Any]:
    record_type = found.spec.record_type
    title_key = f"record_{record_type}"
    agency = agency_name(names, found.agency, lang) if found.agency else ""
    card: dict[str, Any] = {
        "id": record_type,
        "title": text(lang, title_key) if title_key in STRINGS[lang] else record_type,
        "agency": agency,
        "fields": [],
        "note": None,
        "alert": None,
        "updated": None,
        "read_at": None,
    }
    if found.error is not None:
        code = found.error.code
        if found.agency is None:
            card["note"] = text(lang, "data_no_source")
        elif code is ErrorCode.SOURCE_UNAVAILABLE:
            card["alert"] = text(lang, "data_failed", agency=agency)
        else:
            card["alert"] = text(lang, "data_refused", reason=refusal_words(lang, code.value))
        return card
    record = found.record
    assert record is not None
    provenance = record.provenance
    card["read_at"] = digits(lang, aware(provenance.retrieved_at).strftime("%H:%M"))
    if provenance.last_updated is not None:
        card["updated"] = format_date(lang, aware(provenance.last_updated).date())
    if provenance.status is RecordStatus.NO_RECORD:
        card["note"] = text(lang, "data_no_record", agency=agency)
        return card
    for spec in found.spec.fields:
        card["fields"].append(
            {
                "label": _label(lang, record_type, spec.name),
                "value": _value(lang, record.values.get(spec.name)),
                "code": spec.name.endswith(("NationalId", "NationalIds", "Code", "Number", "Id")),
            }
        )
    return card


async def my_data(request: Request) -> Response:
    session = await browser.current_session(request)
    if session is None:
        wanted = f"{PATH}?{request.url.query}" if request.url.query else PATH
        return see_other(login_url(wanted))
    lang, _ = choose(request)
    services = gateway(request)
    asked = await whose(request, session)
    if asked.error is not None:
        return render(request, "portal_data.html", status=asked.status, session=session,
                      cards=[], child=None, child_input=asked.typed,
                      error=asked.error)  # fmt: skip
    principal = portal_principal(session.citizen, session_token_id(session), asked.subject)
    try:
        found = await read_own_records(
            services.registry,
            services.sessions,
            services.audit_sink,
            principal,
            SubjectGate(services.rates.graphql_subjects),
        )
    except AuditNotWritten:
        return error_page(request, 503, "data_unrecorded_title", "data_unrecorded",
                          session=session)  # fmt: skip
    async with services.sessions() as db:
        names = await agency_names(db, {item.agency for item in found if item.agency})
    return render(
        request,
        "portal_data.html",
        session=session,
        cards=[_card(lang, item, names) for item in found],
        child=asked.child,
        child_input=asked.typed,
        error=None,
    )


def routes() -> list[Route]:
    return [Route(PATH, my_data, methods=["GET"], name="my_data")]
