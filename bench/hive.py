"""(g) Side by side with Hive Gateway (`--hive`): the same read through a federation router in
front of per-agency subgraphs, in the same interleaved rounds as the gateway and the bare service.

The four agencies' subgraphs (bench/subgraphs/, one uvicorn process each over the agency's bench
database) are composed into a supergraph by @theguild/federation-composition
(bench/hive/compose.mjs), and `@graphql-hive/gateway` (one Node.js process, NODE_ENV=production)
serves it. Both are pinned in bench/hive/package-lock.json: `npm ci --prefix bench/hive` installs
them (the npm registry once; offline after). Without Node.js 20 or those packages, (g) says why and
is skipped.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import checks, hive_figures
from bench.servers import Server, free_port, running
from bench.subgraphs.agencies import AGENCIES
from bench.subgraphs.service import sdl
from settings import ROOT

HIVE_DIR = ROOT / "bench" / "hive"
MODULES = HIVE_DIR / "node_modules"
ROUTER = MODULES / "@graphql-hive" / "gateway" / "dist" / "bin.js"
COMPOSITION = MODULES / "@theguild" / "federation-composition" / "package.json"
COMPOSE = HIVE_DIR / "compose.mjs"
NODE_MAJOR = 20  # @graphql-hive/gateway 2.15's own "engines"
COMPOSE_TIMEOUT = 60.0
TARGET = "hive"


def node_major(version: str) -> int | None:
    """The major version in `node --version`'s answer ("v20.11.1" -> 20)."""
    found = re.match(r"\s*v?(\d+)\.", version)
    return int(found.group(1)) if found else None


def why_not(node: str | None = None) -> str | None:
    """Why Hive Gateway cannot run on this machine, or None when it can."""
    node = node or shutil.which("node")
    if node is None:
        return f"needs Node.js {NODE_MAJOR} or newer (`node` is not on PATH)"
    try:
        done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
        found = done.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        found = ""
    major = node_major(found)
    if major is None or major < NODE_MAJOR:
        return f"needs Node.js {NODE_MAJOR} or newer (found {found or 'none'} at {node})"
    if not ROUTER.is_file() or not COMPOSITION.is_file():
        return "needs `npm ci --prefix bench/hive` (the npm registry, once)"
    return None


