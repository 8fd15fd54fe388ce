"""What every resolver of one GraphQL request can reach."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.dpop import ALGS_PARAMETER as DPOP_ALGS
from auth.principal import Principal
from auth.rate_limits import ClientRateCeilings
from datasources.registry import Registry
from ratelimit import Refusal
from resolvers.access import Decision, decide
from resolvers.loaders import SourceLoaders
from resolvers.rate_limits import SubjectGate
from standard.datasets import Dataset
from standard.errors import DarvazehError, ErrorCode
from store.persisted_queries import SafelistBounds


@dataclass
class RequestContext:
    registry: Registry
    principal: Principal | None
    sessions: async_sessionmaker[AsyncSession]  # the gateway's own store
    # Why the token was refused, and the WWW-Authenticate challenge that says so (Bearer or
    # DPoP); None when there was no token at all.
    auth_error: str | None = None
    auth_challenge: str | None = None
    # Why the request's case reference was refused (its format); nothing is read then.
    case_reference_error: str | None = None
    request: Any = None
    response: Any = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # The access log's group-committing writer; None only when audit is switched off (benchmarks).
    audit_writer: Any = None
    # How much an agency may put on one client's safelist, and register as its rate limits.
    safelist_bounds: SafelistBounds | None = None
    rate_ceilings: ClientRateCeilings | None = None
    # Counts each citizen the request reads about against the per-citizen limit; None: no limit.
    subject_gate: SubjectGate | None = None
    # What the request read or was refused, noted by resolvers.audit_trail.log_read, and the
    # commits of what was noted so far (awaited by AuditFlush before the response leaves).
    audit_reads: dict[Any, Any] = field(default_factory=dict, init=False)
    audit_commits: list[asyncio.Future[None]] = field(default_factory=list, init=False)
    loaders: SourceLoaders = field(init=False)
    _decisions: dict[tuple[str, Dataset], Decision] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.loaders = SourceLoaders(self.registry)

    def decision(self, subject: str, dataset: Dataset) -> Decision:
        """The access decision for (subject, dataset), made once per request."""
        key = (subject, dataset)
        found = self._decisions.get(key)
        if found is None:
            found = self._decisions[key] = decide(self.principal, subject, dataset)
        return found

    def commit_audit_so_far(self) -> None:
        """Start committing the entries noted so far, so the commit overlaps the rest of the
        execution (completing fields) instead of adding to it."""
        if self.audit_writer is None or not self.audit_reads:
            return
        from resolvers.audit_trail import entries

        batch = entries(self)
        self.audit_reads = {}
        self.audit_commits.append(asyncio.ensure_future(self.audit_writer.record(batch)))

    async def refused_subjects(self, subjects: list[str]) -> dict[str, DarvazehError]:
        """The error each subject's fields carry when reading about it is over its limit."""
        if self.subject_gate is None or not subjects:
            return {}
        refusals = await self.subject_gate.refusals(subjects)
        return {subject: self.rate_limited(refusal) for subject, refusal in refusals.items()}

    def rate_limited(self, refusal: Refusal) -> DarvazehError:
        """The field error for a rate-limit refusal; the response becomes 429 with Retry-After."""
        if self.response is not None:
            self.response.status_code = 429
            self.response.headers["Retry-After"] = str(refusal.retry_after)
        message = f"too many reads of this citizen's data; retry after {refusal.retry_after} s"
        return DarvazehError(message, code=ErrorCode.RATE_LIMITED, retryAfter=refusal.retry_after)

    def require_principal(self) -> Principal:
        """Root fields call this: with no valid token (or a malformed case reference), nothing
        comes back."""
        if self.case_reference_error is not None:
            if self.response is not None:
                self.response.status_code = 400
            raise DarvazehError(self.case_reference_error, code=ErrorCode.INVALID_CASE_REFERENCE)
        if self.principal is not None:
            return self.principal
        if self.response is not None:
            self.response.status_code = 401
            self.response.headers["WWW-Authenticate"] = (
                self.auth_challenge or f'Bearer realm="darvazeh", DPoP algs="{DPOP_ALGS}"'
            )
        message = self.auth_error or "a valid access token is required"
        raise DarvazehError(message, code=ErrorCode.UNAUTHENTICATED)
