"""A client address as every per-address count sees it (the rate limits, the login throttles).

An IPv6 host usually holds a whole /64 and can send each request from a new address of it, so an
IPv6 address counts as its /64 network; an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a
dual-stack socket reports) counts as its IPv4 address. Anything that is not an IP address (a test
client's name, `unknown`) counts as written.
"""

from __future__ import annotations

import ipaddress

IPV6_NETWORK_PREFIX = 64


def address_key(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip), IPV6_NETWORK_PREFIX), strict=False))
    return str(ip)
