"""Judging the stress run: the answers `bench.stress_load` wrote down and the RSS samples, turned
into figures with a verdict each; the table on stdout and bench/stress.json."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from settings import ROOT

RESULTS = ROOT / "bench" / "stress.json"
RSS_TOLERANCE = 0.10  # the last quarter's RSS within 10 % of the first's
EDUCATION_PATH = "citizen.schoolEnrollment"

Answer = dict[str, Any]


def read_answers(path: Path) -> list[Answer]:
    with path.open() as lines:
        return [json.loads(line) for line in lines if line.strip()]


def failed(answer: Answer) -> bool:
    """Not a clean answer: no answer, not HTTP 200, the citizen not read, or any error."""
    return answer["status"] != 200 or not answer["read"] or bool(answer["errors"])


def started(answer: Answer) -> float:
    return float(answer["t"]) - float(answer["ms"]) / 1000


def percentile(values: Sequence[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 1)


def latency(answers: Iterable[Answer]) -> dict[str, float | None]:
    ms = [answer["ms"] for answer in answers if answer["status"]]
    return {
        "p50_ms": percentile(ms, 0.5),
        "p95_ms": percentile(ms, 0.95),
        "max_ms": round(max(ms), 1) if ms else None,
    }


def rss_drift(samples: Sequence[tuple[float, int]]) -> dict[str, Any]:
    """Mean RSS (kB) of the first and last quarter of the sampling window, and the drift."""
    if len(samples) < 8:
        raise ValueError(f"too few RSS samples ({len(samples)}) to judge")
    start, end = samples[0][0], samples[-1][0]
    quarter = (end - start) / 4
    first = [kb for t, kb in samples if t <= start + quarter]
    last = [kb for t, kb in samples if t >= end - quarter]
    first_mean, last_mean = statistics.fmean(first), statistics.fmean(last)
    drift = (last_mean - first_mean) / first_mean
    return {
        "first_quarter_mb": round(first_mean / 1024, 1),
        "last_quarter_mb": round(last_mean / 1024, 1),
        "min_mb": round(min(kb for _, kb in samples) / 1024, 1),
        "max_mb": round(max(kb for _, kb in samples) / 1024, 1),
        "drift": round(drift, 4),
        "samples": len(samples),
        "ok": abs(drift) <= RSS_TOLERANCE,
    }


def soak(answers: Sequence[Answer], seconds: float, rss: dict[str, Any]) -> dict[str, Any]:
    errors = [answer for answer in answers if failed(answer)]
    return {
        "answers": len(answers),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "requests_per_second": round(len(answers) / seconds, 1),
        **latency(answers),
        "rss": rss,
        "ok": not errors and rss["ok"],
    }


def answered(answers: Iterable[Answer]) -> list[Answer]:
    """Requests the client got a reading answer for: each must have left audit records."""
    return [a for a in answers if a["status"] == 200 and a["read"]]


def answered_ids(answers: Iterable[Answer]) -> list[str]:
    return [a["id"] for a in answered(answers) if a["id"]]


def kill(
    answers: Sequence[Answer],
    killed_at: float,
    back_at: float,
    audited: set[str],
    verify: dict[str, Any],
) -> dict[str, Any]:
    read = answered(answers)
    ids = answered_ids(read)
    missing = [request_id for request_id in ids if request_id not in audited]
    return {
        "answered": len(read),
        "answered_without_request_id": len(read) - len(ids),
        # By when the request was sent: the killed process answered those sent before the kill.
        "answered_before_kill": sum(1 for a in read if started(a) < killed_at),
        "answered_after_restart": sum(1 for a in read if started(a) >= killed_at),
        "no_answer": sum(1 for a in answers if a["status"] == 0),
        "restart_seconds": round(back_at - killed_at, 2),
        "answered_without_audit_records": len(missing),
        "missing_examples": missing[:5],
        "audit_verify": verify,
        "ok": bool(read) and len(ids) == len(read) and not missing and verify["exit_code"] == 0,
    }


def outage(
    answers: Sequence[Answer], down_at: float, back_at: float, cooldown: float, slack: float
) -> dict[str, Any]:
    """The education agency away from down_at to back_at: the other fields answer throughout,
    and education's fields come back at most a breaker cool-down (plus slack) after it returns."""
    before = [a for a in answers if a["t"] < down_at]
    during = [a for a in answers if down_at <= a["t"] < back_at]
    after = [a for a in answers if a["t"] >= back_at]
    others_failed = [a for a in during if not _only_education_failed(a)]
    opened = [a["t"] for a in during if a["open"]]
    recovered = next((a["t"] for a in after if not failed(a)), None)
    recovered_after = round(recovered - back_at, 2) if recovered is not None else None
    # Requests already in flight when the trial call closed the circuit may still have found it
    # open; a relapse is a failure of a request sent after the recovery.
    relapses = [a for a in after if recovered is not None and started(a) > recovered and failed(a)]
    return {
        "answers_before": len(before),
        "errors_before": sum(1 for a in before if failed(a)),
        "answers_during_outage": len(during),
        "other_fields_failed_during_outage": len(others_failed),
        "education_unavailable_during_outage": sum(1 for a in during if a["errors"]),
        "breaker_opened_after_s": round(opened[0] - down_at, 2) if opened else None,
        "latency_before": latency(before),
        "latency_during_outage": latency(during),
        "down_seconds": round(back_at - down_at, 2),
        "recovered_after_s": recovered_after,
        "recovery_limit_s": cooldown + slack,
        "errors_after_recovery": len(relapses),
        "ok": bool(before and during)
        and not [a for a in before if failed(a)]
        and not others_failed
        and bool(opened)
        and recovered_after is not None
        and recovered_after <= cooldown + slack
        and not relapses,
    }


