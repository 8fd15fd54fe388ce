"""(g) Side by side with Hive Gateway (`--hive`): the same read through a federation router in
front of per-agency subgraphs. Needs Node.js and `npm ci --prefix bench/hive` (the npm registry).
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.rounds import Driver
from bench.servers import Server
from bench.world import BenchWorld
from settings import ROOT

HIVE_DIR = ROOT / "bench" / "hive"


def section(
    args: argparse.Namespace, driver: Driver, world: BenchWorld, gateway: Server,
    token_of: Callable[[], str], log_dir: Path,
) -> dict[str, Any]:  # fmt: skip
    """Not measured yet: the subgraphs and the router's set-up are still to come."""
    if shutil.which("node") is None or not (HIVE_DIR / "node_modules").exists():
        why = "needs Node.js and `npm ci --prefix bench/hive` (the npm registry)"
    # bench/hive/package.json pins the router; the per-agency subgraphs are still to write.
    else:
        why = "the per-agency subgraphs are not written yet"
    print(f"(g) Hive Gateway skipped: {why}")
    return {"skipped": why}
