"""`wrk` (C, Debian's package) as the load generator, with a Lua script that rotates the requests
over sample national ids; bench/load.py (Python) is the fallback where wrk is missing.

Each round writes the round's requests, one a line (`METHOD<TAB>path<TAB>JSON body`), the Lua
script reads them once per thread, `request()` hands them out in turn (each thread from its own
offset), `response()` counts answers that are not a 200 or that carry GraphQL `errors`, and
`done()` prints one JSON line that `parse` reads.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.load import CASE_REFERENCE, id_groups, request_for

MARK = "WRK_JSON "
# wrk's own timeout per request: far above any answer we expect, so slow answers are measured
# rather than cut (a cut one counts in `timeouts`).
TIMEOUT_S = 30
MAX_THREADS = 2  # the machine's cores; one thread drives a few hundred connections easily

LUA = r"""
local lines, position = {}, 0
bad = 0  -- a global: done() reads it from each thread
local threads, count = {}, 0

function setup(thread)
  count = count + 1
  thread:set("offset", count * 7919)
  table.insert(threads, thread)
end

function init(args)
  error_file = args[2]
  for line in io.lines(args[1]) do
    local method, path, body = line:match("^(%u+)\t([^\t]*)\t(.*)$")
    if body == "" then body = nil end
    lines[#lines + 1] = wrk.format(method, path, nil, body)
  end
  position = offset or 0
end

function request()
  position = position + 1
  return lines[(position % #lines) + 1]
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
    if bad == 1 then  -- the first failed answer, for the report
      local out = io.open(error_file, "w")
      out:write(status .. " " .. string.sub(body, 1, 300))
      out:close()
    end
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"bytes":%d,"failed":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    "WRK_JSON ", summary.requests, summary.duration, summary.bytes, failed, e.connect, e.read,
    e.write, e.status, e.timeout, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
"""


def available() -> str | None:
    """wrk's path, or None (then bench/load.py drives the load)."""
    return shutil.which("wrk")


def request_lines(target: str, mode: str, ids: list[str]) -> list[str]:
    """The round's requests, one a line, in the order the script hands them out."""
    lines = []
    for group in id_groups(ids, mode):
        method, path, body = request_for(target, mode, group)
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False) if body else ""
        lines.append(f"{method}\t{path}\t{payload}")
    return lines


def headers(target: str, mode: str, token: str) -> list[str]:
    found = ["Content-Type: application/json"]
    if target.startswith("gateway") and mode != "catalogue" and token:
        found += [f"Authorization: Bearer {token}", f"Darvazeh-Case-Reference: {CASE_REFERENCE}"]
    return found


def command(
    wrk: str, url: str, script: Path, requests_file: Path, *, duration: float, concurrency: int,
    header_lines: list[str],
) -> list[str]:  # fmt: skip
    threads = max(1, min(MAX_THREADS, concurrency))
    argv = [
        wrk, f"-t{threads}", f"-c{concurrency}", f"-d{max(1, math.ceil(duration))}s",
        f"--timeout={TIMEOUT_S}s", "-s", str(script),
    ]  # fmt: skip
    for line in header_lines:
        argv += ["-H", line]
    return [*argv, url, "--", str(requests_file), str(requests_file.with_suffix(".error"))]


def parse(output: str) -> dict[str, Any]:
    """The JSON line `done()` printed, as figures in the shape bench/load.py prints."""
    for line in output.splitlines():
        if line.startswith(MARK):
            raw: dict[str, Any] = json.loads(line[len(MARK) :])
            break
    else:
        raise ValueError(f"no {MARK.strip()} line in wrk's output:\n{output[-1000:]}")
    seconds = raw["duration_us"] / 1e6
    socket_errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors"))
    ok = max(0, raw["requests"] - raw["failed"])
    latency = raw["latency_us"]
    return {
        "generator": "wrk",
        "seconds": round(seconds, 3),
        "requests": raw["requests"],
        "ok": ok,
        "errors": raw["failed"] + socket_errors + raw["timeouts"],
        "timeouts": raw["timeouts"],
        "socket_errors": socket_errors,
        "first_error": None,
        "requests_per_second": round(ok / seconds, 1) if seconds else 0.0,
        "latency_mean_ms": round(latency["mean"] / 1000, 2),
        "latency_median_ms": round(latency["p50"] / 1000, 2),
        "latency_p90_ms": round(latency["p90"] / 1000, 2),
        "latency_p99_ms": round(latency["p99"] / 1000, 2),
        "latency_max_ms": round(latency["max"] / 1000, 2),
    }


def run(
    wrk: str, target: str, url: str, ids: list[str], token: str, *, mode: str, duration: float,
    concurrency: int,
) -> dict[str, Any]:  # fmt: skip
    """One round through wrk; the figures, with the round's target, mode and concurrency."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        script, requests_file = Path(folder) / "rotate.lua", Path(folder) / "requests.txt"
        script.write_text(LUA)
        requests_file.write_text("\n".join(request_lines(target, mode, ids)) + "\n")
        argv = command(
            wrk, url, script, requests_file, duration=duration, concurrency=concurrency,
            header_lines=headers(target, mode, token),
        )  # fmt: skip
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=duration + TIMEOUT_S + 30, check=False
        )
        error_file = requests_file.with_suffix(".error")
        first_error = error_file.read_text(errors="replace") if error_file.exists() else None
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stderr[-2000:]}")
    result = {"target": target, "mode": mode, "concurrency": concurrency, **parse(done.stdout)}
    return result | {"first_error": first_error}
