"""A consent's history after it was given: narrowed (some datasets taken back) and revoked.

Narrowing keeps the consent and its tokens: each token reads, from its next request, only what
the consent still allows (auth.core.liveness.consent_in_force gives the datasets with the
standing; the edge narrows the token's scopes to them), and a refresh issues no more than that.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.consent.errors import ConsentError, ConsentNotFound
from auth.core.liveness import standing
from standard.datasets import DATA_SCOPES
from standard.statuses import ConsentChangeKind, ConsentStatus
from store.citizen_models import Consent, ConsentChange
from store.db import aware

MAX_CONSENT_ID = 64  # a consent's id is shorter; a longer one is nobody's
MAX_NAME = 64  # of a dataset named in a refusal (a dataset's name is shorter)


def record_change(
    session: AsyncSession,
    consent: Consent,
    kind: ConsentChangeKind,
    before: Sequence[str],
    by: str,
    now: datetime,
) -> None:
    """Add one row of the consent's history (in the caller's transaction)."""
    session.add(
        ConsentChange(
            consent_id=consent.id,
            kind=kind.value,
            datasets_before=list(before),
            datasets_after=list(consent.datasets),
            changed_by=by,
            changed_at=now,
        )
    )


async def narrow_consent(
    session: AsyncSession,
    *,
    consent_id: str,
    citizen: str,
    keep: Collection[str],
    now: datetime | None = None,
) -> Consent:
    """Take some datasets back from one's own ACTIVE consent, keeping the rest (flushed, not
    committed). Raises ConsentNotFound for another citizen's consent, and ConsentError when the
    consent no longer stands (`not_active`), when nothing would be left (`no_datasets`: revoke
    it instead), or when `keep` names a dataset the consent does not allow now (`bad_datasets`:
    a consent is never widened; so is a list longer than the standard's datasets, refused
    before the store is read)."""
    now = aware(now or datetime.now(UTC))
    if len(consent_id) > MAX_CONSENT_ID:
        raise ConsentNotFound(consent_id[:MAX_CONSENT_ID])
    if len(keep) > len(DATA_SCOPES):  # a consent never allows more than every dataset
        raise ConsentError("bad_datasets", f"a consent allows at most {len(DATA_SCOPES)} datasets")
    consent = await session.scalar(
        select(Consent)
        .where(Consent.id == consent_id, Consent.citizen == citizen)
        .with_for_update()
    )
    if consent is None:
        raise ConsentNotFound(consent_id)
    if standing(consent, now) is not ConsentStatus.ACTIVE:
        raise ConsentError("not_active", "only an active consent can be narrowed")
    wanted = set(keep)
    if not wanted:
        raise ConsentError("no_datasets", "a consent keeps at least one dataset; revoke it instead")
    before = list(consent.datasets)
    if outside := sorted(wanted - set(before)):
        named = ", ".join(repr(dataset[:MAX_NAME]) for dataset in outside)
        raise ConsentError("bad_datasets", f"not allowed by this consent: {named}")
    if wanted == set(before):
        return consent  # nothing taken back: no history row
    consent.datasets = [dataset for dataset in before if dataset in wanted]
    record_change(session, consent, ConsentChangeKind.NARROWED, before, citizen, now)
    await session.flush()
    return consent


async def consent_changes(
    session: AsyncSession, consent_ids: Collection[str]
) -> dict[str, list[ConsentChange]]:
    """Each consent's changes, oldest first (consents without any are absent)."""
    if not consent_ids:
        return {}
    rows = await session.scalars(
        select(ConsentChange)
        .where(ConsentChange.consent_id.in_(list(consent_ids)))
        .order_by(ConsentChange.changed_at, ConsentChange.id)
    )
    found: dict[str, list[ConsentChange]] = {}
    for row in rows:
        found.setdefault(row.consent_id, []).append(row)
    return found
