"""What every resolver of one GraphQL request can reach.

Nothing here knows about HTTP: refusals are field errors with their codes, and the edge turns the
codes into statuses (web/graphql_status.py), with the facts it needs noted here (`auth_challenge`,
`retry_after`).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.entry import ActorKind
from audit.sink import AuditSink
from audit.trail import Reader, Trail
from auth.consent.guardianship import BirthRecords
from auth.core.principal import Basis, Principal
from auth.rate_limits import ClientRateCeilings
from datasources.registry import Registry
from ratelimit import Refusal
from resolvers.access import Decision, decide, decide_uniform
from resolvers.loaders import SourceLoaders
from resolvers.rate_limits import SubjectGate
from services.proactive.intake import EvidenceCheck
from services.proactive.webhooks import WebhookPolicy
from standard.datasets import Dataset
from standard.errors import DarvazehError, ErrorCode
from standard.statuses import LegalBasis
from store.persisted_queries import SafelistBounds
from store.secrets import SecretBox

_ACTOR_KIND = {
    Basis.CITIZEN: ActorKind.CITIZEN,
    Basis.CONSENT: ActorKind.SERVICE,
    Basis.STATUTE: ActorKind.SERVICE,
    Basis.AGENCY_ADMIN: ActorKind.AGENCY,
    Basis.SYSTEM: ActorKind.SYSTEM,
}
# An agency admin reads under no legal basis; every other basis is the log's of the same name.
_LEGAL_BASIS = {
    basis: LegalBasis.NONE if basis is Basis.AGENCY_ADMIN else LegalBasis(basis.value)
    for basis in Basis
}


def reader(principal: Principal) -> Reader:
    """The principal as the access log records who read."""
    actor = principal.citizen if principal.basis is Basis.CITIZEN else principal.client_id
    return Reader(
        client_id=principal.client_id,
        client_agency=principal.agency,
        actor_kind=_ACTOR_KIND[principal.basis],
        actor=actor or principal.client_id,
        legal_basis=_LEGAL_BASIS[principal.basis],
        purpose=principal.service_card,
        consent_id=principal.consent_id,
        statute=principal.statute,
        case_reference=principal.case_reference,
        token_id=principal.token_id,
    )


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
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Where the request's reads are recorded; None only when audit is switched off (benchmarks).
    audit_sink: AuditSink | None = None
    # How much an agency may put on one client's safelist, and register as its rate limits.
    safelist_bounds: SafelistBounds | None = None
    rate_ceilings: ClientRateCeilings | None = None
    # Counts each citizen the request reads about against the per-citizen limit; None: no limit.
    subject_gate: SubjectGate | None = None
    # The civil registry's birth records, read as system reads (a parent asking for a child's).
    births: BirthRecords | None = None
    # Whether a reported life event's record is held (reportLifeEvent), as a system read.
    life_event_evidence: EvidenceCheck | None = None
    # Agencies' webhooks: the secrets' sealing box and what a webhook URL may reach.
    secret_box: SecretBox | None = None
    webhooks: WebhookPolicy | None = None
    # Seconds between a case subscription's looks at the store for new cases.
    subscription_poll_interval: float = 1.0
    # A WebSocket's connection_init payload (graphql-transport-ws); None over HTTP.
    connection_params: dict[str, object] | None = None
    # What the request read or was refused (noted by resolvers.audit_notes.log_read); None when
    # nothing is recorded (no principal, so nothing is read; or no sink).
    trail: Trail | None = field(default=None, init=False)
    # The longest wait a rate-limit refusal of this request named, in seconds.
    retry_after: int | None = field(default=None, init=False)
    loaders: SourceLoaders = field(init=False)
    # The commits of what the trail held so far, awaited before the answer leaves.
    _audit_commits: list[asyncio.Future[None]] = field(default_factory=list, init=False)
    _decisions: dict[tuple[str, Dataset], Decision] = field(default_factory=dict, init=False)
    _uniform: dict[Dataset, Decision | None] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.loaders = SourceLoaders(self.registry)
        if self.audit_sink is not None and self.principal is not None:
            self.trail = Trail(self.request_id)

    def decision(self, subject: str, dataset: Dataset) -> Decision:
        """The access decision for (subject, dataset), made once per request (once for every
        subject where it does not depend on the subject)."""
        uniform = self.uniform_decision(dataset)
        if uniform is not None:
            return uniform
        key = (subject, dataset)
        found = self._decisions.get(key)
        if found is None:
            found = self._decisions[key] = decide(self.principal, subject, dataset)
        return found

    def uniform_decision(self, dataset: Dataset) -> Decision | None:
        """The decision for `dataset` that holds for every subject, or None when it depends on
        the subject (`resolvers.access.decide_uniform`)."""
        if dataset not in self._uniform:
            self._uniform[dataset] = decide_uniform(self.principal, dataset)
        return self._uniform[dataset]

    def commit_audit_so_far(self) -> None:
        """Start committing the entries noted so far, so the commit overlaps the rest of the
        execution (completing fields) instead of adding to it."""
        if self.audit_sink is None or self.principal is None or not self.trail:
            return
        batch = self.trail.take(reader(self.principal))
        self._audit_commits.append(asyncio.ensure_future(self.audit_sink.record(batch)))

    async def settle_audit(self) -> BaseException | None:
        """Commit what is still noted and wait for every commit of the request; the first
        failure, or None when every entry is recorded. Nothing read may be answered before."""
        self.commit_audit_so_far()
        if not self._audit_commits:
            return None
        commits, self._audit_commits = self._audit_commits, []
        outcomes = await asyncio.gather(*commits, return_exceptions=True)
        return next((o for o in outcomes if isinstance(o, BaseException)), None)

    async def refused_subjects(self, subjects: list[str]) -> dict[str, DarvazehError]:
        """The error each subject's fields carry when reading about it is over its limit."""
        if self.subject_gate is None or not subjects:
            return {}
        refusals = await self.subject_gate.refusals(subjects)
        return {subject: self.rate_limited(refusal) for subject, refusal in refusals.items()}

    def rate_limited(self, refusal: Refusal) -> DarvazehError:
        """The field error for a rate-limit refusal (the edge answers 429 with Retry-After)."""
        self.retry_after = max(self.retry_after or 0, refusal.retry_after)
        message = f"too many reads of this citizen's data; retry after {refusal.retry_after} s"
        return DarvazehError(message, code=ErrorCode.RATE_LIMITED, retryAfter=refusal.retry_after)

    def require_principal(self) -> Principal:
        """Root fields call this: with no valid token (or a malformed case reference), nothing
        comes back."""
        if self.case_reference_error is not None:
            raise DarvazehError(self.case_reference_error, code=ErrorCode.INVALID_CASE_REFERENCE)
        if self.principal is not None:
            return self.principal
        message = self.auth_error or "a valid access token is required"
        raise DarvazehError(message, code=ErrorCode.UNAUTHENTICATED)
