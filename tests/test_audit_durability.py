"""Kill the gateway (SIGKILL) under load: every answer a client received has its audit records,
and the access log's chains still verify."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys

import httpx
from sqlalchemy import func, select

from audit.verify import verify
from store.audit_models import AuditRecord
from tests.harness import RunningGateway, free_port

QUERY = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName } birth { date } address { city } } }"""
LOAD_SECONDS = 2.0


async def _wait_up(url: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            if process.returncode is not None:
                raise RuntimeError("the gateway process exited while starting")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise TimeoutError("the gateway process did not start")


async def test_every_answer_survives_a_sigkill(gateway: RunningGateway) -> None:
    settings = gateway.gateway.settings
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "GATEWAY_VAR_DIR": str(settings.var_dir),
        "GATEWAY_PORT": str(port),
        "GATEWAY_PUBLIC_URL": url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "server:app", "--port", str(port),
        "--log-level", "warning", "--no-access-log",
        env=env, start_new_session=True,
    )  # fmt: skip
    answered: list[str] = []
    try:
        await _wait_up(url, process)
        client = gateway.clients["statutory_all_datasets"]
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            token = (
                await http.post(
                    "/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(client["client_id"], client["client_secret"]),
                )
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}", "Darvazeh-Case-Reference": "KILL-1"}
            people = [p.national_id for p in gateway.world.people[:200]]
            stop = asyncio.get_running_loop().time() + LOAD_SECONDS

            async def worker(offset: int) -> None:
                n = offset
                while asyncio.get_running_loop().time() < stop:
                    variables = {"id": people[n % len(people)]}
                    n += 7
                    try:
                        response = await http.post(
                            "/graphql", json={"query": QUERY, "variables": variables},
                            headers=headers,
                        )  # fmt: skip
                    except httpx.HTTPError:
                        return  # the server is gone
                    if response.status_code == 200 and response.json()["data"]["citizen"]:
                        answered.append(response.headers["Darvazeh-Request-Id"])

            workers = [asyncio.create_task(worker(i)) for i in range(32)]
            await asyncio.sleep(LOAD_SECONDS * 0.75)
            os.killpg(process.pid, signal.SIGKILL)  # mid-load, no shutdown of any kind
            await asyncio.gather(*workers)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()

    assert len(answered) > 20, "the load did not get going before the kill"
    async with gateway.gateway.sessions() as session:
        recorded = dict(
            (
                await session.execute(
                    select(AuditRecord.request_id, func.count())
                    .where(AuditRecord.request_id.in_(answered))
                    .group_by(AuditRecord.request_id)
                )
            ).all()
        )
    # One record each: identity, birth and address all come from the civil registry.
    missing = [request_id for request_id in answered if recorded.get(request_id) != 1]
    assert not missing, f"{len(missing)} answered requests lack their record"
    report = await verify(gateway.gateway.sessions)
    assert report.ok, report
