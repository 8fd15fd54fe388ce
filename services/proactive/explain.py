"""Why a service case exists, in Persian and English sentences, from the explanation the engine
stored with it (docs/proactive.md: which event, reported by whom and when, which facts from which
agency, the card, its statute and what it asks of the citizen).

Persian sentences use Persian digits and Solar Hijri dates; English ones Gregorian dates. The
stored JSON is the engine's, read defensively: a missing or odd entry leaves its part out, never
an error on the citizen's page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from standard import solar_hijri
from standard.life_events import life_event
from standard.statuses import EventChannel, ProactiveMode

AgencyNames = Mapping[str, tuple[str, str]]  # code -> (Persian, English)

SOLAR_MONTHS_FA = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                   "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")  # fmt: skip
SOLAR_MONTHS_EN = ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
                   "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand")  # fmt: skip
GREGORIAN_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
                    "August", "September", "October", "November", "December")  # fmt: skip
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# The facts' fields in plain words; another field is shown by its standard name.
FIELD_NAMES: dict[tuple[str, str], tuple[str, str]] = {
    ("birth", "date"): ("تاریخ تولد", "date of birth"),
    ("birth", "place"): ("محل تولد", "place of birth"),
    ("birth", "fatherNationalId"): ("کد ملی پدر", "father's national code"),
    ("birth", "motherNationalId"): ("کد ملی مادر", "mother's national code"),
    ("death", "date"): ("تاریخ فوت", "date of death"),
    ("identity", "firstName"): ("نام", "first name"),
    ("address", "city"): ("شهر محل سکونت", "city of residence"),
}
MODE_SENTENCES: dict[ProactiveMode, tuple[str, str]] = {
    ProactiveMode.NOTIFY: (
        "این خدمت بی‌آنکه درخواستی لازم باشد انجام شد؛ این پیام برای آگاهی شماست.",
        "This service was carried out without any request; this notice is for your information.",
    ),
    ProactiveMode.MAY_DECLINE: (
        "این خدمت بی‌آنکه درخواستی لازم باشد انجام شد؛ اگر آن را نمی‌خواهید، می‌توانید نپذیرید.",
        "This service was carried out without any request; you may decline it if you do not "
        "want it.",
    ),
    ProactiveMode.CONFIRM: (
        "این خدمت به شما پیشنهاد شده است و تا آن را تأیید نکنید، انجام نمی‌شود.",
        "This service is offered to you; nothing happens until you confirm it.",
    ),
}


@dataclass(frozen=True, slots=True)
class Explained:
    """The explanation's sentences, in reading order, per language."""

    fa: tuple[str, ...]
    en: tuple[str, ...]

    def text(self, lang: str) -> tuple[str, ...]:
        return self.fa if lang == "fa" else self.en


def persian_digits(value: object) -> str:
    return str(value).translate(_PERSIAN_DIGITS)


def date_fa(day: date) -> str:
    year, month, day_of_month = solar_hijri.from_gregorian(day)
    return persian_digits(f"{day_of_month} {SOLAR_MONTHS_FA[month - 1]} {year}")


def date_en(day: date) -> str:
    return f"{day.day} {GREGORIAN_MONTHS[day.month - 1]} {day.year}"


def _day(value: object) -> date | None:
    """A date from an ISO date or instant, as the engine writes them; None for anything else."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    except ValueError:
        return None


def _solar_reference(value: object) -> tuple[str, str] | None:
    """A Solar Hijri reference date ("1405-07-01") in words: (Persian, English)."""
    if not isinstance(value, str):
        return None
    try:
        day = solar_hijri.parse(value)
    except ValueError:
        return None
    year, month, day_of_month = solar_hijri.from_gregorian(day)
    fa = persian_digits(f"{day_of_month} {SOLAR_MONTHS_FA[month - 1]} {year}")
    en = f"{day_of_month} {SOLAR_MONTHS_EN[month - 1]} {year} ({date_en(day)})"
    return fa, en


def _text(value: object, limit: int = 200) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _value(value: object, lang: str) -> str:
    day = _day(value)
    if day is not None:
        return date_fa(day) if lang == "fa" else date_en(day)
    shown = (
        _text(value) if isinstance(value, str) else str(value)[:200] if value is not None else "—"
    )
    return persian_digits(shown) if lang == "fa" else shown


def _agency(names: AgencyNames, code: object) -> tuple[str, str]:
    text = _text(code, 64)
    return names.get(text, (text, text))


def explain(explanation: Mapping[str, Any], agencies: AgencyNames | None = None) -> Explained:
    """The case's explanation as sentences: what happened (and who said so), the facts that
    triggered it and their source, the service and its law, and what it asks of the reader."""
    names = agencies or {}
    event = explanation.get("event") if isinstance(explanation.get("event"), dict) else {}
    card = explanation.get("card") if isinstance(explanation.get("card"), dict) else {}
    assert isinstance(event, dict) and isinstance(card, dict)
    fa: list[str] = []
    en: list[str] = []
    kind = life_event(_text(event.get("kind"), 64))
    event_fa, event_en = (kind.name_fa, kind.name_en) if kind else ("رویداد", "An event")
    agency_fa, agency_en = _agency(names, event.get("agency"))
    day = _day(event.get("occurredAt"))
    when_fa = f" در {date_fa(day)}" if day else ""
    when_en = f" on {date_en(day)}" if day else ""
    if event.get("channel") == EventChannel.AGE_SCAN.value:
        fa.append(f"بررسی روزانهٔ دروازه در داده‌های {agency_fa}{when_fa} نشان داد: «{event_fa}».")
        en.append(f"Darvazeh's daily check of {agency_en}'s records{when_en} found: "
                  f"“{event_en}”.")  # fmt: skip
    else:
        fa.append(f"{agency_fa}{when_fa} رویداد «{event_fa}» را گزارش کرد.")
        en.append(f"{agency_en} recorded “{event_en}”{when_en}.")
    facts = explanation.get("facts")
    for fact in facts[:10] if isinstance(facts, list) else []:
        if not isinstance(fact, dict):
            continue
        key = (_text(fact.get("recordType"), 32), _text(fact.get("field"), 64))
        label_fa, label_en = FIELD_NAMES.get(key, (key[1], key[1]))
        source_fa, source_en = _agency(names, fact.get("agency"))
        value = fact.get("value")
        fa.append(f"{label_fa}: {_value(value, 'fa')} (به گواهی {source_fa}).")
        en.append(f"The {label_en}: {_value(value, 'en')} (as {source_en} records it).")
    service_fa, service_en = _text(card.get("nameFa")), _text(card.get("nameEn"))
    statute = _text(card.get("statute"))
    if service_fa or service_en:
        law_fa = f" به موجب {statute}" if statute else ""
        law_en = f" under {statute}" if statute else ""
        fa.append(f"از این رو پروندهٔ خدمت «{service_fa or service_en}»{law_fa} برای شما تشکیل شد.")
        en.append(
            f"So a case of the service “{service_en or service_fa}” was opened for you{law_en}."
        )
    reference = _solar_reference(explanation.get("referenceDate"))
    if reference is not None:
        fa.append(f"این خدمت برای دوره‌ای است که از {reference[0]} آغاز می‌شود.")
        en.append(f"It is for the period starting {reference[1]}.")
    try:
        mode = ProactiveMode(_text(card.get("mode"), 16))
    except ValueError:
        mode = None
    if mode is not None:
        fa.append(MODE_SENTENCES[mode][0])
        en.append(MODE_SENTENCES[mode][1])
    return Explained(tuple(fa), tuple(en))
