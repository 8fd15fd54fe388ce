"""The declarative mapping from an agency's table or JSON onto a standard record.

A mapping is a JSON-able dict, checked once against the record's RecordSpec by `Mapping.parse`
(every problem reported together) and compiled into converters, so `apply` — run for every row of
every request — does no parsing.

    {"table": "sabt_ahval_afrad",  # sql; http: endpoint/ids_field/results; graphql: entities|query
     "key": {"from": "shomare_melli", "type": "string"},  # or "integer": the column lost its zeros
     "fields": {"gender": {"from": "jensiat", "transform": "map", "map": {"1": "MALE"}}, ...},
     "last_updated": {"from": "akharin_taghyir", "transform": "epoch_seconds"}}   # optional

For http and graphql, "from" is a dotted path into each result item ("madrese.name"); graphql's
own entries are parsed by `datasources.graphql_mapping`.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from collections.abc import Mapping as Row
from dataclasses import dataclass, field
from typing import Any

from datasources import transforms as t
from datasources.base import MappedRecord, MappingError, RecordError
from datasources.graphql_mapping import TOP_LEVEL as GRAPHQL_TOP_LEVEL
from datasources.graphql_mapping import GraphqlCall, parse_call
from datasources.ranges import RangeCall, parse_range
from standard.national_id import is_latin_digits
from standard.records import FieldSpec, RecordSpec, ValueKind

__all__ = ["Key", "Mapping", "MappingError", "Rule"]

SQL = "sql"
HTTP = "http"
GRAPHQL = "graphql"
KEY_TYPES = ("string", "integer")
_TOP_LEVEL = {
    SQL: frozenset({"table", "key", "fields", "last_updated"}),
    HTTP: frozenset({"endpoint", "ids_field", "results", "key", "fields", "last_updated", "range"}),
    GRAPHQL: GRAPHQL_TOP_LEVEL | {"key", "fields", "last_updated", "range"},
}
_LOCATION: dict[str, tuple[str, ...]] = {
    SQL: ("table",),
    HTTP: ("endpoint", "ids_field", "results"),
    GRAPHQL: (),
}

logger = logging.getLogger(__name__)

Getter = Callable[[Row[str, Any]], Any]


def _getter(source: str, dotted: bool) -> Getter:
    """Read one value from a row; a dotted path walks nested JSON objects, absent means null."""
    parts = source.split(".") if dotted else [source]
    if len(parts) == 1:
        name = parts[0]
        return lambda row: row.get(name)

    def walk(row: Row[str, Any]) -> Any:
        value: Any = row
        for part in parts:
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    return walk


@dataclass(frozen=True, slots=True)
class Key:
    source: str
    type: str  # "string" | "integer"
    get: Getter = field(repr=False, compare=False)

    def of(self, row: Row[str, Any]) -> str | None:
        """The row's national code as the standard writes it, or None if it has none."""
        value = self.get(row)
        if value is None:
            return None
        # Canonical whatever the agency's spelling (Persian digits, lost leading zeros), so a row
        # keyed `۰۰۱۲۳۴۵۶۷۸` answers the request for 0012345678.
        try:
            return t.national_id(value)
        except ValueError:
            return None

    def query_value(self, national_id: str) -> str | int | None:
        """What to ask the source for; None when the id cannot exist there."""
        if self.type == "integer":
            return int(national_id) if is_latin_digits(national_id) else None
        return national_id


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled field rule: where the value comes from and how it becomes standard."""

    name: str
    source: str
    transform: str
    get: Getter = field(repr=False, compare=False)
    convert: t.Convert = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True, eq=False)
class Mapping:
    kind: str
    key: Key
    rules: tuple[Rule, ...]
    last_updated: Rule | None
    table: str | None = None
    endpoint: str | None = None
    ids_field: str | None = None
    results: str | None = None
    call: GraphqlCall | None = None  # graphql: the batch call, its document built once
    # http, graphql: the call that answers a range of a date field (datasources.ranges).
    range: RangeCall | None = None
    # The standard fields of kind DATE the mapping maps: those a range may be over.
    dates: frozenset[str] = frozenset()
    # The mapping as registered, for the store.
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every source column/path the mapping reads, key first, each once."""
        sources = [self.key.source, *(rule.source for rule in self.rules)]
        if self.last_updated is not None:
            sources.append(self.last_updated.source)
        return tuple(dict.fromkeys(sources))

    def rule(self, name: str) -> Rule | None:
        """The rule mapping standard field `name`, if the mapping maps it."""
        return next((rule for rule in self.rules if rule.name == name), None)

    def apply(self, row: Row[str, Any]) -> MappedRecord:
        """Map one source row/item; a null value stays None (that is data, not an error)."""
        values: dict[str, Any] = {}
        for rule in self.rules:
            value = rule.get(row)
            if value is not None:
                try:
                    value = rule.convert(value)
                except (ValueError, TypeError) as exc:
                    raise RecordError(rule.name, rule.source, str(exc)) from None
            values[rule.name] = value
        last_updated = None
        if self.last_updated is not None:
            value = self.last_updated.get(row)
            if value is not None:
                try:
                    last_updated = self.last_updated.convert(value)
                except (ValueError, TypeError) as exc:
                    raise RecordError("last_updated", self.last_updated.source, str(exc)) from None
        return MappedRecord(values, last_updated)

    def read(self, row: Row[str, Any], source: str) -> MappedRecord | RecordError:
        """`apply`, or the citizen's RecordError (logged, naming the column, never the value):
        one malformed row or item costs only its own citizen's record, not the whole batch."""
        try:
            return self.apply(row)
        except RecordError as exc:
            logger.warning("data source %s: a record does not fit the mapping: %s", source, exc)
            return exc

    @classmethod
    def parse(cls, raw: Any, spec: RecordSpec, kind: str) -> Mapping:
        """Validate `raw` against `spec`; raise MappingError naming every problem found."""
        return _Parser(spec, kind).parse(raw)


