"""Who is asking: the verified identity behind a request's access token."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CASE_REFERENCE_HEADER = "Darvazeh-Case-Reference"


class Basis(StrEnum):
    """The legal basis a token reads under, fixed when the token is issued."""

    STATUTE = "statute"  # client credentials; the service card's legal basis is a law
    CONSENT = "consent"  # authorization code; the citizen consented (issue 3)
    CITIZEN = "citizen"  # the citizen reading their own data (issue 3)
    AGENCY_ADMIN = "agency_admin"  # an agency managing its registrations
    # The gateway's own reads (a death check at login), under the statute that allows each.
    # Never carried by a token: resolvers/system_reads.py makes these principals.
    SYSTEM = "system"


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
    # Consent tokens: the consent's state as read from the store for this request (ACTIVE,
    # REVOKED, EXPIRED). None means unchecked, and an unchecked consent reads nothing.
    consent_status: str | None = None
    # The query cost budget the client's registration sets (the `query_budget` claim); None: the
    # gateway's default.
    query_budget: int | None = None
