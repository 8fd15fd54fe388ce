"""Who is asking: the verified identity behind a request's access token (or portal session, or the
gateway's own system read)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from standard.statuses import ConsentStatus, LegalBasis


class Basis(StrEnum):
    """What kind of caller a token (or session) makes: one of the legal bases a read happens under
    (their values are the standard's `LegalBasis` values, as tokens and the access log carry
    them), or an agency admin, who reads no citizen data at all."""

    STATUTE = LegalBasis.STATUTE.value  # client credentials; the card's legal basis is a law
    CONSENT = LegalBasis.CONSENT.value  # authorization code; the citizen consented
    CITIZEN = LegalBasis.CITIZEN.value  # the citizen reading their own data (portal session)
    # The gateway's own reads (a death check at login), under the statute that allows each.
    # Never carried by a token: resolvers/system_reads.py makes these principals.
    SYSTEM = LegalBasis.SYSTEM.value
    AGENCY_ADMIN = "agency_admin"  # an agency managing its registrations

    @property
    def legal_basis(self) -> LegalBasis:
        """The legal basis reads under this basis are recorded with (NONE for an agency admin)."""
        return LegalBasis.NONE if self is Basis.AGENCY_ADMIN else LegalBasis(self.value)


@dataclass(frozen=True, slots=True)
class Principal:
    client_id: str
    agency: str
    basis: Basis
    scopes: frozenset[str]
    token_id: str
    service_card: str | None = None
    # The citizen behind the token (consent or self), None for statutory and admin clients.
    citizen: str | None = None
    consent_id: str | None = None
    # Statutory reads name the law (from the service card) and, per request, the case.
    statute: str | None = None
    case_reference: str | None = None
    # Consent tokens: the Grant they were issued under, and whose data they read (the citizen,
    # or the child a parent consented for).
    grant_id: str | None = None
    subject: str | None = None
    # The RFC 7638 thumbprint of the key a DPoP-bound token was proven with.
    dpop_jkt: str | None = None
    # Consent tokens: the consent's standing as read from the store for this request. None means
    # unchecked, and an unchecked consent reads nothing.
    consent_status: ConsentStatus | None = None
    # The query cost budget the client's registration sets (the `query_budget` claim); None: the
    # gateway's default.
    query_budget: int | None = None
    # An agency console viewer (auth.accounts.staff): the agency admin's reads, none of its
    # changes.
    read_only: bool = False
    # When the token stops being valid (its `exp`, seconds since the epoch): what a long-lived
    # connection, such as a subscription, is held to. None for a portal session's principal.
    expires_at: float | None = None
