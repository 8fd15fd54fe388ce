"""How much the catalogue delivers without a request: per card and per agency, the cases made,
executed (done without an answer, and not declined) and confirmed (offers the citizen accepted).

A case keeps its outcome when its agency closes it: a declined case stays DECLINED, so a CLOSED
case of a notify or may-decline card was executed, and a CLOSED offer with an answer was confirmed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from standard.statuses import CaseStatus, ProactiveMode
from store.proactive_models import ServiceCaseRecord as Case


@dataclass(frozen=True, slots=True)
class Delivered:
    created: int = 0
    executed: int = 0
    confirmed: int = 0


_EXECUTED = and_(
    Case.mode.in_([ProactiveMode.NOTIFY.value, ProactiveMode.MAY_DECLINE.value]),
    Case.status != CaseStatus.DECLINED.value,
)
_CONFIRMED = and_(
    Case.mode == ProactiveMode.CONFIRM.value,
    or_(
        Case.status == CaseStatus.CONFIRMED.value,
        and_(Case.status == CaseStatus.CLOSED.value, Case.answered_at.is_not(None)),
    ),
)


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    by_card: dict[str, Delivered]
    by_agency: dict[str, Delivered]

    @property
    def total(self) -> Delivered:
        found = Counter[str]()
        for counts in self.by_agency.values():
            found.update(created=counts.created, executed=counts.executed,
                         confirmed=counts.confirmed)  # fmt: skip
        return Delivered(found["created"], found["executed"], found["confirmed"])


async def delivery_counts(session: AsyncSession) -> DeliveryCounts:
    """One grouped query over the cases (indexed by card), summed per agency."""
    query = select(
        Case.card_id,
        Case.agency_code,
        func.count(),
        func.sum(case((_EXECUTED, 1), else_=0)),
        func.sum(case((_CONFIRMED, 1), else_=0)),
    ).group_by(Case.card_id, Case.agency_code)
    by_card: dict[str, Delivered] = {}
    agencies: dict[str, Counter[str]] = {}
    for card_id, agency, created, executed, confirmed in await session.execute(query):
        counts = Delivered(int(created), int(executed or 0), int(confirmed or 0))
        by_card[card_id] = counts
        tally = agencies.setdefault(agency, Counter())
        tally.update(created=counts.created, executed=counts.executed,
                     confirmed=counts.confirmed)  # fmt: skip
    by_agency = {
        code: Delivered(tally["created"], tally["executed"], tally["confirmed"])
        for code, tally in agencies.items()
    }
    return DeliveryCounts(by_card, by_agency)
