"""Where a source may connect: allow-list entries, host names as compared, and the addresses no
source may ever reach, whatever the allow-list says."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

from datasources.base import RegistrationError

IPAddress = IPv4Address | IPv6Address
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

# Never a source: "this host" (0.0.0.0 reaches every local service), link-local (the cloud
# metadata service lives at 169.254.169.254), multicast, reserved and broadcast, and the metadata
# addresses some clouds keep elsewhere.
NEVER_REACHABLE = tuple(
    ip_network(network)
    for network in (
        "0.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "100.100.100.200/32",
        "::/128",
        "fe80::/10",
        "ff00::/8",
        "fd00:ec2::254/128",
    )
)
# The one name that may lead to this machine; any other name resolving to loopback is refused.
LOOPBACK_NAME = "localhost"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")
_DATABASE = re.compile(r"[A-Za-z0-9_$.-]{1,64}")
RESOLVE_CACHE_SECONDS = 30.0


class PolicyRefusal(RegistrationError):
    """A connection outside the operator's policy. The message names the rule broken and never
    what exists on the host (whether a file or a database is there, what a name resolves to)."""


def normal_host(text: str) -> str:
    """The host as the policy compares it: an IP address in its canonical form, or a lower-case
    DNS name. Numeric spellings resolvers also accept (2130706433, 0x7f000001, 127.1, 0177.0.0.1)
    and anything that is not a plain host name are refused."""
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return str(unmapped(ip_address(host)))
    except ValueError:
        pass
    name = host.lower().removesuffix(".")
    if not _HOST_NAME.fullmatch(name) or name.rpartition(".")[2].isdigit() or _numeric(name):
        raise PolicyRefusal(f"{text!r} is not a plain host name or IP address")
    return name


def _numeric(name: str) -> bool:
    """Would the C resolver read this name as an IPv4 address (hex, octal, short forms)?"""
    try:
        socket.inet_aton(name)
    except OSError:
        return False
    return True


def unmapped(address: IPAddress) -> IPAddress:
    """::ffff:169.254.169.254 is 169.254.169.254."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def literal(host: str) -> IPAddress | None:
    """The address `host` spells, if it is an IP address rather than a name."""
    try:
        return ip_address(host)
    except ValueError:
        return None


def never_reachable(address: IPAddress) -> bool:
    address = unmapped(address)
    return any(address in network for network in NEVER_REACHABLE)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One allow-list entry: a host and port, and for a SQL server optionally one database."""

    host: str
    port: int
    database: str | None = None

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        """`host:port` or `host:port/database`; an IPv6 address in brackets (`[::1]:5432`)."""
        where, slash, database = text.strip().partition("/")
        if where.startswith("["):
            host, separator, port = where[1:].partition("]:")
        else:
            host, separator, port = where.rpartition(":")
            if ":" in host:
                raise ValueError(f"{text!r}: write an IPv6 address in brackets, [::1]:5432")
        if not separator or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{text!r} is not host:port or host:port/database")
        if slash and not _DATABASE.fullmatch(database):
            raise ValueError(f"{text!r}: the database name is empty or has odd characters")
        try:
            normal = normal_host(host)
        except PolicyRefusal as refusal:
            raise ValueError(f"{text!r}: {refusal}") from None
        address = literal(normal)
        if address is not None and never_reachable(address):
            raise ValueError(f"{text!r}: that address is never a data source")
        return cls(normal, int(port), database if slash else None)

    def admits(self, host: str, port: int, database: str | None) -> bool:
        """Does this entry allow `host` (as normal_host gives it), `port` and `database`?
        An entry naming a database admits only SQL connections to that database."""
        if (self.host, self.port) != (host, port):
            return False
        return self.database is None or self.database == database

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" + (f"/{self.database}" if self.database else "")


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for `host` (asynchronously)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: dict[IPAddress, None] = {}
    for *_, sockaddr in infos:
        found[ip_address(str(sockaddr[0]).partition("%")[0])] = None
    return list(found)


class AddressRules:
    """The check made on every address a source is about to use, at registration and again at
    each new connection: resolution happens here, so a name that later resolves elsewhere is
    caught when it matters."""

    def __init__(
        self, resolver: Resolver = system_resolver, cache_seconds: float = RESOLVE_CACHE_SECONDS
    ) -> None:
        self._resolver = resolver
        self._cache_seconds = cache_seconds
        self._cache: dict[tuple[str, int], tuple[float, list[IPAddress]]] = {}

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        """The addresses of `host` (normal_host form), from a short-lived cache."""
        address = literal(host)
        if address is not None:
            return [unmapped(address)]
        now = time.monotonic()
        cached = self._cache.get((host, port))
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            found = [unmapped(address) for address in await self._resolver(host, port)]
        except OSError:
            raise PolicyRefusal(f"the host name {host!r} does not resolve") from None
        if not found:
            raise PolicyRefusal(f"the host name {host!r} does not resolve")
        self._cache[(host, port)] = (now + self._cache_seconds, found)
        return found

    async def check(self, host: str, port: int) -> list[IPAddress]:
        """The addresses `host` may be reached at; PolicyRefusal if any of them is one no source
        may use."""
        addresses = await self.resolve(host, port)
        if any(never_reachable(address) for address in addresses):
            raise PolicyRefusal(
                f"{host!r} leads to an address no data source may use (this-host, link-local "
                "or cloud metadata, multicast or reserved)"
            )
        named = literal(host) is None
        if named and host != LOOPBACK_NAME and any(a.is_loopback for a in addresses):
            raise PolicyRefusal(
                f"the host name {host!r} leads to this machine; only {LOOPBACK_NAME!r} or a "
                "loopback address may, and only where the allow-list names it"
            )
        return addresses
