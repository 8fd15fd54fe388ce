"""An agency's console staff: its admin (a client, or an ADMIN in the console) adds them, lists
them, and disables or enables them. The CLI (`darvazeh-agency staff add`), the GraphQL API and
the console all come here, so an account is checked one way."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from auth.accounts.staff import StaffDraft, create_staff, list_staff, set_staff_enabled
from resolvers.agency import require_agency_admin, require_agency_changer
from resolvers.context import RequestContext
from standard.errors import Refused
from store.db import transaction
from store.staff_models import StaffAccount


async def add_staff(
    context: RequestContext, *, username: str, role: str, display_name: str, password: str
) -> StaffAccount:
    """A staff account of the asking admin's own agency (never another's)."""
    principal = require_agency_changer(context)
    draft = StaffDraft(
        username=username.strip().lower(),
        agency=principal.agency,
        role=role.strip().upper(),
        display_name=display_name,
        password=password,
    )
    try:
        async with transaction(context.sessions) as session:
            return await create_staff(session, draft, created_by=principal.client_id)
    except IntegrityError:  # the same username added at the same moment elsewhere
        raise Refused([f"username: {draft.username!r} is taken; choose another"]) from None


async def staff_of_agency(context: RequestContext) -> list[StaffAccount]:
    principal = require_agency_admin(context)
    return await list_staff(context.sessions, principal.agency)


async def set_enabled(context: RequestContext, username: str, enabled: bool) -> StaffAccount:
    principal = require_agency_changer(context)
    async with transaction(context.sessions) as session:
        return await set_staff_enabled(session, username, agency=principal.agency, enabled=enabled)
