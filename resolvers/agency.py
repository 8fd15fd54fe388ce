"""Who may manage registrations: an agency admin client, and only its own agency's."""

from __future__ import annotations

from auth.principal import Basis, Principal
from resolvers.context import RequestContext
from resolvers.errors import ErrorCode, field_error
from store.models import Agency as AgencyRow


def require_agency_admin(context: RequestContext) -> Principal:
    """The asking agency admin; FORBIDDEN for any other token (UNAUTHENTICATED without one)."""
    principal = context.require_principal()
    if principal.basis is not Basis.AGENCY_ADMIN:
        raise field_error(
            ErrorCode.FORBIDDEN, "only an agency admin token (scope agency.admin) may do this"
        )
    return principal


def require_own_agency(principal: Principal, agency: str, what: str) -> None:
    """An agency touches only its own registrations; the error doesn't say whose it is."""
    if agency != principal.agency:
        message = f"{what} belongs to another agency"
        raise field_error(ErrorCode.REGISTRATION_REFUSED, message, problems=[message])


async def own_agency(context: RequestContext) -> AgencyRow:
    """The asking admin's agency, as stored."""
    principal = require_agency_admin(context)
    async with context.sessions() as session:
        row = await session.get(AgencyRow, principal.agency)
    if row is None:  # a client outliving its agency: refuse rather than guess
        raise field_error(ErrorCode.FORBIDDEN, f"agency {principal.agency!r} is not registered")
    return row
