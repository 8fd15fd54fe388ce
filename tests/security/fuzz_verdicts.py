"""What every fuzzed answer is held to, in the issue's words: no 5xx, no traceback, every error
coded (`extensions.code` on each, one of `ErrorCode`).

`FuzzLedger.check` fails the Hypothesis example at once on any problem, so Hypothesis shrinks it
and prints the minimal input with the whole exchange.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from standard.errors import ErrorCode
from tests.security.fuzzing import GRAPHQL_PATH, REQUEST_TIMEOUT, Exchange

# What the issue forbids in any answer: a Python traceback, or a frame of one.
TRACEBACK = re.compile(r'Traceback \(most recent call last\)|File "[^"\n]+", line \d+')
CODES = frozenset(code.value for code in ErrorCode)


@dataclass(frozen=True)
class Problem:
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


SERVER_ERROR = "SERVER_ERROR"
NO_ANSWER = "NO_ANSWER"
TRACEBACK_SHOWN = "TRACEBACK_SHOWN"
NOT_A_GRAPHQL_RESPONSE = "NOT_A_GRAPHQL_RESPONSE"
UNCODED_ERROR = "UNCODED_ERROR"
UNKNOWN_CODE = "UNKNOWN_CODE"
WRONG_ANSWER = "WRONG_ANSWER"  # a test's own oracle (e.g. a malformed token that was accepted)


def problems(exchange: Exchange) -> list[Problem]:
    """What is wrong with an answer by the issue's criteria (empty: nothing)."""
    found: list[Problem] = []
    if exchange.status == 0:
        return [Problem(NO_ANSWER, f"no answer within {REQUEST_TIMEOUT:g}s")]
    if exchange.status >= 500:
        found.append(Problem(SERVER_ERROR, f"HTTP {exchange.status}"))
    if match := TRACEBACK.search(exchange.text):
        found.append(Problem(TRACEBACK_SHOWN, match.group(0)))
    # A HEAD answer has no body (RFC 9110 §9.3.2): its status is all there is to judge.
    graphql_body = exchange.method != "HEAD"
    if exchange.path.split("?")[0] == GRAPHQL_PATH and exchange.status < 500 and graphql_body:
        found += graphql_problems(exchange)
    return found


def graphql_problems(exchange: Exchange) -> list[Problem]:
    """GraphQL over HTTP: a JSON object with `data` and/or `errors`; each error coded."""
    body = exchange.json()
    if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
        return [
            Problem(
                NOT_A_GRAPHQL_RESPONSE,
                f"HTTP {exchange.status} {exchange.content_type}: {exchange.text[:200]!r}",
            )
        ]
    errors = body.get("errors")
    if errors is None:
        if exchange.status >= 400:
            return [Problem(NOT_A_GRAPHQL_RESPONSE, f"HTTP {exchange.status} without errors")]
        return []
    if not isinstance(errors, list) or not errors:
        return [Problem(NOT_A_GRAPHQL_RESPONSE, f"errors is {errors!r}")]
    found = []
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        if not isinstance(code, str) or not code:
            found.append(Problem(UNCODED_ERROR, f"{str(message)[:200]!r}"))
        elif code not in CODES:
            found.append(Problem(UNKNOWN_CODE, f"{code!r}: {str(message)[:200]!r}"))
    return found


def _has_data(exchange: Exchange) -> bool:
    body = exchange.json()
    data = body.get("data") if isinstance(body, dict) else None
    return isinstance(data, dict) and any(value is not None for value in data.values())


def error_codes(exchange: Exchange) -> list[str]:
    body = exchange.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    return [
        str((error.get("extensions") or {}).get("code"))
        for error in errors
        if isinstance(error, dict) and isinstance(error.get("extensions"), dict)
    ]


@dataclass
class FuzzLedger:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    read: int = 0  # answers with some data in them

    def check(self, exchange: Exchange, extra: Sequence[Problem] = ()) -> None:
        """Fail on any problem in the answer (or in the test's own `extra` findings)."""
        self.sent += 1
        self.statuses[exchange.status] += 1
        self.read += _has_data(exchange)
        found = [*problems(exchange), *extra]
        if found:
            listed = "\n".join(f"  - {problem}" for problem in found)
            raise AssertionError(f"{len(found)} problem(s):\n{listed}\n{exchange.describe()}")

    def finish(self, minimum: int, *, turned_away: float = 1.0, reading: float = 0.0) -> None:
        """After the run: enough requests went out, at most the `turned_away` share of them were
        stopped at the door (401, 429) and at least the `reading` share got some data back (a
        fuzz run that only meets an expired token, a rate limit or a refused case reference
        tests nothing)."""
        assert self.sent >= minimum, f"only {self.sent} requests sent, expected {minimum}"
        door = self.statuses[401] + self.statuses[429]
        assert door <= turned_away * self.sent, (
            f"{door} of {self.sent} requests were turned away (401/429): {dict(self.statuses)}; "
            "the fuzz gateway's token or rate limits need a look"
        )
        assert self.read >= reading * self.sent, (
            f"only {self.read} of {self.sent} answers had any data: the fuzz reached no resolver"
        )
