"""The OAuth routes' tests use the auth tests' store and server (tests/auth/fixtures.py)."""

from tests.auth.fixtures import http, keyring, server, world  # noqa: F401
