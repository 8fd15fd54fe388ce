"""The national time zone: civil days (ages, daily figures) are counted in Iran Standard Time
(no daylight saving since 2022)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

NATIONAL_TZ = timezone(timedelta(hours=3, minutes=30), "IRST")


def national_day(moment: datetime | None = None) -> date:
    """The civil day of `moment` (now when not given); a naive moment is taken as UTC."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(NATIONAL_TZ).date()
