"""The gateway's own reads of citizen data, made like any other: a principal (basis SYSTEM, the
statute that allows the read, the check it is for as its case reference) passes the one access
decision (`resolvers.access.decide`), the record is loaded through the registered source's
DataLoader, and one audit record per citizen is committed before anything is done with the answer.

`CivilDeathCheck` is the death check behind logins, consent approvals, code exchanges and
refreshes (auth.citizen_end.DeathCheck): it reads the civil registry's death record and, for a
death it finds, ends the citizen's access (auth.citizen_end.end_citizen).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.writer import AuditWriter
from auth.citizen_end import (
    CitizenCheck,
    DeathCheckUnavailable,
    EndReason,
    end_citizen,
    ended,
)
from auth.principal import Basis, Principal
from datasources.registry import Registry
from resolvers.audit_trail import entries
from resolvers.context import RequestContext
from resolvers.records import load_record
from standard.datasets import Dataset, RecordType
from standard.records import RecordStatus

SYSTEM_CLIENT = "darvazeh-gateway"
SYSTEM_AGENCY = "darvazeh"
# What a death check asks of the record: whether it exists, and when.
_DEATH_FIELDS = frozenset({"date"})


def system_principal(check: CitizenCheck, statute: str, datasets: frozenset[str]) -> Principal:
    """The gateway itself, reading `datasets` for `check` under `statute`."""
    return Principal(
        client_id=SYSTEM_CLIENT,
        agency=SYSTEM_AGENCY,
        basis=Basis.SYSTEM,
        scopes=datasets,
        token_id=f"system:{check.value}",
        statute=statute,
        case_reference=check.value,
    )


class CivilDeathCheck:
    """Reads death records from the civil registry's registered source (auth.citizen_end's
    DeathCheck). Citizens already ended cost no source call."""

    def __init__(
        self,
        registry: Registry,
        sessions: async_sessionmaker[AsyncSession],
        audit_writer: AuditWriter | None,
        *,
        statute: str,
    ) -> None:
        self._registry = registry
        self._sessions = sessions
        self._audit_writer = audit_writer  # None only with the access log off (benchmarks)
        self._statute = statute
        self._scopes = frozenset({Dataset.CIVIL_IDENTITY.value})

    async def deceased(self, national_ids: Sequence[str], check: CitizenCheck) -> frozenset[str]:
        subjects = list(dict.fromkeys(national_ids))
        known = await ended(self._sessions, subjects)
        dead = {nid for nid, reason in known.items() if reason is EndReason.DECEASED}
        unknown = [nid for nid in subjects if nid not in known]
        if unknown:
            found = await self._read(unknown, check)
            for national_id in found:
                await end_citizen(self._sessions, national_id, EndReason.DECEASED)
            dead |= found
        return frozenset(dead)

    async def _read(self, subjects: list[str], check: CitizenCheck) -> set[str]:
        """Those of `subjects` with a death record; raises DeathCheckUnavailable when any could
        not be read (or the read was refused)."""
        context = RequestContext(
            registry=self._registry,
            principal=system_principal(check, self._statute, self._scopes),
            sessions=self._sessions,
            audit_writer=self._audit_writer,
            request_id=uuid.uuid4().hex,
        )
        death = self._registry.specs[RecordType.DEATH]
        # One DataLoader batch: one call to the source for every subject.
        answers = await asyncio.gather(
            *(load_record(context, subject, death, _DEATH_FIELDS) for subject in subjects),
            return_exceptions=True,
        )
        if self._audit_writer is not None:
            try:
                await self._audit_writer.record(entries(context))
            except Exception as error:  # any failure to commit: act on no unrecorded read
                raise DeathCheckUnavailable(
                    f"the access log could not be written: {error}"
                ) from None
        found: set[str] = set()
        for subject, answer in zip(subjects, answers, strict=True):
            if isinstance(answer, BaseException):
                raise DeathCheckUnavailable(str(answer))
            if answer.provenance.status is RecordStatus.AVAILABLE:
                found.add(subject)
        return found
