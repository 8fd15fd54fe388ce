"""bench/wrk.py: the requests the Lua script rotates over, wrk's command line, and its output
read back (and, where wrk is installed, one real short run against a tiny server)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from bench import wrk
from bench.load import SINGLE_QUERY

OUTPUT = (
    "Running 1s test @ http://127.0.0.1:1\n  1 threads and 4 connections\n"
    'WRK_JSON {"requests":200,"duration_us":2000000,"bytes":1000,"failed":10,'
    '"connect_errors":1,"read_errors":0,"write_errors":0,"status_errors":10,"timeouts":2,'
    '"latency_us":{"mean":1500.5,"p50":1200,"p90":2500,"p99":9000,"max":12000}}\n'
)


def test_parse_reads_the_done_line() -> None:
    result = wrk.parse(OUTPUT)
    assert result["generator"] == "wrk"
    assert (result["requests"], result["ok"], result["errors"]) == (200, 190, 13)
    assert result["requests_per_second"] == 95.0
    assert (result["latency_median_ms"], result["latency_p90_ms"]) == (1.2, 2.5)
    assert (result["latency_p99_ms"], result["latency_max_ms"]) == (9.0, 12.0)
    with pytest.raises(ValueError, match="WRK_JSON"):
        wrk.parse("wrk: connection refused\n")


def test_request_lines_rotate_over_the_ids() -> None:
    ids = ["0012345678", "0087654321"]
    lines = wrk.request_lines("gateway", "single", ids)
    assert len(lines) == 2
    method, path, body = lines[0].split("\t")
    assert (method, path) == ("POST", "/graphql")
    assert json.loads(body) == {"query": SINGLE_QUERY, "variables": {"id": ids[0]}}
    assert "\n" not in lines[0]  # one request per line, whatever the query's layout
    assert wrk.request_lines("bare", "single", ids)[1] == f"GET\t/citizen/{ids[1]}\t"


def test_headers_and_command() -> None:
    assert any(
        h.startswith("Authorization: Bearer t") for h in wrk.headers("gateway", "single", "t")
    )
    assert wrk.headers("bare", "single", "t") == ["Content-Type: application/json"]
    argv = wrk.command(
        "/usr/bin/wrk", "http://127.0.0.1:9", Path("s.lua"), Path("r.txt"),
        duration=1.5, concurrency=300, header_lines=["X: y"],
    )  # fmt: skip
    assert argv[:4] == ["/usr/bin/wrk", "-t2", "-c300", "-d2s"]
    assert argv[-4:] == ["http://127.0.0.1:9", "--", "r.txt", "r.error"]


class _Answers(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        national_id = json.loads(body)["variables"]["id"]
        _Answers.seen.append(national_id)
        answer = b'{"errors":[]}' if national_id.endswith("9") else b'{"data":{}}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def tiny_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_a_real_run_counts_answers_with_errors(tiny_server: str) -> None:
    ids = ["0000000001", "0000000009"]  # the second is answered with GraphQL errors
    _Answers.seen.clear()
    result = wrk.run(
        str(wrk.available()), "gateway", tiny_server, ids, "t", mode="single", duration=1,
        concurrency=2,
    )  # fmt: skip
    assert result["requests"] > 2
    assert set(_Answers.seen) == set(ids)  # the script rotated over both
    assert 0 < result["errors"] < result["requests"]
    assert result["first_error"] and result["first_error"].startswith("200 ")
