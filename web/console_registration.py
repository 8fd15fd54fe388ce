"""The console's forms for a new service card and a new service client. Each goes through the
resolver the GraphQL API's registerServiceCard and registerServiceClient call (and so the
`darvazeh-agency cards register` and `clients register` commands): the same validation and the
same history. A refused form comes back with what was typed and each problem beside its field;
a new client's secret is shown on the answer to that one POST and never again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from auth.accounts.staff import StaffMember
from auth.oauth.clients import GRANT_TYPES, PRIVATE_KEY_JWT, TOKEN_AUTH_METHODS
from resolvers import service_clients
from resolvers.cards import agency_cards, register_card
from services.cards import (
    CARD_BASES,
    MAX_ID,
    MAX_NAME,
    MAX_PURPOSE,
    MAX_STATUTE,
    CardDraft,
    CardInvalid,
)
from standard.datasets import Dataset, PlannedDataset
from standard.errors import Refused
from standard.life_events import REPORT_SCOPE, LifeEvent
from standard.national_id import latin_digits
from standard.statuses import ProactiveMode
from web.console_auth import PREFIX, form_list, form_of, page, staff_context
from web.console_sources import MAX_JSON
from web.gateway import gateway
from web.render import see_other

SERVICES = f"{PREFIX}/services"
NEW_CARD = f"{SERVICES}/new-card"
NEW_CLIENT = f"{SERVICES}/new-client"
DATASETS = (*Dataset, *PlannedDataset, REPORT_SCOPE)
# The longest each text field may be (the validation's own limits where it has them).
CARD_SIZES = {
    "id": MAX_ID, "name_fa": MAX_NAME, "name_en": MAX_NAME, "purpose_fa": MAX_PURPOSE,
    "purpose_en": MAX_PURPOSE, "statute": MAX_STATUTE, "life_event": 40, "proactive_mode": 20,
    "reference_date": 5, "legal_basis": 20,
}  # fmt: skip
CLIENT_SIZES = {
    "service_card": MAX_ID, "name": service_clients.MAX_NAME, "client_id": 64,
    "redirect_uris": MAX_JSON,
    "token_endpoint_auth_method": 40, "jwks": MAX_JSON, "graphql_rate_limit": 12,
    "oauth_rate_limit": 12, "query_cost_budget": 12,
}  # fmt: skip
# The input's names in the validation's words (`nameFa: ...`) and the form's fields.
CARD_FIELDS = {
    "id": "id", "nameFa": "name_fa", "nameEn": "name_en", "purposeFa": "purpose_fa",
    "purposeEn": "purpose_en", "datasets": "datasets", "legalBasis": "legal_basis",
    "statute": "statute", "proactive": "proactive", "lifeEvent": "life_event",
    "proactiveMode": "proactive_mode", "referenceDate": "reference_date",
}  # fmt: skip
# Which client field a registration rule's words are about, first match wins (the rules name
# one problem at a time, in words).
CLIENT_WORDS = (
    ("scopes", ("scopes",)),
    ("grant_types", ("grant", "client_credentials", "authorization_code")),
    ("redirect_uris", ("redirect",)),
    ("token_endpoint_auth_method", ("token endpoint auth method",)),
    ("jwks", ("jwks", "public keys")),
    ("graphql_rate_limit", ("graphqlratelimit",)),
    ("oauth_rate_limit", ("oauthratelimit",)),
    ("query_cost_budget", ("querycostbudget",)),
    ("client_id", ("clientid", "client '")),
    ("name", ("name:",)),
    ("service_card", ("service card",)),
)
GENERAL = ""  # problems about no one field: shown above the form


def oversized(form: dict[str, str], sizes: dict[str, int]) -> dict[str, list[str]]:
    """Each text field longer than it may be, refused before anything else is done with it."""
    return {
        name: [f"{name}: at most {size} characters"]
        for name, size in sizes.items()
        if len(form.get(name, "")) > size
    }


# -- a new service card ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardForm:
    """A posted card form, as the registration takes it (resolvers.cards.CardInput)."""

    values: dict[str, str]
    datasets: tuple[str, ...]
    proactive: bool

    def to_draft(self, agency: str) -> CardDraft:
        v = self.values
        return CardDraft(
            id=v.get("id", ""), agency=agency, name_fa=v.get("name_fa", ""),
            name_en=v.get("name_en", ""), datasets=self.datasets,
            legal_basis=v.get("legal_basis", ""), purpose_fa=v.get("purpose_fa", ""),
            purpose_en=v.get("purpose_en", ""), statute=v.get("statute") or None,
            proactive=self.proactive, life_event=v.get("life_event") or None,
            proactive_mode=v.get("proactive_mode") or None,
            reference_date=v.get("reference_date") or None,
        )  # fmt: skip


def card_problems(refused: Refused) -> dict[str, list[str]]:
    """A refusal's problems by the form field each is about."""
    found: dict[str, list[str]] = {}
    if isinstance(refused, CardInvalid):
        for fault in refused.found:
            found.setdefault(CARD_FIELDS.get(fault.field, GENERAL), []).append(str(fault))
        return found
    for problem in refused.problems:  # an id another agency holds, a race: about the id
        found.setdefault("id", []).append(problem)
    return found


