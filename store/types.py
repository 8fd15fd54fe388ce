"""Column types of the gateway store."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, always aware and in UTC in Python, whatever the engine keeps.

    SQLite has no time zones: it stores the wall-clock digits and hands back naive datetimes.
    Every datetime column of the store uses this type, so nothing read back is ever naive and
    nothing compares a naive with an aware one (in code, or in the ORM's own evaluation of a
    bulk UPDATE or DELETE). A naive value written is taken as UTC; an aware one is converted.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already (the store keeps UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
