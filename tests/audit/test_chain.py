"""The chain's hash: SHA-256 over canonical JSON (keys sorted, no spaces, UTF-8 unescaped), the
same bytes the standard library's json writes, whatever the values hold; and linking numbers
and hashes records as each stored record's own hash says."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.chain import GENESIS_HASH, Head, digest, link
from store.audit_models import HASHED, utc_timestamp

_TEXT = st.text(max_size=40)
_MAYBE = st.none() | _TEXT


def _reference(canonical: dict[str, Any]) -> str:
    """The definition: json's canonical spelling, hashed."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_CANONICAL = st.fixed_dictionaries(
    {
        "chain_id": _TEXT,
        "seq": st.integers(1, 2**62),
        "occurred_at": _TEXT,
        "request_id": _TEXT,
        "subject": _TEXT,
        "datasets": st.lists(_TEXT, max_size=4),
        "fields": st.lists(_TEXT, max_size=6),
        "purpose": _MAYBE,
        "reason": _MAYBE,
        "prev_hash": _TEXT,
    }
)


@settings(max_examples=300, deadline=None)
@given(_CANONICAL)
def test_digest_is_the_hash_of_json_canonical_spelling(canonical: dict[str, Any]) -> None:
    try:
        expected = _reference(canonical)
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 spelling, so no hash either way
        return
    assert digest(canonical) == expected


def test_control_characters_quotes_and_persian_hash_as_json_spells_them() -> None:
    canonical = {"reason": 'a "b" \\ \n\t\x00\x1f\x7f \u2028 ثبت احوال', "seq": 1}
    assert digest(canonical) == _reference(canonical)


def test_link_numbers_chains_and_hashes_each_row() -> None:
    tehran = timezone(timedelta(hours=3, minutes=30))
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=tehran)
    base = {name: None for name in HASHED if name not in ("chain_id", "seq", "prev_hash")}
    rows = [
        base | {"occurred_at": moment, "subject": subject, "datasets": ["civil.identity"],
                "fields": [], "request_id": "r", "outcome": "GRANTED"}
        for subject in ("0012345679", "0023456781")
    ]  # fmt: skip
    linked, head = link("chain-1", Head(), rows)
    assert head.seq == 2 and head.hash == linked[-1]["hash"]
    previous = GENESIS_HASH
    for seq, record in enumerate(linked, start=1):
        assert record["seq"] == seq and record["prev_hash"] == previous
        canonical = {name: record[name] for name in HASHED}
        canonical["occurred_at"] = utc_timestamp(moment)  # in UTC, whatever the zone given
        assert record["hash"] == _reference(canonical)
        previous = record["hash"]
    assert utc_timestamp(moment) == utc_timestamp(moment.astimezone(UTC))
