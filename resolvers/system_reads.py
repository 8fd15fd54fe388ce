"""The gateway's own reads of citizen data, made like any other: a principal (basis SYSTEM, the
statute that allows the read, the check it is for as its case reference) passes the one access
decision (`resolvers.access.decide`), the record is loaded through the registered source's
DataLoader, and one audit record per citizen is committed before anything is done with the answer.

- `CivilDeathCheck` is the death check behind logins, consent approvals, code exchanges and
  refreshes (auth.core.system_checks.DeathCheck): it reads the civil registry's death record and,
  for a death it finds, ends the citizen's access (auth.end_citizen).
- `CivilBirthRecords` reads a child's birth record for a guardianship check (a parent consenting
  for a child, or reading the child's access log: auth.consent.guardianship.BirthRecords).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.sink import AuditSink
from auth.accounts.ended import EndReason, ended
from auth.consent.guardianship import BirthFacts, BirthRecordUnavailable
from auth.core.principal import Basis, Principal
from auth.core.system_checks import CitizenCheck, DeathCheckUnavailable
from auth.end_citizen import end_citizen
from datasources.registry import Registry
from resolvers.context import RequestContext
from resolvers.records import Record, load_record
from standard.datasets import Dataset, RecordType
from standard.errors import DarvazehError, ErrorCode
from standard.records import RecordStatus

SYSTEM_CLIENT = "darvazeh-gateway"
SYSTEM_AGENCY = "darvazeh"
# What each check asks of the record: the death record's existence (and date); the birth
# record's date and parents.
_DEATH_FIELDS = frozenset({"date"})
_BIRTH_FIELDS = frozenset({"date", "fatherNationalId", "motherNationalId"})


class SystemReadFailed(DarvazehError):
    """A system read that could not be made, or not be recorded (then nothing may act on it)."""

    code = ErrorCode.SOURCE_UNAVAILABLE


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


class SystemReader:
    """Reads one record type for many citizens in one DataLoader batch, as the gateway itself."""

    def __init__(
        self,
        registry: Registry,
        sessions: async_sessionmaker[AsyncSession],
        audit_sink: AuditSink | None,
        *,
        statute: str,
        datasets: frozenset[str],
    ) -> None:
        self._registry = registry
        self._sessions = sessions
        self._audit_sink = audit_sink  # None only with the access log off (benchmarks)
        self._statute = statute
        self._scopes = datasets

    async def read(
        self,
        record_type: RecordType,
        fields: frozenset[str],
        subjects: list[str],
        check: CitizenCheck,
    ) -> list[Record]:
        """Each subject's record; raises SystemReadFailed when any could not be read (or the
        read was refused) or the access log could not be written."""
        context = RequestContext(
            registry=self._registry,
            principal=system_principal(check, self._statute, self._scopes),
            sessions=self._sessions,
            audit_sink=self._audit_sink,
            request_id=uuid.uuid4().hex,
        )
        spec = self._registry.specs[record_type]
        # One DataLoader batch: one call to the source for every subject.
        answers = await asyncio.gather(
            *(load_record(context, subject, spec, fields) for subject in subjects),
            return_exceptions=True,
        )
        failure = await context.settle_audit()
        if failure is not None:  # act on no unrecorded read
            raise SystemReadFailed(f"the access log could not be written: {failure}")
        found: list[Record] = []
        for answer in answers:
            if isinstance(answer, BaseException):
                raise SystemReadFailed(str(answer))
            found.append(answer)
        return found


class CivilDeathCheck:
    """Reads death records from the civil registry's registered source (auth.core's
    DeathCheck). Citizens already ended cost no source call."""

    def __init__(
        self,
        registry: Registry,
        sessions: async_sessionmaker[AsyncSession],
        audit_sink: AuditSink | None,
        *,
        statute: str,
    ) -> None:
        self._sessions = sessions
        self._reader = SystemReader(
            registry,
            sessions,
            audit_sink,
            statute=statute,
            datasets=frozenset({Dataset.CIVIL_IDENTITY.value}),
        )

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
        try:
            records = await self._reader.read(RecordType.DEATH, _DEATH_FIELDS, subjects, check)
        except SystemReadFailed as error:
            raise DeathCheckUnavailable(str(error)) from None
        return {
            subject
            for subject, record in zip(subjects, records, strict=True)
            if record.provenance.status is RecordStatus.AVAILABLE
        }


class CivilBirthRecords:
    """Reads a child's birth record (date, parents) from the civil registry's registered source,
    for a guardianship check (auth.consent.guardianship.BirthRecords)."""

    def __init__(
        self,
        registry: Registry,
        sessions: async_sessionmaker[AsyncSession],
        audit_sink: AuditSink | None,
        *,
        statute: str,
    ) -> None:
        self._reader = SystemReader(
            registry,
            sessions,
            audit_sink,
            statute=statute,
            datasets=frozenset({Dataset.CIVIL_BIRTH.value, Dataset.CIVIL_FAMILY.value}),
        )

    async def birth(self, child: str, check: CitizenCheck) -> BirthFacts | None:
        try:
            (record,) = await self._reader.read(RecordType.BIRTH, _BIRTH_FIELDS, [child], check)
        except SystemReadFailed as error:
            raise BirthRecordUnavailable(str(error)) from None
        if record.provenance.status is not RecordStatus.AVAILABLE:
            return None
        values = record.values
        born, father, mother = (
            values.get("date"),
            values.get("fatherNationalId"),
            values.get("motherNationalId"),
        )
        return BirthFacts(
            born=born if isinstance(born, date) else None,
            father=father if isinstance(father, str) else None,
            mother=mother if isinstance(mother, str) else None,
        )
