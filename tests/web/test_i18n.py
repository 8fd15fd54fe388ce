"""web.i18n: page strings in the reader's language, with numbers in the reader's digits."""

from __future__ import annotations

from web.i18n import text


def test_numbers_put_in_a_string_are_in_the_readers_digits() -> None:
    persian = text("fa", "login_rate_limited", seconds=45)
    assert "۴۵" in persian and "45" not in persian
    assert "45" in text("en", "login_rate_limited", seconds=45)
    # Text put in stays as it is (a name may hold Latin digits on purpose).
    assert "demo-client-2" in text("fa", "dev_demo_issued", client="demo-client-2", seconds=300)
