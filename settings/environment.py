"""The environment: the one module that reads it (tests/settings/test_reading_rules.py keeps it so).

Each setting names its variable once, beside its default, with the helpers below
(`port: int = integer("GATEWAY_PORT", 8000)`); `load` fills a settings class from the environment.
A blank variable counts as unset. A value that does not parse is refused with the variable's name.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_VARIABLE = "darvazeh.variable"
_GROUP = "darvazeh.group"
OFF = frozenset({"off", "0", "false", "no"})
ON = frozenset({"on", "1", "true", "yes"})

Loaded = TypeVar("Loaded", bound="DataclassInstance")
Value = TypeVar("Value")


@dataclass(frozen=True, slots=True)
class Variable:
    """An environment variable a setting is read from, and how its text becomes the value."""

    name: str
    parse: Callable[[str], object]
    kind: str  # what a valid value is, for the refusal: "an integer", "on or off"...
    older_name: str | None = None  # still read when `name` is unset

    def raw(self, environ: Mapping[str, str]) -> str | None:
        for name in (self.name, self.older_name):
            if name is not None and (value := environ.get(name, "").strip()):
                return value
        return None

    def read(self, raw: str) -> object:
        try:
            return self.parse(raw)
        except ValueError:
            # The value itself is left out: a misplaced secret must not reach a log.
            raise ValueError(f"{self.name} must be {self.kind}") from None


def _setting(variable: Variable, default: Value, *, secret: bool = False) -> Value:
    # A dataclass field standing for its value: the class reads `default`, `load` the variable.
    return field(default=default, repr=not secret, metadata={_VARIABLE: variable})


def _same(value: str) -> str:
    return value


def text(
    name: str, default: str, *, fold: Callable[[str], str] = _same, secret: bool = False
) -> str:
    """A string setting; `fold` normalises what the environment says (e.g. str.lower)."""
    return _setting(Variable(name, fold, "text"), default, secret=secret)


def integer(name: str, default: int) -> int:
    return _setting(Variable(name, int, "an integer"), default)


def number(name: str, default: float) -> float:
    return _setting(Variable(name, float, "a number"), default)


def _on_off(value: str) -> bool:
    folded = value.lower()
    if folded in ON:
        return True
    if folded in OFF:
        return False
    raise ValueError(value)


def switch(name: str, default: bool) -> bool:
    return _setting(Variable(name, _on_off, "on or off"), default)


def optional_switch(name: str) -> bool | None:
    """on/off, or None when unset (the caller decides then)."""
    return _setting(Variable(name, _on_off, "on or off"), None)


def path(name: str, default: Path, *, older_name: str | None = None) -> Path:
    variable = Variable(name, Path, "a path", older_name=older_name)
    return _setting(variable, default)


def optional_path(name: str) -> Path | None:
    return _setting(Variable(name, Path, "a path"), None)


def _words(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def words(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list; blanks are dropped."""
    return _setting(Variable(name, _words, "a comma-separated list"), default)


def group(kind: type[Loaded]) -> Loaded:
    """A nested settings class, read from the environment with its parent."""
    return field(default_factory=kind, metadata={_GROUP: kind})


def load(kind: type[Loaded], environ: Mapping[str, str]) -> Loaded:
    """`kind` with every setting the environment gives, the defaults for the rest."""
    values: dict[str, object] = {}
    for item in dataclasses.fields(kind):
        variable = item.metadata.get(_VARIABLE)
        nested = item.metadata.get(_GROUP)
        if isinstance(variable, Variable):
            raw = variable.raw(environ)
            if raw is not None:
                values[item.name] = variable.read(raw)
        elif nested is not None:
            values[item.name] = load(nested, environ)
    return dataclasses.replace(kind(), **values)


def variables(kind: type[DataclassInstance]) -> Iterator[tuple[Variable, object]]:
    """Every variable `kind` reads (its groups' included), each with its setting's default."""
    for item in dataclasses.fields(kind):
        variable = item.metadata.get(_VARIABLE)
        nested = item.metadata.get(_GROUP)
        if isinstance(variable, Variable):
            yield variable, item.default
        elif nested is not None:
            yield from variables(nested)


def current(defaults: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """This process's environment, over `defaults` (a program's own defaults for variables)."""
    return {**(defaults or {}), **os.environ}


def for_child(changes: Mapping[str, str]) -> dict[str, str]:
    """The environment a child process started here gets: this one's, with `changes`."""
    return {**os.environ, **changes}
