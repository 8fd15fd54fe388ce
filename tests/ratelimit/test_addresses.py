"""A client address as the per-address counts see it."""

from __future__ import annotations

import pytest

from ratelimit.addresses import address_key


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::ffff", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("::1", "::/64"),
        ("unknown", "unknown"),
        ("testclient", "testclient"),
    ],
)
def test_address_key(address: str, key: str) -> None:
    assert address_key(address) == key
