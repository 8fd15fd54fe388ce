"""Who may manage registrations: an agency admin client, and only its own agency's."""

from __future__ import annotations

from auth.core.principal import Basis, Principal
from resolvers.context import RequestContext
from standard.errors import DarvazehError, ErrorCode, Refused
from store.models import Agency as AgencyRow
from store.registrations import id_taken, not_owned


def require_agency_admin(context: RequestContext) -> Principal:
    """The asking agency admin; FORBIDDEN for any other token (UNAUTHENTICATED without one)."""
    principal = context.require_principal()
    if principal.basis is not Basis.AGENCY_ADMIN:
        raise DarvazehError(
            "only an agency admin token (scope agency.admin) may do this", code=ErrorCode.FORBIDDEN
        )
    return principal


def require_agency_changer(context: RequestContext) -> Principal:
    """The asking agency admin, when it may change things: an agency console VIEWER may not."""
    principal = require_agency_admin(context)
    if principal.read_only:
        raise DarvazehError(
            "a viewer may look but not change anything; ask an admin of your agency",
            code=ErrorCode.FORBIDDEN,
        )
    return principal


def not_yours(principal: Principal, what: str, object_id: str) -> Refused:
    """The one refusal for an id the asking agency does not own, whether another agency owns it
    or nobody does: the answer never tells the two apart."""
    return Refused([not_owned(principal.agency, what, object_id)])


def taken(what: str, object_id: str) -> Refused:
    """Registering under an id another agency holds (ids are shared by all agencies)."""
    return Refused([id_taken(what, object_id)])


def require_own_agency(principal: Principal, agency: str, what: str, object_id: str) -> None:
    """An agency touches only its own registrations; refused as if the id did not exist."""
    if agency != principal.agency:
        raise not_yours(principal, what, object_id)


async def own_agency(context: RequestContext) -> AgencyRow:
    """The asking admin's agency, as stored."""
    principal = require_agency_admin(context)
    async with context.sessions() as session:
        row: AgencyRow | None = await session.get(AgencyRow, principal.agency)
    if row is None:  # a client outliving its agency: refuse rather than guess
        message = f"agency {principal.agency!r} is not registered"
        raise DarvazehError(message, code=ErrorCode.FORBIDDEN)
    return row