def _only_education_failed(answer: Answer) -> bool:
    """Read, HTTP 200, and every error (if any) on the education agency's field."""
    return (
        answer["status"] == 200
        and answer["read"]
        and all(error.startswith(EDUCATION_PATH) for error in answer["errors"])
    )


def _mark(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def table(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    soak_, kill_, outage_ = summary["soak"], summary["kill"], summary["outage"]
    rss = soak_["rss"]
    return [
        (
            f"{summary['setup']['soak_clients']} clients, {summary['setup']['soak_seconds']:g} s",
            f"{soak_['answers']:,} answers, {soak_['errors']} errors, "
            f"{soak_['requests_per_second']} req/s, p50 {soak_['p50_ms']} ms, "
            f"p95 {soak_['p95_ms']} ms",
            _mark(not soak_["errors"]),
        ),
        (
            "gateway RSS, first vs last quarter",
            f"{rss['first_quarter_mb']} -> {rss['last_quarter_mb']} MB "
            f"({rss['drift']:+.1%}; limit ±{RSS_TOLERANCE:.0%})",
            _mark(rss["ok"]),
        ),
        (
            "SIGKILL mid-load, restart",
            f"{kill_['answered']:,} answered ({kill_['answered_before_kill']:,} sent before "
            f"the kill, {kill_['answered_after_restart']:,} after), back in "
            f"{kill_['restart_seconds']} s; "
            f"{kill_['answered_without_audit_records']} without audit records, "
            f"{kill_['answered_without_request_id']} without a request id",
            _mark(
                kill_["answered"] > 0
                and kill_["answered_without_audit_records"] == 0
                and kill_["answered_without_request_id"] == 0
            ),
        ),
        (
            "make audit-verify after the kill",
            f"exit {kill_['audit_verify']['exit_code']}: {kill_['audit_verify']['summary']}",
            _mark(kill_["audit_verify"]["exit_code"] == 0),
        ),
        (
            f"education down {outage_['down_seconds']:g} s",
            f"{outage_['answers_during_outage']:,} answers, "
            f"{outage_['other_fields_failed_during_outage']} with another field failing; "
            f"breaker open after {outage_['breaker_opened_after_s']} s",
            _mark(
                outage_["other_fields_failed_during_outage"] == 0
                and outage_["answers_during_outage"] > 0
            ),
        ),
        (
            "education back",
            f"fields back after {outage_['recovered_after_s']} s "
            f"(limit {outage_['recovery_limit_s']:g} s: cool-down + slack), "
            f"{outage_['errors_after_recovery']} errors after",
            _mark(outage_["ok"]),
        ),
    ]


def print_table(summary: dict[str, Any]) -> None:
    rows = table(summary)
    width = max(len(name) for name, _, _ in rows)
    print()
    for name, figure, verdict in rows:
        print(f"  {name:<{width}}  {verdict:<4}  {figure}")
    print(f"\n  overall: {_mark(summary['ok'])}")


def save(summary: dict[str, Any], path: Path = RESULTS) -> None:
    path.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
