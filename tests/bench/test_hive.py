"""bench/hive.py: what Hive Gateway needs and says when it is missing, the four subgraphs composed
into a supergraph, and (with bench/hive's npm packages) the router answering what the gateway
answers over the same world."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import httpx
import pytest
from graphql import build_schema

from bench import hive
from bench.checks import strip_retrieved_at
from bench.load import BATCH_QUERY, SINGLE_QUERY
from bench.subgraphs.agencies import AGENCIES
from tests.conftest import REQUIRE_SERVICES
from tests.harness import RunningGateway

ROOT = Path(__file__).resolve().parents[2]
# The federation composition test's copy of the library: CI installs it (.ci/run).
TESTS_COMPOSE = ROOT / "tests" / "federation" / "compose.mjs"
TESTS_LIBRARY = ROOT / "tests" / "federation" / "node_modules" / "@theguild"


def fake_node(folder: Path, version: str) -> str:
    script = folder / "node"
    script.write_text(f"#!/bin/sh\necho {version}\n")
    script.chmod(0o755)
    return str(script)


def test_node_major() -> None:
    assert hive.node_major("v20.20.2\n") == 20
    assert hive.node_major("v8.1.0") == 8
    assert hive.node_major("") is None and hive.node_major("node") is None


def test_what_is_missing_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = hive.why_not(fake_node(tmp_path, "v18.19.0")) or ""
    assert "Node.js 20 or newer (found v18.19.0" in old
    assert "(found none" in (hive.why_not(str(tmp_path / "absent")) or "")
    monkeypatch.setattr(hive, "ROUTER", tmp_path / "absent.js")
    assert "npm ci --prefix bench/hive" in (hive.why_not(fake_node(tmp_path, "v22.1.0")) or "")


def test_without_node_the_section_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(hive.shutil, "which", lambda _name: None)
    with contextlib.ExitStack() as stack:
        side = hive.start(stack, tmp_path, tmp_path / "logs")
    assert side.router is None and side.servers == () and side.watched == {}
    assert "skipped: needs Node.js 20" in capsys.readouterr().out
    assert hive.section(side, {}, [], []) == {"skipped": side.skipped}


@pytest.fixture(scope="module")
def composer() -> tuple[str, Path]:
    """Node.js and a compose script with its library: bench/hive's, else the federation test's."""
    node = shutil.which("node")
    if node is not None and hive.COMPOSITION.is_file():
        return node, hive.COMPOSE
    if node is not None and TESTS_LIBRARY.is_dir():
        return node, TESTS_COMPOSE
    problem = "no `node`, or neither bench/hive nor tests/federation has its node_modules"
    if REQUIRE_SERVICES:
        pytest.fail(f"federation composition required but {problem}")
    pytest.skip(problem)


def test_the_four_subgraphs_compose(composer: tuple[str, Path]) -> None:
    node, script = composer
    urls = {name: f"http://127.0.0.1:{8201 + n}" for n, name in enumerate(AGENCIES)}
    supergraph = hive.compose(node, hive.described(urls), script)
    assert '@join__graph(name: "tax", url: "http://127.0.0.1:8203/graphql")' in supergraph
    citizen = next(line for line in supergraph.splitlines() if line.startswith("type Citizen"))
    for graph in ("CIVIL", "SOCIAL", "TAX", "EDUCATION"):
        assert f'@join__type(graph: {graph}, key: "nationalId")' in citizen
    # The supergraph answers the gateway's own read: the benchmark's queries validate against it.
    schema = build_schema(supergraph)
    assert schema.query_type is not None
    assert {"citizen", "citizens"} <= set(schema.query_type.fields)
    assert schema.get_type("TaxStatus") is not None


def test_a_subgraph_that_does_not_compose_is_refused(composer: tuple[str, Path]) -> None:
    node, script = composer
    clash = {"name": "clash", "url": "http://127.0.0.1:1/graphql", "sdl": (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])\n'
        'type Query { citizen(nationalId: String!): Citizen }\n'
        'type Citizen @key(fields: "nationalId") { nationalId: Int! }'
    )}  # fmt: skip
    with pytest.raises(RuntimeError, match="do not compose"):
        hive.compose(node, [*hive.described({"civil": "http://127.0.0.1:2"}), clash], script)


async def test_hive_gateway_answers_what_the_gateway_answers(
    gateway: RunningGateway, tmp_path: Path
) -> None:
    why = hive.why_not()
    if why:  # optional even in CI: bench/hive's packages come from the registry
        pytest.skip(f"Hive Gateway {why}")
    ids = list(gateway.citizens.values())
    var_dir = gateway.gateway.settings.var_dir
    with contextlib.ExitStack() as stack:
        side = hive.start(stack, var_dir, tmp_path / "logs")
        assert side.router is not None, side.skipped
        assert side.watched[side.router.name] == tuple(side.subgraphs)
        async with httpx.AsyncClient(base_url=side.router.url, timeout=30) as router:
            for query, variables, field in [
                *((SINGLE_QUERY, {"id": i}, "citizen") for i in ids),
                (BATCH_QUERY, {"ids": ids}, "citizens"),
            ]:
                theirs = (
                    await router.post("/graphql", json={"query": query, "variables": variables})
                ).json()
                ours = await gateway.query(query, variables)
                assert "errors" not in theirs, theirs
                assert strip_retrieved_at(theirs["data"][field]) == strip_retrieved_at(
                    ours["data"][field]
                )
