"""The citizen's log page answers fast with a long log: its server time (the app called in
process, no network) for a citizen with 3,000 records, 20 to a page, with the filter choices.
`-s` prints the figures (wall time, and the process's CPU time, which a busy shared machine
disturbs less); the bound is loose, as the test machine is shared."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from tests.harness import RunningGateway
from tests.resolvers.tracker_support import entry, outsider, window, write
from tests.web.support import logged_in

RECORDS = 3000
ROUNDS = 40
BOUND_MS = 250  # the target is 50 ms; this guards against a regression on a busy machine


async def test_the_log_page_with_a_long_log(gateway: RunningGateway) -> None:
    citizen = outsider(gateway.world)
    start = window()
    services = [("subsidy-eligibility", "welfare"), ("school-enrolment", "education")]
    await write(
        gateway.gateway.sessions,
        [entry(citizen, start + timedelta(seconds=i), purpose=services[i % 2][0],
               client_agency=services[i % 2][1]) for i in range(RECORDS)],
    )  # fmt: skip
    async with logged_in(gateway, citizen) as client:
        for path in ("/me/data-access", "/me/data-access?service=school-enrolment"):
            await client.get(path)  # warm
            took, cpu = [], []
            for _ in range(ROUNDS):
                began, began_cpu = time.perf_counter(), time.process_time()
                response = await client.get(path)
                took.append((time.perf_counter() - began) * 1000)
                cpu.append((time.process_time() - began_cpu) * 1000)
                assert response.status_code == 200
            median, p95 = statistics.median(took), sorted(took)[int(ROUNDS * 0.95) - 1]
            print(
                f"\n{path}: median {median:.1f} ms (CPU {statistics.median(cpu):.1f} ms), "
                f"p95 {p95:.1f} ms over {ROUNDS}"
            )
            assert median < BOUND_MS
