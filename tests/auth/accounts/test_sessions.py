"""auth.accounts.sessions: new session rows keep only a hash of the id; CSRF tokens are bound to
their session's secret and to the kind of page (a citizen's page or the console)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from auth.accounts.sessions import (
    csrf_matches,
    csrf_token_of,
    new_session,
    session_id_hash,
)


def test_a_new_session_row_keeps_the_ids_hash_not_the_id() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    session_id, columns = new_session(now, timedelta(hours=1))
    assert session_id not in columns.values()
    assert columns["id_hash"] == session_id_hash(session_id)
    assert columns["expires_at"] - columns["created_at"] == timedelta(hours=1)
    assert new_session(now, timedelta(hours=1))[0] != session_id


def test_a_csrf_token_fits_only_its_session_and_its_kind_of_page() -> None:
    secret, other = secrets.token_hex(32), secrets.token_hex(32)
    token = csrf_token_of(secret)
    assert csrf_matches(secret, token)
    assert not csrf_matches(other, token)
    assert not csrf_matches(secret, csrf_token_of(secret, b"darvazeh console form v1"))
    assert not csrf_matches(None, token)
    for submitted in ("", None, 12, [token]):
        assert not csrf_matches(secret, submitted)
