"""Darvazeh's SDL, fetched as a router fetches it, composes into a federated supergraph.

Composition runs `tests/federation/compose.mjs` (the npm package @theguild/federation-composition,
a drop-in for Apollo's) under the machine's Node.js. Without `node` or its `node_modules`
(`npm ci --prefix tests/federation`) those tests skip locally and fail in CI.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import DirectiveNode, ObjectTypeDefinitionNode, parse, value_from_ast_untyped

from tests.conftest import REQUIRE_SERVICES
from tests.harness import RunningGateway

ROOT = Path(__file__).resolve().parents[2]
SDL_FILE = ROOT / "schema.graphql"
FEDERATION = ROOT / "tests" / "federation"
COMPOSE = FEDERATION / "compose.mjs"
LIBRARY = FEDERATION / "node_modules" / "@theguild" / "federation-composition" / "package.json"
COMPOSE_TIMEOUT_SECONDS = 60.0

# A field that @requires Darvazeh's data must repeat the scopes of every field on the path:
# composition checks them (Citizen.birth's two alternatives), and Darvazeh still enforces
# civil.birth on Birth.date itself when the router fetches it.
FIRST_GRADE_SCOPES = ' @requiresScopes(scopes: [["civil.birth"], ["civil.family"]])'

# The ministry of education's own subgraph: its school directory, and two fields it adds to
# Citizen by key: the first-grade year (computed from Darvazeh's birth date) and the placement.
SCHOOLS_SDL = (
    """
extend schema
  @link(
    url: "https://specs.apollo.dev/federation/v2.5"
    import: ["@key", "@external", "@requires", "@requiresScopes"]
  )

scalar Date

type Query {
  school(code: String!): School
}

"A school in the ministry's directory."
type School @key(fields: "code") {
  code: String!
  name: String!
  province: String!
}

"The school a child is introduced to before their first school year."
type SchoolPlacement {
  school: School!
  academicYear: String!
}

type Citizen @key(fields: "nationalId") {
  nationalId: String!
  birth: Birth @external
  "The Solar Hijri school year the child starts first grade in."
  firstGradeYear: String @requires(fields: "birth { date }")"""
    + FIRST_GRADE_SCOPES
    + """
  schoolPlacement: SchoolPlacement @requiresScopes(scopes: [["education.placement"]])
}

type Birth {
  date: Date @external
}
"""
)

# Subgraphs a router must refuse, each with the error code composition names.
CONFLICTS = {
    "a field requiring scoped data without its scopes": (
        SCHOOLS_SDL.replace(FIRST_GRADE_SCOPES, ""),
        "MISSING_TRANSITIVE_AUTH_REQUIREMENTS",
    ),
    "the national code typed as a number": (
        """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Query { taxpayer(taxpayerId: String!): Citizen }
type Citizen @key(fields: "nationalId") { nationalId: Int! taxpayerId: String }
""",
        "FIELD_TYPE_MISMATCH",
    ),
    "a second subgraph serving Query.citizen": (
        """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Query { citizen(nationalId: String!): Citizen }
