"""web.websocket_slots: a worker's open WebSockets, bounded in all and per client address."""

from __future__ import annotations

from web.websocket_slots import WebSocketSlots


def test_each_bound_holds_and_a_slot_given_back_is_free_again() -> None:
    slots = WebSocketSlots(total=3, per_address=2)
    first, second = slots.take("192.0.2.1"), slots.take("192.0.2.1")
    assert first == second == "192.0.2.1"
    assert slots.take("192.0.2.1") is None  # per address
    assert slots.take("192.0.2.2") == "192.0.2.2"
    assert slots.take("192.0.2.3") is None  # in all
    slots.give_back("192.0.2.1")
    assert slots.take("192.0.2.3") == "192.0.2.3"
    assert slots.open == 3


def test_an_ipv6_network_is_one_address() -> None:
    slots = WebSocketSlots(total=10, per_address=2)
    assert slots.take("2001:db8::1") == slots.take("2001:db8::2") == "2001:db8::/64"
    assert slots.take("2001:db8::ffff") is None
    assert slots.take("2001:db8:0:1::1") == "2001:db8:0:1::/64"
