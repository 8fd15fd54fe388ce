"""The stress run's judging (never timings): RSS drift, the kill and outage verdicts, and the
load generator's reading of an answer."""

from __future__ import annotations

from typing import Any

import pytest

from bench import stress_report
from bench.stress_load import answer_line


def _answer(t: float, errors: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    return {"t": t, "status": 200, "id": f"r{t}", "ms": 100.0, "read": True,
            "errors": errors or [], "open": False} | changes  # fmt: skip


def test_rss_drift_compares_the_first_and_last_quarter() -> None:
    flat = [(float(t), 100_000 + (t % 3)) for t in range(40)]
    assert stress_report.rss_drift(flat)["ok"]
    growing = [(float(t), 100_000 + 1_000 * t) for t in range(40)]
    drift = stress_report.rss_drift(growing)
    assert not drift["ok"] and drift["drift"] > 0.1
    with pytest.raises(ValueError):
        stress_report.rss_drift(flat[:3])


def test_an_answer_without_audit_records_fails_the_kill() -> None:
    answers = [_answer(1), _answer(2), _answer(3, status=0, id="", read=False)]
    verify = {"exit_code": 0, "summary": "intact"}
    kept = stress_report.kill(answers, 1.5, 2.5, {"r1", "r2"}, verify)
    assert kept["ok"] and kept["answered"] == 2 and kept["no_answer"] == 1
    lost = stress_report.kill(answers, 1.5, 2.5, {"r1"}, verify)
    assert not lost["ok"] and lost["missing_examples"] == ["r2"]
    assert not stress_report.kill(answers, 1.5, 2.5, {"r1", "r2"}, verify | {"exit_code": 1})["ok"]
    anonymous = [*answers, _answer(4, id="")]  # an answer without Darvazeh-Request-Id
    assert not stress_report.kill(anonymous, 1.5, 2.5, {"r1", "r2"}, verify)["ok"]


def test_outage_verdict() -> None:
    education = ["citizen.schoolEnrollment:SOURCE_UNAVAILABLE"]
    answers = [
        _answer(1),
        _answer(11, education, open=True),
        _answer(12, education, open=True),
        _answer(21, education, open=True),
        _answer(23),
        _answer(23.05, education, open=True, ms=200.0),  # in flight when the circuit closed
        _answer(24),
    ]
    verdict = stress_report.outage(answers, 10, 20, cooldown=5, slack=0)
    assert verdict["ok"], verdict
    assert verdict["breaker_opened_after_s"] == 1 and verdict["recovered_after_s"] == 3
    late = stress_report.outage(answers, 10, 20, cooldown=2, slack=0)
    assert not late["ok"]
    other = [*answers[:2], _answer(13, ["citizen.identity:SOURCE_UNAVAILABLE"]), *answers[2:]]
    assert stress_report.outage(other, 10, 20, 5, 0)["other_fields_failed_during_outage"] == 1
    relapse = [*answers, _answer(30, education, ms=10.0)]
    assert stress_report.outage(relapse, 10, 20, 5, 0)["errors_after_recovery"] == 1


def test_answer_line_names_each_error_and_an_open_circuit() -> None:
    body = {
        "data": {"citizen": {"nationalId": "0012345679"}},
        "errors": [
            {
                "message": "circuit open (3 failures); next trial call after 12:00:01",
                "path": ["citizen", "schoolEnrollment"],
                "extensions": {"code": "SOURCE_UNAVAILABLE"},
            }
        ],
    }
    line = answer_line(200, "abc", 12.34, body)
    assert line["read"] and line["open"] and line["id"] == "abc"
    assert line["errors"] == ["citizen.schoolEnrollment:SOURCE_UNAVAILABLE"]
    assert not answer_line(200, "x", 1, {"data": {"citizen": None}})["read"]