class _Parser:
    def __init__(self, spec: RecordSpec, kind: str) -> None:
        self.spec = spec
        self.kind = kind
        self.problems: list[str] = []
        self.dotted = kind in (HTTP, GRAPHQL)
        self.paths: list[tuple[str, str]] = []  # (where, "from") of key, fields and last_updated

    def parse(self, raw: Any) -> Mapping:
        if self.kind not in _TOP_LEVEL:
            raise MappingError([f"unknown source kind {self.kind!r}"])
        if not isinstance(raw, dict):
            raise MappingError(["a mapping must be a JSON object"])
        for name in sorted(set(raw) - _TOP_LEVEL[self.kind]):
            self.problems.append(f"unknown mapping entry {name!r} for a {self.kind} source")
        location = {name: self._text(raw, name, "mapping") for name in _LOCATION[self.kind]}
        key = self._key(raw.get("key"))
        rules = self._fields(raw.get("fields"))
        last_updated = self._last_updated(raw.get("last_updated"))
        call = parse_call(raw, self.paths, self.problems) if self.kind == GRAPHQL else None
        range_call = None
        dates = frozenset(
            rule.name
            for rule in rules
            if (spec := self.spec.field(rule.name)) is not None and spec.kind is ValueKind.DATE
        )
        if "range" in raw:
            range_call = parse_range(raw["range"], dates, self.problems, self.kind)
        if self.problems:
            raise MappingError(self.problems)
        assert key is not None  # no problems means every part parsed
        return Mapping(
            kind=self.kind,
            key=key,
            rules=rules,
            last_updated=last_updated,
            call=call,
            range=range_call,
            dates=dates,
            raw=copy.deepcopy(raw),
            **location,
        )

    def _text(self, entry: dict[str, Any], name: str, where: str) -> str | None:
        value = entry.get(name)
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f'{where}: missing "{name}"')
            return None
        if name == "from":
            self.paths.append((where, value))
        return value

    def _extra(self, entry: dict[str, Any], allowed: frozenset[str], where: str) -> None:
        for name in sorted(set(entry) - allowed):
            self.problems.append(f"{where}: unknown option {name!r}")

    def _key(self, entry: Any) -> Key | None:
        if not isinstance(entry, dict):
            self.problems.append('key: missing (an object with "from")')
            return None
        source = self._text(entry, "from", "key")
        key_type = entry.get("type", "string")
        if key_type not in KEY_TYPES:
            self.problems.append(f"key: bad key type {key_type!r} (use 'string' or 'integer')")
        self._extra(entry, frozenset({"from", "type"}), "key")
        if source is None or key_type not in KEY_TYPES:
            return None
        return Key(source, key_type, _getter(source, self.dotted))

    def _fields(self, entries: Any) -> tuple[Rule, ...]:
        if not isinstance(entries, dict) or not entries:
            self.problems.append('fields: missing (an object of standard field -> {"from": ...})')
            entries = {}
        rules: list[Rule] = []
        for name, entry in entries.items():
            if self.spec.field(name) is None:
                known = ", ".join(sorted(self.spec.names))
                self.problems.append(
                    f"unknown standard field {name!r} for {self.spec.record_type} (known: {known})"
                )
                continue
            rule = self._rule(name, entry)
            if rule is not None:
                rules.append(rule)
        for spec in self.spec.fields:
            if spec.required and spec.name not in entries:
                self.problems.append(f"required field {spec.name!r} is not mapped")
        return tuple(rules)

    def _rule(self, name: str, entry: Any) -> Rule | None:
        where = f"field {name!r}"
        spec = self.spec.field(name)
        assert spec is not None
        if not isinstance(entry, dict):
            self.problems.append(f'{where}: must be an object with "from"')
            return None
        before = len(self.problems)
        source = self._text(entry, "from", where)
        transform = entry.get("transform", t.NONE)
        if transform not in t.TRANSFORMS:
            self.problems.append(f"{where}: unknown transform {transform!r}")
            return None
        if spec.kind not in t.FITS[transform]:
            hint = " (it is for last_updated)" if not t.FITS[transform] else ""
            self.problems.append(
                f"{where}: transform {transform!r} does not fit its kind {spec.kind.value}{hint}"
            )
        allowed = frozenset({"from", "transform"}) | t.OPTIONS.get(transform, frozenset())
        self._extra(entry, allowed, where)
        if transform == t.MAP:
            self._check_map(where, spec, entry.get("map"))
        if transform == t.SPLIT:
            separator = entry.get("separator", ",")
            if not isinstance(separator, str) or not separator:
                self.problems.append(f"{where}: separator must be non-empty text")
        if source is None or len(self.problems) > before:
            return None
        convert = t.field_converter(spec, transform, entry)
        return Rule(name, source, transform, _getter(source, self.dotted), convert)

    def _check_map(self, where: str, spec: FieldSpec, table: Any) -> None:
        if not isinstance(table, dict) or not table:
            self.problems.append(f'{where}: transform "map" needs a non-empty "map" object')
            return
        for code, value in table.items():
            if t.map_value_fits(spec, value):
                continue
            if spec.kind is ValueKind.ENUM:
                allowed = ", ".join(spec.values)
                self.problems.append(
                    f"{where}: map value {value!r} (for code {code!r}) is not one of {allowed}"
                )
            else:
                self.problems.append(
                    f"{where}: map value {value!r} (for code {code!r}) is not a {spec.kind.value}"
                )

    def _last_updated(self, entry: Any) -> Rule | None:
        if entry is None:
            return None
        where = "last_updated"
        if not isinstance(entry, dict):
            self.problems.append(f'{where}: must be an object with "from"')
            return None
        source = self._text(entry, "from", where)
        transform = entry.get("transform", t.NONE)
        if transform not in t.TRANSFORMS:
            self.problems.append(f"{where}: unknown transform {transform!r}")
            return None
        if transform not in t.LAST_UPDATED_TRANSFORMS:
            self.problems.append(f"{where}: transform {transform!r} does not give a date-time")
            return None
        self._extra(entry, frozenset({"from", "transform"}), where)
        if source is None:
            return None
        convert = t.last_updated_converter(transform)
        return Rule(where, source, transform, _getter(source, self.dotted), convert)
