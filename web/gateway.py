"""What the pages and routes of the edge use of the running gateway (`server.Gateway`), looked up
on the app in this one place and passed down from here: nothing below the edge looks it up."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from audit.sink import AuditSink
from auth.accounts.login import Authenticator
from auth.consent.guardianship import BirthRecords
from auth.core.keys import KeyRing
from auth.core.system_checks import DeathCheck
from auth.oauth.server import DarvazehAuthorizationServer
from auth.rate_limits import RatePolicy
from auth.resource.case_reference import CaseReferencePolicy
from datasources.registry import Registry
from settings import Settings


class GatewayServices(Protocol):
    """Read-only views, so the gateway may hold any implementation of each."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...

    @property
    def keyring(self) -> KeyRing: ...

    @property
    def registry(self) -> Registry:
        """The data sources: their record types and shared health (the catalogue's coverage)."""
        ...

    @property
    def authorization_server(self) -> DarvazehAuthorizationServer: ...

    @property
    def rates(self) -> RatePolicy: ...

    @property
    def case_references(self) -> CaseReferencePolicy: ...

    @property
    def authenticator(self) -> Authenticator:
        """The citizens' password check, or a national sign-on."""
        ...

    @property
    def deaths(self) -> DeathCheck:
        """The civil registry's death check (logins, consents)."""
        ...

    @property
    def audit_sink(self) -> AuditSink | None:
        """Where reads are recorded; None only with the access log off (benchmarks)."""
        ...

    @property
    def births(self) -> BirthRecords:
        """The civil registry's birth records (guardianship)."""
        ...


def gateway(connection: HTTPConnection) -> GatewayServices:
    """The gateway the lifespan put on the app."""
    found: GatewayServices = connection.app.state.gateway
    return found
