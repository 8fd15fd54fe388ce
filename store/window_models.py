"""Daily figures the national window shows over time: the catalogue's coverage and each
source's health. They are snapshots of what the gateway already knows (the catalogue, the
workers' health reports), kept once a day so a trend needs no new collection."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, utcnow
from store.types import UtcDateTime


class CoverageSnapshot(Base):
    """The catalogue's coverage on one day: overall, per agency and the reasons by dataset."""

    __tablename__ = "coverage_snapshots"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    cards: Mapped[int] = mapped_column(Integer)
    connected: Mapped[int] = mapped_column(Integer)
    proactive: Mapped[int] = mapped_column(Integer)
    # {"<agency>": {"cards": n, "connected": n, "proactive": n}}
    by_agency: Mapped[dict[str, Any]] = mapped_column(JSON)
    # {"<dataset>": {"<MissingReason>": n}}: why cards are not connected, by dataset
    missing: Mapped[dict[str, Any]] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SourceHealthDay(Base):
    """One source's health over one day, summed from the workers' reports as they are flushed."""

    __tablename__ = "source_health_days"

    source_id: Mapped[str] = mapped_column(
        ForeignKey("data_sources.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(64), index=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    # The highest p95 a worker reported that day, in ms (a day's p95 is not a sum of p95s).
    latency_p95_ms: Mapped[float | None] = mapped_column(Float, default=None)
    # Of the day's probes, how many found the source answering.
    probes: Mapped[int] = mapped_column(Integer, default=0)
    probes_ok: Mapped[int] = mapped_column(Integer, default=0)
    last_updated: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
