"""The access log as the citizen reads it: each record's row with its reason in words (refused
why; failed at which agency), the statute in the page's language, and the log's filters (dates,
reading agency, service), bounded before anything is queried. Shared by the log page and its
exports."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams

from auth.consent.national_time import NATIONAL_TZ
from standard import solar_hijri
from standard.national_id import latin_digits
from standard.statuses import AccessOutcome, LegalBasis
from store.audit_models import AuditRecord
from store.db import aware
from store.models import Agency, ServiceCard
from web.i18n import STRINGS, digits, text
from web.words.portal import STATUTES_FA

MAX_DATE_CHARS = 10
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # agency codes and service card ids
_FIRST_SOLAR_YEAR, _LAST_SOLAR_YEAR = 1300, 1500  # a year in this range is Solar Hijri
_FIRST_YEAR, _LAST_YEAR = 1990, 2100
_REFUSALS = ("CONSENT_REVOKED", "CONSENT_REQUIRED", "FORBIDDEN", "UNAUTHENTICATED", "RATE_LIMITED")


class BadFilter(ValueError):
    """A filter the log page cannot use; `key` names the words that say why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class LogFilters:
    """The log's filters as typed (to show back and link with) and as the query uses them."""

    typed_from: str = ""
    typed_to: str = ""
    agency: str | None = None
    service: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def params(self, subject: str | None = None) -> dict[str, str]:
        found = {"from": self.typed_from, "to": self.typed_to, "agency": self.agency or "",
                 "service": self.service or "", "subject": subject or ""}  # fmt: skip
        return {key: value for key, value in found.items() if value}

    def link(self, path: str, subject: str | None = None, **more: str) -> str:
        params = self.params(subject) | {key: value for key, value in more.items() if value}
        return f"{path}?{urlencode(params)}" if params else path

    @property
    def active(self) -> bool:
        return bool(self.typed_from or self.typed_to or self.agency or self.service)


def _day(typed: str) -> date:
    """A date typed as YYYY-MM-DD (any digits); Solar Hijri when its year says so."""
    found = _DATE.fullmatch(latin_digits(typed.strip()).replace("/", "-"))
    if found is None:
        raise BadFilter("err_filter_date")
    year, month, day = (int(part) for part in found.groups())
    try:
        if _FIRST_SOLAR_YEAR <= year <= _LAST_SOLAR_YEAR:
            return solar_hijri.to_gregorian(year, month, day)
        if _FIRST_YEAR <= year <= _LAST_YEAR:
            return date(year, month, day)
    except ValueError:
        pass
    raise BadFilter("err_filter_date")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), NATIONAL_TZ)


def _code(value: str | None) -> str | None:
    if not value:
        return None
    if not _CODE.fullmatch(value):
        raise BadFilter("err_filter_unknown")
    return value


def parse_filters(query: QueryParams) -> LogFilters:
    """The filters of a log URL; BadFilter for a malformed or backwards one (nothing queried)."""
    typed_from = query.get("from", "").strip()[: MAX_DATE_CHARS + 1]
    typed_to = query.get("to", "").strip()[: MAX_DATE_CHARS + 1]
    since = _midnight(_day(typed_from)) if typed_from else None
    # Days are whole days in Iran: "to" includes its day.
    until = _midnight(_day(typed_to) + timedelta(days=1)) if typed_to else None
    if since is not None and until is not None and since >= until:
        raise BadFilter("err_filter_range")
    return LogFilters(typed_from, typed_to, _code(query.get("agency")),
                      _code(query.get("service")), since, until)  # fmt: skip


async def agency_names(session: AsyncSession, codes: Collection[str]) -> dict[str, Agency]:
    if not codes:
        return {}
    found = await session.scalars(select(Agency).where(Agency.code.in_(list(codes))))
    return {agency.code: agency for agency in found}


def agency_name(agencies: Mapping[str, Agency], code: str | None, lang: str) -> str:
    agency = agencies.get(code or "")
    if agency is None:
        return code or ""
    return agency.name_fa if lang == "fa" else agency.name_en


def card_name(card: ServiceCard | None, lang: str) -> str | None:
    if card is None:
        return None
    return card.name_fa if lang == "fa" else card.name_en


def refusal_words(lang: str, code: str) -> str:
    """Why a read was refused, from the decision's error code."""
    return text(lang, f"reason_{code}" if code in _REFUSALS else "reason_other")


def statute_words(lang: str, statute: str) -> tuple[str, str]:
    """The statute in the page's language when known, with the language it is shown in."""
    if lang == "fa" and statute in STATUTES_FA:
        return STATUTES_FA[statute], "fa"
    return statute, "en"


def reason_of(record: AuditRecord, lang: str, agencies: Mapping[str, Agency]) -> str:
    """A record's outcome in words: read; refused and why; failed and at which agency."""
    if record.outcome == AccessOutcome.DENIED:
        code = (record.reason or "").split(":", 1)[0].strip()
        return refusal_words(lang, code)
    if record.outcome == AccessOutcome.SOURCE_ERROR:
        if record.source_agency:
            agency = agency_name(agencies, record.source_agency, lang)
            return text(lang, "reason_source_error", agency=agency)
        return text(lang, "reason_source_error_unknown")
    return text(lang, "reason_GRANTED")


def log_row(
    record: AuditRecord,
    lang: str,
    cards: Mapping[str, ServiceCard],
    agencies: Mapping[str, Agency],
) -> dict[str, Any]:
    """One record as the page and the exports show it."""
    card = cards.get(record.purpose or "")
    local = aware(record.occurred_at).astimezone(NATIONAL_TZ)
    statute, statute_lang = statute_words(lang, record.statute) if record.statute else (None, lang)
    portal = record.legal_basis == LegalBasis.CITIZEN
    by_parent = portal and record.actor not in (record.subject, record.client_id)
    return {
        "iso": local.isoformat(timespec="seconds"),
        "day": local.date(),
        "time": digits(lang, local.strftime("%H:%M")),
        "service": card_name(card, lang),
        "service_id": record.purpose,
        "purpose": (card.purpose_fa if lang == "fa" else card.purpose_en) if card else None,
        "client": record.client_id,
        "client_agency": agency_name(agencies, record.client_agency, lang),
        "client_agency_code": record.client_agency,
        "portal": portal,
        "reader": text(lang, "by_parent", id=digits(lang, record.actor)) if by_parent else None,
        "datasets": list(record.datasets),
        "basis": record.legal_basis,
        "basis_words": text(lang, f"basis_{record.legal_basis}")
        if f"basis_{record.legal_basis}" in STRINGS[lang]
        else record.legal_basis,
        "statute": statute,
        "statute_lang": statute_lang,
        "case_reference": record.case_reference,
        "outcome": record.outcome,
        "outcome_words": text(lang, f"outcome_{record.outcome}"),
        "reason": reason_of(record, lang, agencies),
        "source": agency_name(agencies, record.source_agency, lang)
        if record.source_agency
        else None,
    }