type Citizen @key(fields: "nationalId") { nationalId: String! }
""",
        "INVALID_FIELD_SHARING",
    ),
}


@dataclass(frozen=True)
class Composition:
    exit_code: int
    errors: list[dict[str, Any]]
    supergraph: str | None


@pytest.fixture(scope="module")
def node() -> str:
    """The Node.js that runs compose.mjs, with the composition library installed beside it."""
    found = shutil.which("node")
    if found is None:
        problem = "no `node` on PATH"
    elif not LIBRARY.exists():
        problem = "tests/federation/node_modules missing (`npm ci --prefix tests/federation`)"
    else:
        return found
    if REQUIRE_SERVICES:
        pytest.fail(f"federation composition required but {problem}")
    pytest.skip(problem)


@pytest.fixture(scope="module")
async def darvazeh_sdl(gateway: RunningGateway) -> str:
    # As a router polls a subgraph. `_service` is public like introspection: it is the published
    # standard and carries no citizen data, so it needs no token.
    response = await gateway.post("{ _service { sdl } }", role=None, case_reference=None)
    assert response.status_code == 200, response.text
    return response.json()["data"]["_service"]["sdl"]  # type: ignore[no-any-return]


async def compose(node: str, subgraphs: dict[str, str]) -> Composition:
    """Run compose.mjs over named subgraph SDLs."""
    payload = [
        {"name": name, "sdl": sdl, "url": f"https://{name}.example/graphql"}
        for name, sdl in subgraphs.items()
    ]
    process = await asyncio.create_subprocess_exec(
        node,
        str(COMPOSE),
        cwd=FEDERATION,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(
        process.communicate(json.dumps(payload).encode()), COMPOSE_TIMEOUT_SECONDS
    )
    assert process.returncode in (0, 1), err.decode()  # 2: compose.mjs was misused
    answer = json.loads(out)
    return Composition(process.returncode, answer["errors"], answer["supergraphSdl"])


Applied = dict[tuple[str, str | None], list[tuple[str, dict[str, Any]]]]


def applied_directives(sdl: str) -> Applied:
    """(object type, field or None for the type) -> the directives applied there, with args."""

    def read(nodes: tuple[DirectiveNode, ...] | None) -> list[tuple[str, dict[str, Any]]]:
        return [
            (d.name.value, {a.name.value: value_from_ast_untyped(a.value) for a in d.arguments})
            for d in nodes or ()
        ]

    found: Applied = {}
    for definition in parse(sdl).definitions:
        if isinstance(definition, ObjectTypeDefinitionNode):
            found[(definition.name.value, None)] = read(definition.directives)
            for field in definition.fields or ():
                found[(definition.name.value, field.name.value)] = read(field.directives)
    return found


def arguments_of(directives: list[tuple[str, dict[str, Any]]], name: str) -> list[dict[str, Any]]:
    return [arguments for directive, arguments in directives if directive == name]


async def test_a_router_gets_the_published_sdl_without_credentials(darvazeh_sdl: str) -> None:
    assert darvazeh_sdl == SDL_FILE.read_text().rstrip("\n")
    assert '@link(url: "https://specs.apollo.dev/federation/v2.5"' in darvazeh_sdl


async def test_darvazeh_composes_with_a_schools_subgraph(node: str, darvazeh_sdl: str) -> None:
    composed = await compose(node, {"darvazeh": darvazeh_sdl, "schools": SCHOOLS_SDL})
    assert composed.errors == [] and composed.exit_code == 0
    assert composed.supergraph is not None
    supergraph = applied_directives(composed.supergraph)

    # Both subgraphs resolve Citizen by its national code: the router joins them on it.
    assert arguments_of(supergraph[("Citizen", None)], "join__type") == [
        {"graph": "DARVAZEH", "key": "nationalId"},
        {"graph": "SCHOOLS", "key": "nationalId"},
    ]
    assert arguments_of(supergraph[("Citizen", "taxStatus")], "join__field") == [
        {"graph": "DARVAZEH"}
    ]
    assert arguments_of(supergraph[("Citizen", "schoolPlacement")], "join__field") == [
        {"graph": "SCHOOLS"}
    ]
    assert arguments_of(supergraph[("Citizen", "firstGradeYear")], "join__field") == [
        {"graph": "SCHOOLS", "requires": "birth{date}"}
    ]
    assert arguments_of(supergraph[("Query", "citizen")], "join__field") == [{"graph": "DARVAZEH"}]
    assert arguments_of(supergraph[("Query", "school")], "join__field") == [{"graph": "SCHOOLS"}]
    assert (
        '@join__graph(name: "darvazeh", url: "https://darvazeh.example/graphql")'
        in composed.supergraph
    )

    # Every scope Darvazeh declares reaches the router unchanged, and so do the schools'.
    own = applied_directives(darvazeh_sdl)
    scoped = {
        place: arguments_of(directives, "requiresScopes")
        for place, directives in own.items()
        if arguments_of(directives, "requiresScopes")
    }
    assert len(scoped) > 30 and scoped[("Citizen", "birth")] == [
        {"scopes": [["civil.birth"], ["civil.family"]]}
    ]
    for place, scopes in scoped.items():
        assert arguments_of(supergraph[place], "requiresScopes") == scopes, place
    assert arguments_of(supergraph[("Citizen", "nationalId")], "requiresScopes") == []
    assert arguments_of(supergraph[("Citizen", "schoolPlacement")], "requiresScopes") == [
        {"scopes": [["education.placement"]]}
    ]


@pytest.mark.parametrize("conflict", CONFLICTS)
async def test_composition_errors_are_caught(node: str, darvazeh_sdl: str, conflict: str) -> None:
    sdl, code = CONFLICTS[conflict]
    composed = await compose(node, {"darvazeh": darvazeh_sdl, "other": sdl})
    assert composed.exit_code == 1 and composed.supergraph is None
    assert code in {error["code"] for error in composed.errors}, composed.errors
