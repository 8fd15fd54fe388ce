"""Server processes for the bench: each in its own process group, on a free loopback port,
always stopped (the group is signalled, then killed if it lingers)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import cpu
from demo.agencies import agency_file
from settings import ROOT, environment

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cpu_seconds(self) -> float | None:
        """User + system CPU the server process (all its threads) has used; None off Linux."""
        return cpu.cpu_seconds(self.process.pid)


def _answers(server: Server, http: bool, health: str) -> bool:
    if not http:  # a TCP service (the delaying proxy): accepting connections is ready
        with contextlib.suppress(OSError), socket.create_connection((HOST, server.port), 1):
            return True
        return False
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{server.url}{health}", timeout=1).status_code == 200
    return False


def _wait_healthy(server: Server, http: bool = True, health: str = "/healthz") -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{tail}")
        if _answers(server, http, health):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer {health} within {START_TIMEOUT:g}s")


def stop(server: Server) -> None:
    if server.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=STOP_TIMEOUT)


@contextlib.contextmanager
def running(
    name: str, command: list[str], port: int, env: dict[str, str], log_dir: Path, *,
    http: bool = True, health: str = "/healthz",
) -> Iterator[Server]:  # fmt: skip
    """Start command (its own session, so the whole group can be stopped), wait for its
    health path to answer 200 (or, not `http`, for the port to accept connections)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment.for_child(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, port, process, log)
    try:
        _wait_healthy(server, http, health)
        yield server
    finally:
        stop(server)


def uvicorn_command(app: str, port: int) -> list[str]:
    """Both the gateway and the bare service run exactly so: one uvicorn worker, no access log."""
    return [
        sys.executable, "-m", "uvicorn", app,
        "--host", HOST, "--port", str(port),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip


def education_command(
    var_dir: Path, port: int, delay_ms: tuple[float, float] | None = None
) -> list[str]:
    command = [
        sys.executable, "-m", "demo.education",
        "--db", str(agency_file(var_dir / "agencies", "education")),
        "--host", HOST, "--port", str(port),
    ]  # fmt: skip
    if delay_ms:
        command += ["--delay-ms", str(delay_ms[0]), str(delay_ms[1])]
    return command
