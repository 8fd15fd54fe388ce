"""Value transforms: an agency's stored value to the standard's value.

Each converter takes a non-null value and returns the standard value or raises ValueError. Messages
never quote the value: it is a citizen's data and ends up in logs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from standard import national_id as national_codes
from standard import solar_hijri
from standard.records import FieldSpec, ValueKind

Convert = Callable[[Any], Any]

NONE = "none"
SOLAR_HIJRI_DATE = "solar_hijri_date"
ISO_DATE = "iso_date"
EPOCH_SECONDS = "epoch_seconds"
ISO_DATETIME = "iso_datetime"
NATIONAL_ID = "national_id"
MAP = "map"
SPLIT = "split"

TRANSFORMS = frozenset(
    {NONE, SOLAR_HIJRI_DATE, ISO_DATE, EPOCH_SECONDS, ISO_DATETIME, NATIONAL_ID, MAP, SPLIT}
)
# Which standard kinds each transform can produce. epoch_seconds/iso_datetime are for
# last_updated only: taking the date of an instant depends on a time zone the mapping doesn't say.
FITS: dict[str, frozenset[ValueKind]] = {
    NONE: frozenset(ValueKind),
    SOLAR_HIJRI_DATE: frozenset({ValueKind.DATE}),
    ISO_DATE: frozenset({ValueKind.DATE}),
    EPOCH_SECONDS: frozenset(),
    ISO_DATETIME: frozenset(),
    NATIONAL_ID: frozenset({ValueKind.STRING}),
    MAP: frozenset({ValueKind.ENUM, ValueKind.STRING, ValueKind.INT, ValueKind.BOOL}),
    SPLIT: frozenset({ValueKind.STRING_LIST}),
}
LAST_UPDATED_TRANSFORMS = frozenset({NONE, EPOCH_SECONDS, ISO_DATETIME, ISO_DATE, SOLAR_HIJRI_DATE})
# Extra options each transform takes besides "from" and "transform".
OPTIONS: dict[str, frozenset[str]] = {MAP: frozenset({"map"}), SPLIT: frozenset({"separator"})}

_TRUE = frozenset({"1", "true", "t", "yes", "y"})
_FALSE = frozenset({"0", "false", "f", "no", "n"})


def to_str(value: Any) -> str:
    # Fixed-width CHAR columns pad with blanks; the standard never means them.
    return value.strip() if isinstance(value, str) else str(value)


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        if value != int(value):
            raise ValueError("not a whole number")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit():
            return int(text)
    raise ValueError("not an integer")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError("not a boolean")


def iso_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            try:
                return datetime.fromisoformat(text).date()
            except ValueError:
                pass
    raise ValueError("not an ISO date (YYYY-MM-DD)")


def solar_hijri_date(value: Any) -> date:
    if isinstance(value, str):
        try:
            return solar_hijri.parse(value)
        except ValueError:
            pass
    raise ValueError("not a Solar Hijri date (YYYY/MM/DD)")


def _aware(moment: datetime) -> datetime:
    # A naive timestamp from an agency is taken as UTC: the store convention of every driver here.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def epoch_seconds(value: Any) -> datetime:
    if not isinstance(value, bool):
        try:
            seconds = float(value.strip() if isinstance(value, str) else value)
            return datetime.fromtimestamp(seconds, UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            pass
    raise ValueError("not a Unix time in seconds")


def iso_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return datetime.combine(value, time(), UTC)
    if isinstance(value, str):
        try:
            return _aware(datetime.fromisoformat(value.strip()))
        except ValueError:
            pass
    raise ValueError("not an ISO date-time")


def national_id(value: Any) -> str:
    """The canonical code: zero-padded when a numeric column lost its leading zeros, Persian and
    Arabic-Indic digits read as 0-9 (standard.national_id.from_agency); other scripts' digits are
    refused like any other character."""
    if isinstance(value, bool):
        raise ValueError("not a national code")
    if isinstance(value, float | Decimal) and value == int(value):
        value = int(value)
    if isinstance(value, int) and 0 <= value < 10**10:
        return f"{value:010d}"
    if isinstance(value, str) and (code := national_codes.from_agency(value)) is not None:
        return code
    raise ValueError("not a national code (up to 10 digits)")


def map_key(value: Any) -> str:
    """Agency codes are compared as text; JSON object keys can only be text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | Decimal) and value == int(value):
        return str(int(value))
    return to_str(value)


def make_map(table: dict[str, Any]) -> Convert:
    def convert(value: Any) -> Any:
        try:
            return table[map_key(value)]
        except KeyError:
            raise ValueError("code is not in the mapping's map") from None

    return convert


def make_split(separator: str) -> Convert:
    def convert(value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            return [to_str(item) for item in value if item is not None and to_str(item)]
        return [part.strip() for part in to_str(value).split(separator) if part.strip()]

    return convert


def to_string_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [to_str(item) for item in value if item is not None]
    raise ValueError("not a list (map a delimited text column with the 'split' transform)")


def make_enum(values: tuple[str, ...]) -> Convert:
    allowed = frozenset(values)

    def convert(value: Any) -> str:
        text = to_str(value)
        if text not in allowed:
            raise ValueError("not one of the standard's values (translate codes with 'map')")
        return text

    return convert


def to_datetime(value: Any) -> datetime:
    """last_updated with no transform: a datetime, a date, or ISO text."""
    return iso_datetime(value)


def _at_midnight(convert: Callable[[Any], date]) -> Convert:
    def to_moment(value: Any) -> datetime:
        return datetime.combine(convert(value), time(), UTC)

    return to_moment


_COERCE: dict[ValueKind, Convert] = {
    ValueKind.STRING: to_str,
    ValueKind.INT: to_int,
    ValueKind.BOOL: to_bool,
    ValueKind.DATE: iso_date,
    ValueKind.STRING_LIST: to_string_list,
}


def field_converter(spec: FieldSpec, transform: str, options: dict[str, Any]) -> Convert:
    """The converter of one validated field rule."""
    if transform == MAP:
        return make_map({str(code): value for code, value in options["map"].items()})
    if transform == SPLIT:
        return make_split(options.get("separator", ","))
    if transform == NONE:
        if spec.kind is ValueKind.ENUM:
            return make_enum(spec.values)
        return _COERCE[spec.kind]
    simple: dict[str, Convert] = {
        SOLAR_HIJRI_DATE: solar_hijri_date,
        ISO_DATE: iso_date,
        NATIONAL_ID: national_id,
    }
    return simple[transform]


def last_updated_converter(transform: str) -> Convert:
    return {
        NONE: to_datetime,
        EPOCH_SECONDS: epoch_seconds,
        ISO_DATETIME: iso_datetime,
        ISO_DATE: _at_midnight(iso_date),
        SOLAR_HIJRI_DATE: _at_midnight(solar_hijri_date),
    }[transform]


def map_value_fits(spec: FieldSpec, value: Any) -> bool:
    """Whether a `map` target is a value of the field's kind (null always is: it means unknown)."""
    if value is None:
        return True
    if spec.kind is ValueKind.ENUM:
        return isinstance(value, str) and value in spec.values
    if spec.kind is ValueKind.BOOL:
        return isinstance(value, bool)
    if spec.kind is ValueKind.INT:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)
