"""Fixtures of the attack tests beyond tests/conftest.py's running gateway: the OAuth protocol
store and client flow of tests/auth/fixtures.py, shared rather than rebuilt."""

from tests.auth.fixtures import flow, protocol_store  # noqa: F401
from tests.web.test_nats_events import bus_factory  # noqa: F401 - life events over NATS
