"""Whose data a portal page shows: the citizen's own, or (`?subject=`) their minor child's, as
the civil registry's birth record decides (resolvers.tracker.subject_for, a logged system read).
A refusal always carries its reason in words."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from auth.consent.errors import GuardianshipError
from resolvers.tracker import subject_for
from standard.national_id import InvalidNationalId
from store.citizen_models import BrowserSession
from web.gateway import gateway

MAX_TYPED = 40  # characters of a typed national code kept to show back
_STATUS = {"invalid": 400, "unavailable": 503}  # other refusals (not the parent, adult): 403


@dataclass(frozen=True, slots=True)
class Whose:
    """The subject to show, the child (None for oneself), what was typed, and a refusal: the
    words' key and the HTTP status (subject is then the citizen, and nothing of theirs shown)."""

    subject: str
    child: str | None
    typed: str
    error: str | None = None
    status: int = 200


def refusal_key(error: GuardianshipError) -> str:
    return "err_access_adult" if error.kind == "adult" else f"err_{error.kind}"


async def whose(request: Request, session: BrowserSession) -> Whose:
    asked = request.query_params.get("subject", "").strip()[:MAX_TYPED] or None
    try:
        subject = await subject_for(gateway(request).births, session.citizen, asked)
    except InvalidNationalId:
        return Whose(session.citizen, None, asked or "", "err_child_code", 400)
    except GuardianshipError as error:
        status = _STATUS.get(error.kind, 403)
        return Whose(session.citizen, None, asked or "", refusal_key(error), status)
    child = subject if subject != session.citizen else None
    return Whose(subject, child, child or "")
