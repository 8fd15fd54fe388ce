"""Rounds of load: one generator run against one server, with the server's CPU per answered
request; rounds interleaved a, b, a, b so drift on a shared machine lands on every side alike.

The generator is `wrk` when it is installed (bench/wrk.py) and bench/load.py otherwise; every
round's result says which one ran (`generator`)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import cpu, wrk
from bench.servers import Server

LOAD_TIMEOUT = 180.0


@dataclass
class Driver:
    """Which load generator runs the rounds: `wrk` at its path, or the Python one."""

    ids_file: Path
    wrk_path: str | None = field(default_factory=wrk.available)
    force_python: bool = False

    @property
    def name(self) -> str:
        return "wrk" if self.wrk_path and not self.force_python else "python (bench/load.py)"

    def once(
        self, target: Server, token: str, *, mode: str, duration: float, concurrency: int,
        requests: int = 0,
    ) -> dict[str, Any]:  # fmt: skip
        """One round, all of it recorded. `requests` (a count) only for the Python generator."""
        if self.wrk_path and not self.force_python and not requests:
            ids: list[str] = json.loads(self.ids_file.read_text())
            return wrk.run(self.wrk_path, target.name, target.url, ids, token, mode=mode,
                           duration=duration, concurrency=concurrency)  # fmt: skip
        options = {"mode": mode, "duration": duration, "concurrency": concurrency,
                   "warmup": 0, "requests": requests}  # fmt: skip
        return python_load(target, self.ids_file, token, options)


def python_load(
    target: Server, ids_file: Path, token: str, options: dict[str, Any]
) -> dict[str, Any]:
    """One round of bench/load.py, in its own process; its JSON result."""
    command = [
        sys.executable, "-m", "bench.load",
        "--target", target.name, "--url", target.url,
        "--ids-file", str(ids_file), "--token", token,
    ]  # fmt: skip
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=LOAD_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.load failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def measured(
    driver: Driver, server: Server, token: str, watched: Sequence[Server] = (), *,
    warmup: float = 1.0, **options: Any,
) -> dict[str, Any]:  # fmt: skip
    """One round with the CPU per answered request of the server (`server_cpu_ms_per_request`)
    and of each watched process (`<name>_cpu_ms_per_request`, e.g. the education service).
    A warm-up first (connections opened, caches filled) counts neither time nor CPU."""
    if warmup > 0:
        driver.once(server, token, **(options | {"duration": warmup, "requests": 0}))
    processes = [server, *watched]
    before = [p.cpu_seconds() for p in processes]
    result = driver.once(server, token, **options)
    after = [p.cpu_seconds() for p in processes]
    for process, start, end in zip(processes, before, after, strict=True):
        key = "server" if process is server else process.name.replace("-", "_")
        result[f"{key}_cpu_ms_per_request"] = cpu.per_request_ms(start, end, result["ok"])
    result.setdefault("target", server.name)
    if result["errors"]:
        print(f"  ! {server.name}: {result['errors']} failed requests {result.get('first_error')}")
    return result


def interleave(
    driver: Driver,
    servers: Sequence[Server],
    token_of: Callable[[], str],
    rounds: int,
    watched: Sequence[Server] | Mapping[str, Sequence[Server]] = (),
    **options: Any,
) -> list[dict[str, Any]]:
    """Rounds a, b, a, b, ...; each printed as it ends. `watched`: the processes whose CPU every
    round records, or by server name, those each server's rounds record (its own back ends)."""
    results = []
    for number in range(1, rounds + 1):
        for server in servers:
            behind = watched.get(server.name, ()) if isinstance(watched, Mapping) else watched
            result = measured(driver, server, token_of(), behind, **options)
            result["round"] = number
            results.append(result)
            print(
                f"  round {number} {server.name:<18} {result['requests_per_second']:>8.1f} req/s"
                f"  p50 {result['latency_median_ms']} ms  p99 {result.get('latency_p99_ms')} ms"
                f"  ({result['ok']} ok)  cpu {result.get('server_cpu_ms_per_request')} ms/req"
            )
    return results
