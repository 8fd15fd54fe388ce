"""`darvazeh-agency`'s commands for the agency console's side: the sources' health (why a source
is DOWN, in its agency's words) and the agency's console staff accounts. Over GraphQL, as every
other command."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

HEALTH = (
    "status breaker lastError lastFailureAt lastSuccessAt calls errorRate latencyP50Ms "
    "latencyP95Ms probeOk probedAt"
)
STAFF = "username agency role displayName enabled createdBy createdAt"

Call = Callable[[str, dict[str, Any] | None], dict[str, Any]]


def add_parsers(groups: Any) -> None:
    """`sources health` is added by the sources group; this adds the `staff` group."""
    staff = groups.add_parser("staff", help="agency console accounts").add_subparsers(
        dest="command", required=True
    )
    staff.add_parser("list")
    add = staff.add_parser("add", help="the password is read from standard input")
    add.add_argument("username")
    add.add_argument("--role", choices=["VIEWER", "ADMIN"], default="VIEWER")
    add.add_argument("--name", required=True, help="the person's name, as the console shows it")
    for name in ("disable", "enable"):
        staff.add_parser(name).add_argument("username")


def sources_health(call: Call) -> list[dict[str, Any]]:
    """Each of the agency's sources with its health; a source not served says why."""
    query = (
        "{ agencyRegistrations { dataSources { id recordType enabled notServed "
        f"health {{ {HEALTH} }} }} }} }}"
    )
    return list(call(query, None)["agencyRegistrations"]["dataSources"])


def _password() -> str:
    # Never an argument: arguments show up in process lists.
    if sys.stdin.isatty():
        return getpass.getpass("password for the new account: ")
    return sys.stdin.readline().rstrip("\n")


def staff(call: Call, command: str, args: argparse.Namespace) -> Any:
    if command == "list":
        return call(f"{{ agencyStaff {{ {STAFF} }} }}", None)["agencyStaff"]
    if command == "add":
        query = f"mutation($s: StaffAccountInput!) {{ addStaffAccount(input: $s) {{ {STAFF} }} }}"
        account = {
            "username": args.username,
            "role": args.role,
            "displayName": args.name,
            "password": _password(),
        }
        return call(query, {"s": account})["addStaffAccount"]
    query = (
        "mutation($u: String!, $e: Boolean!) "
        f"{{ setStaffAccountEnabled(username: $u, enabled: $e) {{ {STAFF} }} }}"
    )
    variables = {"u": args.username, "e": command == "enable"}
    return call(query, variables)["setStaffAccountEnabled"]