def subgraph_command(agency: str, var_dir: Path, port: int) -> list[str]:
    return [
        sys.executable, "-m", "bench.subgraphs", agency,
        "--var-dir", str(var_dir), "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip


def router_command(node: str, supergraph: Path, port: int) -> list[str]:
    """One Node.js process (`--fork 1`: no cluster of workers), on loopback."""
    return [
        node, str(ROUTER), "supergraph", str(supergraph),
        "--host", "127.0.0.1", "--port", str(port), "--fork", "1",
    ]  # fmt: skip


def described(servers: dict[str, str]) -> list[dict[str, str]]:
    """The subgraphs as composition takes them: name, SDL and URL (from agency -> base URL)."""
    return [{"name": name, "sdl": sdl(AGENCIES[name]), "url": f"{url}/graphql"}
            for name, url in servers.items()]  # fmt: skip


def compose(node: str, subgraphs: list[dict[str, str]], script: Path = COMPOSE) -> str:
    """The supergraph SDL of subgraphs ({name, sdl, url} each); RuntimeError if it won't compose.
    (tests/federation/compose.mjs takes and gives the same, for the tests.)"""
    done = subprocess.run(
        [node, str(script)], input=json.dumps(subgraphs), capture_output=True, text=True,
        timeout=COMPOSE_TIMEOUT, check=False, cwd=script.parent,
    )  # fmt: skip
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        why = f"compose.mjs failed ({done.returncode}): {done.stderr[-1000:]}"
        raise RuntimeError(why) from None
    if answer["errors"] or not answer["supergraphSdl"]:
        raise RuntimeError(f"the subgraphs do not compose: {answer['errors']}")
    return str(answer["supergraphSdl"])


@dataclass
class Hive:
    """The router and its subgraphs, running; or why they are not (`skipped`)."""

    router: Server | None = None
    subgraphs: list[Server] = field(default_factory=list)
    skipped: str | None = None

    @property
    def servers(self) -> tuple[Server, ...]:
        return (self.router,) if self.router else ()

    @property
    def watched(self) -> dict[str, tuple[Server, ...]]:
        """The processes behind the router, whose CPU its rounds record too."""
        return {self.router.name: tuple(self.subgraphs)} if self.router else {}


def start(stack: contextlib.ExitStack, var_dir: Path, log_dir: Path) -> Hive:
    """The four subgraphs, then the router on their supergraph, stopped with `stack`. A missing
    Node.js or npm package, or a failed start, is reported and skipped, never raised."""
    node = shutil.which("node")
    why = why_not(node)
    if why is None and node is not None:
        try:
            return _start(stack, node, var_dir, log_dir)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
            why = f"did not start: {error}"
    print(f"(g) Hive Gateway skipped: {why}")
    return Hive(skipped=why)


def _start(stack: contextlib.ExitStack, node: str, var_dir: Path, log_dir: Path) -> Hive:
    with contextlib.ExitStack() as started:  # all stopped if one fails to start
        subgraphs = []
        for name in AGENCIES:
            port = free_port()
            subgraphs.append(started.enter_context(running(
                f"subgraph-{name}", subgraph_command(name, var_dir, port), port, {}, log_dir
            )))  # fmt: skip
        urls = {name: server.url for name, server in zip(AGENCIES, subgraphs, strict=True)}
        supergraph = var_dir / "hive" / "supergraph.graphql"
        supergraph.parent.mkdir(parents=True, exist_ok=True)
        supergraph.write_text(compose(node, described(urls)))
        port = free_port()
        router = started.enter_context(running(
            TARGET, router_command(node, supergraph, port), port, {"NODE_ENV": "production"},
            log_dir, health="/healthcheck",
        ))  # fmt: skip
        stack.enter_context(started.pop_all())
    print(f"(g) Hive Gateway {router.url} over {len(subgraphs)} subgraphs ({', '.join(AGENCIES)})")
    return Hive(router, subgraphs)


def compare(
    hive: Hive, gateway_url: str, token: str, ids: list[str], batch: list[str]
) -> dict[str, Any]:
    """Hive's answers against the gateway's: each of ids, then the batch in one read."""
    if hive.router is None:
        return {}
    differing = checks.compare_graphql(gateway_url, token, hive.router.url, ids, batch)
    print(f"(g) Hive's answers compared for {len(ids)} citizens and a {len(batch)}-citizen read: "
          f"{len(differing)} differ {differing}")  # fmt: skip
    return {"answers_compared": len(ids), "batch_compared": len(batch),
            "answers_differing": differing}  # fmt: skip


def section(
    hive: Hive, compared: dict[str, Any], single: list[dict[str, Any]], batch: list[dict[str, Any]]
) -> dict[str, Any]:
    """(g)'s part of the results: how it ran, the answers compared and the figures."""
    if hive.router is None:
        return {"skipped": hive.skipped or "not run"}
    return {
        "router": f"@graphql-hive/gateway {_version()}, one Node.js process, NODE_ENV=production",
        "subgraph_servers": "strawberry federation, uvicorn, one worker each",
        "subgraphs": [server.name for server in hive.subgraphs],
        "note": hive_figures.NO_AUTH,
        **compared,
        "figures": hive_figures.figures(
            [r for r in single if r["target"] in hive_figures.SIDES],
            [r for r in batch if r["target"] in hive_figures.SIDES],
        ),
    }


def _version() -> str:
    with contextlib.suppress(OSError, ValueError, KeyError):
        manifest = json.loads((ROUTER.parent.parent / "package.json").read_text())
        return str(manifest["version"])
    return "?"
