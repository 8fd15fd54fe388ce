"""The auth tests' fixtures (defined in tests/auth/fixtures.py, shared with tests/security/)."""

from tests.auth.fixtures import (  # noqa: F401
    empty_store,
    flow,
    http,
    keyring,
    protocol_store,
    server,
    world,
)