def _card_form(
    request: Request, member: StaffMember, values: dict[str, str], datasets: list[str],
    *, proactive: bool = False, problems: dict[str, list[str]] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    return page(
        request, member, "console_card_new.html", status=status, values=values,
        chosen=set(datasets), proactive=proactive, problems=problems or {}, datasets=DATASETS,
        bases=CARD_BASES, events=list(LifeEvent), modes=list(ProactiveMode), sizes=CARD_SIZES,
        report_scope=REPORT_SCOPE,
    )  # fmt: skip


async def new_card_form(request: Request, member: StaffMember) -> Response:
    values = dict.fromkeys(CARD_SIZES, "") | {"legal_basis": "statute"}
    return _card_form(request, member, values, [])


async def new_card_submit(request: Request, member: StaffMember) -> Response:
    form = form_of(request)
    datasets = form_list(request, "datasets")[: len(DATASETS) + 1]
    proactive = form.get("proactive") == "yes"
    # What is typed comes back as typed (cut to its size), whatever is refused.
    values = {name: form.get(name, "")[:size] for name, size in CARD_SIZES.items()}
    problems = oversized(form, CARD_SIZES)
    context = staff_context(request, member)
    card_id = form.get("id", "").strip()
    if not problems and card_id in {card.id for card in await agency_cards(context)}:
        # The registration would make a new version of it: a new card's form never does.
        problems = {"id": [f"id: your agency already has service card {card_id!r}"]}
    if not problems:
        try:
            await register_card(context, CardForm(values, tuple(datasets), proactive))
        except Refused as refused:
            problems = card_problems(refused)
    if problems:
        return _card_form(request, member, values, datasets, proactive=proactive,
                          problems=problems, status=400)  # fmt: skip
    return see_other(f"{PREFIX}/cards/{card_id}")


# -- a new service client -------------------------------------------------------------------


def client_field(problem: str) -> str:
    lowered = problem.lower()
    for name, words in CLIENT_WORDS:
        if any(word in lowered for word in words):
            return name
    return GENERAL


def _number(form: dict[str, str], name: str, problems: dict[str, list[str]]) -> int | None:
    given = latin_digits(form.get(name, "").strip())  # ۱۲۰ is 120
    if not given:
        return None
    if not (given.isascii() and given.isdigit()):
        problems.setdefault(name, []).append(f"{name}: a whole number")
        return None
    return int(given)


def client_spec(form: dict[str, str], grants: list[str], scopes: list[str],
                flags: set[str]) -> tuple[dict[str, Any], dict[str, list[str]]]:  # fmt: skip
    """The registration the form describes (resolvers.service_clients.register's spec), and
    the problems of its shape (numbers, JSON) by field."""
    problems = oversized(form, CLIENT_SIZES)
    method = form.get("token_endpoint_auth_method", "")
    jwks: dict[str, Any] | None = None
    if method == PRIVATE_KEY_JWT and "jwks" not in problems:
        try:
            parsed = json.loads(form.get("jwks", "") or "null")
        except json.JSONDecodeError as error:
            problems["jwks"] = [f"jwks: not JSON ({error.msg}, line {error.lineno})"]
        else:
            jwks = parsed if isinstance(parsed, dict) else None
    spec = {
        "service_card": form.get("service_card", "")[: CLIENT_SIZES["service_card"]],
        "name": form.get("name", "").strip()[: CLIENT_SIZES["name"]],
        "client_id": form.get("client_id", "").strip()[:64] or None,
        "grant_types": grants,
        "redirect_uris": [line.strip() for line in form.get("redirect_uris", "").splitlines()
                          if line.strip()][: service_clients.MAX_REDIRECT_URIS + 1],
        "scopes": scopes or None,
        "token_endpoint_auth_method": method[:40],
        "jwks": jwks,
        "require_par": "require_par" in flags,
        "require_dpop": "require_dpop" in flags,
        "graphql_rate_limit": _number(form, "graphql_rate_limit", problems),
        "oauth_rate_limit": _number(form, "oauth_rate_limit", problems),
        "query_cost_budget": _number(form, "query_cost_budget", problems),
    }  # fmt: skip
    return spec, problems


async def _client_form(
    request: Request, member: StaffMember, values: dict[str, str], *, grants: list[str],
    scopes: list[str], flags: set[str], problems: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    cards = [card for card in await agency_cards(staff_context(request, member)) if card.enabled]
    return page(
        request, member, "console_client_new.html", status=status, values=values,
        grants=set(grants), scopes=set(scopes), flags=flags, problems=problems or {},
        cards=cards, grant_types=sorted(GRANT_TYPES), methods=TOKEN_AUTH_METHODS,
        datasets=list(Dataset), sizes=CLIENT_SIZES,
    )  # fmt: skip


async def new_client_form(request: Request, member: StaffMember) -> Response:
    values = dict.fromkeys(CLIENT_SIZES, "") | {"token_endpoint_auth_method": TOKEN_AUTH_METHODS[0]}
    return await _client_form(request, member, values, grants=[], scopes=[], flags=set())


async def new_client_submit(request: Request, member: StaffMember) -> Response:
    form = form_of(request)
    grants = form_list(request, "grant_types")[: len(GRANT_TYPES) + 1]
    scopes = form_list(request, "scopes")[: len(Dataset) + 1]
    flags = {flag for flag in ("require_par", "require_dpop") if form.get(flag) == "yes"}
    values = {name: form.get(name, "")[:size] for name, size in CLIENT_SIZES.items()}
    spec, problems = client_spec(form, grants, scopes, flags)
    if problems:
        return await _client_form(request, member, values, grants=grants, scopes=scopes,
                                  flags=flags, problems=problems, status=400)  # fmt: skip
    ceiling = gateway(request).settings.limits.query_cost_ceiling
    try:
        row, secret = await service_clients.register(
            staff_context(request, member), spec, cost_ceiling=ceiling
        )
    except Refused as refused:
        for problem in refused.problems:
            problems.setdefault(client_field(problem), []).append(problem)
        return await _client_form(request, member, values, grants=grants, scopes=scopes,
                                  flags=flags, problems=problems, status=400)  # fmt: skip
    if secret is None:  # keys, not a secret: nothing to show once
        return see_other(f"{PREFIX}/clients/{row.client_id}")
    # Shown on this answer only (never stored, never cached: no-store on every page).
    return page(request, member, "console_secret.html", client=row, secret=secret,
                title_key="console_client_registered", note_key="console_secret_new")  # fmt: skip
