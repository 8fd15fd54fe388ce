"""What the pages and routes of the edge use of the running gateway (`server.Gateway`), looked up
on the app in this one place and passed down from here: nothing below the edge looks it up."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from auth.accounts.login import Authenticator
from auth.consent.guardianship import BirthRecords
from auth.core.keys import KeyRing
from auth.core.system_checks import DeathCheck
from auth.oauth.server import DarvazehAuthorizationServer
from auth.rate_limits import RatePolicy
from auth.resource.case_reference import CaseReferencePolicy
from settings import Settings


class GatewayServices(Protocol):
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    keyring: KeyRing
    authorization_server: DarvazehAuthorizationServer
    rates: RatePolicy
    case_references: CaseReferencePolicy
    authenticator: Authenticator  # the citizens' password check, or a national sign-on
    deaths: DeathCheck  # the civil registry's death check (logins, consents)
    births: BirthRecords  # the civil registry's birth records (guardianship)


def gateway(connection: HTTPConnection) -> GatewayServices:
    """The gateway the lifespan put on the app."""
    found: GatewayServices = connection.app.state.gateway
    return found
