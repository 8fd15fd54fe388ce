"""A case's explanation in Persian (Persian digits, Solar Hijri dates) and English."""

from __future__ import annotations

from services.proactive.explain import explain
from standard.statuses import ProactiveMode
from tests.services.proactive.support import CIVIL, explanation

NAMES = {CIVIL: ("ثبت احوال", "Civil Registry")}


def test_a_birth_notice_says_what_happened_and_why_in_both_languages() -> None:
    said = explain(explanation("newborn", ProactiveMode.NOTIFY, birth="2026-04-01"), NAMES)
    fa, en = " ".join(said.fa), " ".join(said.en)
    assert "ثبت احوال در ۱۲ فروردین ۱۴۰۵ رویداد «ثبت ولادت» را گزارش کرد." in fa
    assert "تاریخ تولد: ۱۲ فروردین ۱۴۰۵" in fa and "بیمه سلامت نوزاد" in fa
    assert "2026" not in fa and "1405" not in fa  # Persian digits, Solar Hijri
    assert "Civil Registry recorded “Birth registered” on 1 April 2026." in en
    assert "Newborn health insurance" in en and "Social Security Act, art. 3" in en
    assert "without any request" in en
    assert len(said.fa) == len(said.en)


def test_an_offer_with_a_reference_date_and_a_malformed_explanation() -> None:
    stored = explanation("school", ProactiveMode.CONFIRM) | {"referenceDate": "1405-07-01"}
    said = explain(stored | {"event": dict(stored["event"], channel="AGE_SCAN")}, NAMES)
    assert "1 Mehr 1405 (23 September 2026)" in " ".join(said.en)
    assert "۱ مهر ۱۴۰۵" in " ".join(said.fa)
    assert "nothing happens until you confirm" in said.en[-1]
    # Odd JSON leaves parts out; it never fails the citizen's page.
    odd = explain({"event": "x", "card": {"mode": "NOPE"}, "facts": [1, {"value": None}]})
    assert odd.en and len(odd.fa) == len(odd.en)
