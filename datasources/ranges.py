"""Which citizens a source holds with a date field in a range ("national codes whose birth date
lies between these days"), asked in the agency's own format: the gateway keeps no copy of
citizens' data, so the daily age scan asks the civil registry each day.

The range is translated once per call into what the source stores or takes:
- `sql`: by the field's transform and the column's type. Solar Hijri text is matched against
  every spelling `standard.solar_hijri.parse` reads for each day of the range (`1398/07/01`,
  `1398-7-1`, Persian digits...), so an index on the column serves it and no lexicographic
  accident can match; ISO text is compared as ISO text; a DATE or DATETIME column as dates.
- `http` and `graphql`: the mapping's `range` entry names the call (an endpoint, or a query field)
  and the format the agency's API takes its bounds in: `solar_hijri_date`, `iso_date` or
  `epoch_seconds` (an instant has a time zone the mapping does not say, so epoch bounds are widened
  by a day on each side).

Whatever the agency answers, every row is mapped by the mapping and kept only if its mapped date
lies in the range: a source cannot widen what the gateway acts on.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from collections.abc import Mapping as Row
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, runtime_checkable

from datasources import transforms as t
from datasources.base import MappedRecord, RecordError, SourceError
from datasources.graphql_mapping import is_name
from standard import solar_hijri
from standard.national_id import is_valid

# A range is a few days (the age scan asks one day at a time); a longer one is refused before
# any source is called.
MAX_RANGE_DAYS = 31
# One birth day of a national registry is a few thousand citizens; far more is a mapping fault.
MAX_RANGE_ROWS = 50_000
# The formats an agency's range API may take its bounds in.
RANGE_FORMATS = (t.SOLAR_HIJRI_DATE, t.ISO_DATE, t.EPOCH_SECONDS)
RANGE_OPTIONS = frozenset({"field", "endpoint", "query", "from", "to", "argument_type", "format"})
_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


class RangeRefused(ValueError):
    """A range the gateway will not ask for (backwards, or too long)."""


@dataclass(frozen=True, slots=True)
class DateRange:
    """Days from `first` to `last`, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise RangeRefused("a range ends on or after its first day")
        if (self.last - self.first).days >= MAX_RANGE_DAYS:
            raise RangeRefused(f"a range spans at most {MAX_RANGE_DAYS} days")

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


@runtime_checkable
class RangeReading(Protocol):
    """An adapter that can answer a range of a date field (sql, http, graphql)."""

    async def keys_in_range(self, field: str, within: DateRange) -> dict[str, date]:
        """National code -> the mapped value of `field`, for every record whose value lies in
        `within`. Raises SourceError (the source failed, answered too much, or the mapping has
        no way to ask)."""
        ...


@dataclass(frozen=True, slots=True)
class RangeCall:
    """An http or graphql mapping's `range` entry: the call that answers a range of `field`."""

    field: str
    start: str  # the name of the bound "from" (JSON member or GraphQL argument)
    end: str
    format: str
    endpoint: str | None = None  # http
    query: str | None = None  # graphql: the query field
    argument_type: str = "String!"

    def bounds(self, within: DateRange) -> tuple[Any, Any]:
        """The range's bounds as the agency's API takes them."""
        if self.format == t.EPOCH_SECONDS:
            start = datetime.combine(within.first - timedelta(days=1), time(), UTC)
            end = datetime.combine(within.last + timedelta(days=2), time(), UTC)
            return int(start.timestamp()), int(end.timestamp())
        if self.format == t.SOLAR_HIJRI_DATE:
            return solar_hijri.format(within.first), solar_hijri.format(within.last)
        return within.first.isoformat(), within.last.isoformat()

    def document(self, selection: str) -> str:
        """The GraphQL document of a graphql range call, over the mapping's selection."""
        kind = self.argument_type
        return (
            f"query DarvazehRange($from: {kind}, $to: {kind}) "
            f"{{ {self.query}({self.start}: $from, {self.end}: $to) {{ {selection} }} }}"
        )


def solar_spellings(day: date) -> list[str]:
    """Every way `standard.solar_hijri.parse` reads `day`: three separators, zero-padded or not,
    Latin, Persian or Arabic-Indic digits."""
    year, month, day_of_month = solar_hijri.from_gregorian(day)
    found: list[str] = []
    months = dict.fromkeys((f"{month:02d}", str(month)))
    days = dict.fromkeys((f"{day_of_month:02d}", str(day_of_month)))
    for separator, written_month, written_day in itertools.product("/-.", months, days):
        latin = f"{year:04d}{separator}{written_month}{separator}{written_day}"
        found.extend((latin, latin.translate(_PERSIAN), latin.translate(_ARABIC_INDIC)))
    return list(dict.fromkeys(found))


class _Key(Protocol):
    def of(self, row: Row[str, Any]) -> str | None: ...


def in_range(
    rows: Sequence[Row[str, Any]],
    read: Callable[[Row[str, Any], str], MappedRecord | RecordError],
    key: _Key,
    field: str,
    within: DateRange,
    source: str,
) -> dict[str, date]:
    """The mapped date of `field` of each row in `within`, by national code; rows that do not
    fit the mapping are left out (Mapping.read logs them)."""
    if len(rows) > MAX_RANGE_ROWS:
        odd = f"more than {MAX_RANGE_ROWS} records in one range"
        raise SourceError(source, f"answered {odd}", hint=odd)
    found: dict[str, date] = {}
    for row in rows:
        national_id = key.of(row)
        record = read(row, source)
        # The answer is the agency's, not ours to trust: only valid codes become events.
        if national_id is None or not is_valid(national_id) or not isinstance(record, MappedRecord):
            continue
        value = record.values.get(field)
        if isinstance(value, date) and value in within:
            found[national_id] = value
    return found


def parse_range(
    raw: Any, fields: frozenset[str], problems: list[str], kind: str
) -> RangeCall | None:
    """An http or graphql mapping's `range` entry; every fault appended to `problems`.

    `fields` are the mapping's date fields a range may be over.
    """
    where = "range"
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be an object")
        return None
    before = len(problems)
    for name in sorted(set(raw) - RANGE_OPTIONS):
        problems.append(f"{where}: unknown option {name!r}")
    field = raw.get("field")
    if field not in fields:
        problems.append(f"{where}: field must be one of the mapped date fields {sorted(fields)}")
    fmt = raw.get("format", t.ISO_DATE)
    if fmt not in RANGE_FORMATS:
        problems.append(f"{where}: format must be one of {', '.join(RANGE_FORMATS)}")
    start, end = raw.get("from", "from"), raw.get("to", "to")
    names_ok = all(is_name(name) for name in (start, end))
    if not names_ok:
        problems.append(f'{where}: "from" and "to" must be names (JSON members, GraphQL args)')
    endpoint = query = None
    argument_type = raw.get("argument_type", "Int!" if fmt == t.EPOCH_SECONDS else "String!")
    if kind == "http":
        endpoint = raw.get("endpoint")
        if not isinstance(endpoint, str) or not endpoint.strip():
            problems.append(f'{where}: missing "endpoint"')
    else:
        query = raw.get("query")
        if not is_name(query):
            problems.append(f'{where}: "query" must be the GraphQL query field that answers it')
        if argument_type not in ("String!", "String", "Int!", "Int", "Date!", "Date"):
            problems.append(f"{where}: argument_type must be String, Int or Date (maybe with !)")
    if len(problems) > before:
        return None
    assert isinstance(field, str) and isinstance(start, str) and isinstance(end, str)
    return RangeCall(field, start, end, fmt, endpoint, query, argument_type)
