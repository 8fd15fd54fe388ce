"""The command lines: generating into SQLite files, and the education service as a process."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from demo.agencies import agency_file
from demo.generate import main as generate_main
from demo.world import generate_world, interesting_citizens

ROOT = Path(__file__).resolve().parents[2]


async def test_generate_into_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--count", "500", "--seed", "11", "--var-dir", str(tmp_path), "--chunk-size", "100"]
    citizens = await asyncio.to_thread(generate_main, argv)
    captured = capsys.readouterr()
    assert json.loads(captured.out) == citizens == interesting_citizens(generate_world(500, 11))
    assert "generated and loaded 500 citizens" in captured.err
    for name in ("civil", "social", "tax", "education"):
        assert agency_file(tmp_path / "agencies", name).is_file()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_education_runs_as_a_module(tmp_path: Path) -> None:
    port = _free_port()
    db = tmp_path / "education.db"
    command = [sys.executable, "-m", "demo.education", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.1)
        else:
            pytest.fail("the education service did not start")
    finally:
        process.terminate()
        process.wait(timeout=10)
