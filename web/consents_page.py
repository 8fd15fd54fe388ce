"""The citizen's own consents, `/me/consents`: active, expired and revoked, each with its dates,
uses and history; revoking one (a confirmation page first) and narrowing one (untick a dataset;
confirmed before it is done). `?for=` shows only the consents given for one child.

Every change goes through auth.consent (the same functions as GraphQL), in one transaction, and
holds from the service's next request (auth.core.liveness).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from audit.usage import consent_usage
from auth.accounts.sessions import csrf_valid
from auth.consent.changes import consent_changes, narrow_consent
from auth.consent.errors import ConsentError, ConsentNotFound
from auth.consent.national_time import national_date
from auth.consent.records import consents_with_cards, revocation_reason, revoke_consent
from auth.core.liveness import standing
from standard.statuses import ConsentStatus
from store.citizen_models import BrowserSession, Consent
from store.db import transaction
from store.models import Agency, ServiceCard
from web import browser
from web.gateway import gateway
from web.i18n import choose, dataset_name, format_date, text
from web.login_page import HOME, login_url
from web.render import csrf_refused, error_page, read_form, render, see_other

DONE = ("revoked", "narrowed", "unchanged")  # what `?done=` may say after a change
_CODE = re.compile(r"[0-9]{10}")
_NARROW_ERRORS = {"not_active": "err_not_active", "no_datasets": "err_narrow_empty",
                  "bad_datasets": "err_narrow_outside"}  # fmt: skip


def _history(lang: str, consent: Consent, changes: list[Any]) -> list[str]:
    lines = []
    for change in changes:
        removed = [d for d in change.datasets_before if d not in change.datasets_after]
        day = format_date(lang, national_date(change.changed_at))
        names = "، ".join if lang == "fa" else ", ".join
        lines.append(text(lang, f"change_{change.kind}", date=day,
                          removed=names(dataset_name(lang, d) for d in removed)))  # fmt: skip
    return lines


async def my_consents(request: Request) -> Response:
    session = await browser.current_session(request)
    if session is None:
        return see_other(login_url(HOME))
    lang, _ = choose(request)
    now = datetime.now(UTC)
    only = request.query_params.get("for", "")[:10]
    only = only if _CODE.fullmatch(only) else ""
    async with gateway(request).sessions() as db:
        consents = await consents_with_cards(db, session.citizen)
        if only:
            consents = [(consent, card) for consent, card in consents if consent.subject == only]
        ids = [consent.id for consent, _ in consents]
        usage = await consent_usage(db, ids)
        changes = await consent_changes(db, ids)
        agencies = {agency.code: agency for agency in await db.scalars(select(Agency))}
    groups: dict[str, list[dict[str, Any]]] = {status.value: [] for status in ConsentStatus}
    for consent, card in consents:
        agency = agencies.get(card.agency_code)
        use_count, last_used = usage[consent.id]
        status = standing(consent, now)
        groups[status].append(
            {
                "id": consent.id,
                "service": card.name_fa if lang == "fa" else card.name_en,
                "agency": (agency.name_fa if lang == "fa" else agency.name_en) if agency else "",
                "purpose": (card.purpose_fa if lang == "fa" else card.purpose_en) or "",
                "datasets": consent.datasets,
                "child": consent.subject if consent.subject != consent.citizen else None,
                "created": national_date(consent.created_at),
                "expires": national_date(consent.expires_at),
                "revoked": national_date(consent.revoked_at) if consent.revoked_at else None,
                "status": status,
                "revoked_reason": revocation_reason(consent),
                "use_count": use_count,
                "last_used": national_date(last_used) if last_used else None,
                "history": _history(lang, consent, changes.get(consent.id, [])),
            }
        )
    done = request.query_params.get("done")
    return render(request, "consents.html", session=session, groups=groups,
                  consents=[row for rows in groups.values() for row in rows],
                  done=done if done in DONE else None, only=only)  # fmt: skip


async def _own(request: Request, session: BrowserSession) -> tuple[Consent, ServiceCard] | None:
    consent_id = request.path_params["consent_id"]
    if len(consent_id) > 64:
        return None
    async with gateway(request).sessions() as db:
        consent = await db.scalar(
            select(Consent).where(Consent.id == consent_id, Consent.citizen == session.citizen)
        )
        card = await db.get(ServiceCard, consent.service_card_id) if consent else None
    return (consent, card) if consent is not None and card is not None else None


def _confirm(request: Request, session: BrowserSession, consent: Consent, card: ServiceCard,
             *, kind: str, keep: list[str] | None = None, error: str | None = None,
             status: int = 200) -> Response:  # fmt: skip
    lang, _ = choose(request)
    kept = keep if keep is not None else list(consent.datasets)
    return render(
        request, "consent_confirm.html", status=status, session=session, kind=kind,
        consent_id=consent.id, service=card.name_fa if lang == "fa" else card.name_en,
        keep=kept, removed=[d for d in consent.datasets if d not in kept], error=error,
    )  # fmt: skip


async def revoke_form(request: Request) -> Response:
    """The confirmation page: what revoking ends, and the button that does it."""
    session = await browser.current_session(request)
    if session is None:
        return see_other(login_url(HOME))
    found = await _own(request, session)
    if found is None:
        return error_page(request, 404, "not_found_title", "not_found", session=session)
    consent, card = found
    if standing(consent, datetime.now(UTC)) is not ConsentStatus.ACTIVE:
        return error_page(request, 409, "not_active_title", "err_not_active", session=session)
    return _confirm(request, session, consent, card, kind="revoke")


async def _form(request: Request) -> tuple[BrowserSession, FormData] | Response:
    session = await browser.current_session(request)
    if session is None:
        return see_other(login_url(HOME))
    form = await read_form(request)
    if form is None or not csrf_valid(session, form.get(browser.CSRF_FIELD)):
        return csrf_refused(request)
    return session, form


async def revoke(request: Request) -> Response:
    checked = await _form(request)
    if isinstance(checked, Response):
        return checked
    session, _ = checked
    try:
        async with transaction(gateway(request).sessions) as db:
            await revoke_consent(db, consent_id=request.path_params["consent_id"],
                                 citizen=session.citizen)  # fmt: skip
    except ConsentNotFound:
        return error_page(request, 404, "not_found_title", "not_found", session=session)
    return see_other(f"{HOME}?done=revoked")


async def narrow(request: Request) -> Response:
    """Untick datasets: shown for confirmation first (`confirm` absent), then done."""
    checked = await _form(request)
    if isinstance(checked, Response):
        return checked
    session, form = checked
    found = await _own(request, session)
    if found is None:
        return error_page(request, 404, "not_found_title", "not_found", session=session)
    consent, card = found
    keep = list(dict.fromkeys(str(value) for value in form.getlist("dataset")))
    lang, _ = choose(request)
    problem = None
    if not keep:
        problem = "no_datasets"
    elif not set(keep) <= set(consent.datasets):
        problem = "bad_datasets"
    elif standing(consent, datetime.now(UTC)) is not ConsentStatus.ACTIVE:
        problem = "not_active"
    if problem is not None:
        return _confirm(request, session, consent, card, kind="narrow", keep=None,
                        error=text(lang, _NARROW_ERRORS[problem]), status=400)  # fmt: skip
    if set(keep) == set(consent.datasets):
        return see_other(f"{HOME}?done=unchanged")
    if form.get("confirm") != "yes":
        return _confirm(request, session, consent, card, kind="narrow", keep=keep)
    try:
        async with transaction(gateway(request).sessions) as db:
            await narrow_consent(db, consent_id=consent.id, citizen=session.citizen, keep=keep)
    except ConsentNotFound:
        return error_page(request, 404, "not_found_title", "not_found", session=session)
    except ConsentError as error:  # changed meanwhile (another tab)
        key = _NARROW_ERRORS.get(error.kind, "err_not_active")
        return _confirm(request, session, consent, card, kind="narrow", keep=None,
                        error=text(lang, key), status=409)  # fmt: skip
    return see_other(f"{HOME}?done=narrowed")


def routes() -> list[Route]:
    return [
        Route(HOME, my_consents, methods=["GET"], name="my_consents"),
        Route("/me/consents/{consent_id}/revoke", revoke_form, methods=["GET"],
              name="revoke_consent_form"),
        Route("/me/consents/{consent_id}/revoke", revoke, methods=["POST"], name="revoke_consent"),
        Route("/me/consents/{consent_id}/narrow", narrow, methods=["POST"], name="narrow_consent"),
    ]  # fmt: skip
