"""An agency's console staff and its service clients' secrets, as GraphQL (agency admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers import service_clients, staff
from schema.agency import RegisteredServiceClient, ServiceClient
from store.staff_models import StaffAccount as StaffAccountRow

ClientIdArg = Annotated[str, strawberry.argument(description="One of your agency's clients.")]


@strawberry.type(description="A member of an agency's staff who logs in to the agency console.")
class StaffAccount:
    username: str = strawberry.field(description="The login name, unique across agencies.")
    agency: str = strawberry.field(description="The one agency the account acts for.")
    role: str = strawberry.field(description="VIEWER (looks) or ADMIN (also changes things)")
    display_name: str = strawberry.field(description="The name the console shows.")
    enabled: bool = strawberry.field(description="A disabled account cannot log in.")
    created_by: str = strawberry.field(description="Who added the account.")
    created_at: datetime = strawberry.field(description="When it was added.")

    @classmethod
    def of(cls, row: StaffAccountRow) -> StaffAccount:
        return cls(
            username=row.username,
            agency=row.agency_code,
            role=row.role,
            display_name=row.display_name,
            enabled=row.enabled,
            created_by=row.created_by,
            created_at=row.created_at,
        )


@strawberry.input(description="A new console account for your agency's staff.")
class StaffAccountInput:
    username: str = strawberry.field(description="3 to 40 of a-z, 0-9, '.', '_', '-'.")
    role: str = strawberry.field(description="VIEWER or ADMIN")
    display_name: str = strawberry.field(description="The name the console shows.")
    password: str = strawberry.field(description="12 to 1024 characters; kept as argon2id.")


@strawberry.type
class StaffMutation:
    @strawberry.mutation(
        description="Add a console account for your agency's staff (agency admins); every "
        "problem is named at once."
    )
    async def add_staff_account(
        self,
        info: Info,
        input: Annotated[StaffAccountInput, strawberry.argument(description="The account.")],
    ) -> StaffAccount:
        row = await staff.add_staff(
            info.context,
            username=input.username,
            role=input.role,
            display_name=input.display_name,
            password=input.password,
        )
        return StaffAccount.of(row)

    @strawberry.mutation(
        description="Disable (ending its sessions at once) or enable one of your agency's staff "
        "accounts."
    )
    async def set_staff_account_enabled(
        self,
        info: Info,
        username: Annotated[str, strawberry.argument(description="The account's login name.")],
        enabled: Annotated[bool, strawberry.argument(description="Enable (true) or disable.")],
    ) -> StaffAccount:
        return StaffAccount.of(await staff.set_enabled(info.context, username, enabled))

    @strawberry.mutation(description="Let a disabled service client get tokens again.")
    async def enable_service_client(self, info: Info, client_id: ClientIdArg) -> ServiceClient:
        return ServiceClient.of(await service_clients.set_enabled(info.context, client_id, True))

    @strawberry.mutation(
        description="Give a service client a new secret, shown this once; the old one stops "
        "working at once."
    )
    async def rotate_service_client_secret(
        self, info: Info, client_id: ClientIdArg
    ) -> RegisteredServiceClient:
        row, secret = await service_clients.rotate_secret(info.context, client_id)
        return RegisteredServiceClient(client=ServiceClient.of(row), client_secret=secret)
