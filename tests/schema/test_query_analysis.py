"""The document analysis behind the query limits: counts through fragments, inline fragments and
@skip/@include, the cost model, and work that stays linear in the document's size."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from graphql import GraphQLError, get_introspection_query, parse

from bench.load import BATCH_QUERY, CATALOGUE_QUERY, SINGLE_QUERY
from resolvers.selection import Selections
from schema import DarvazehSchema, build_schema
from schema.document_scan import scan
from schema.limits import QueryLimits
from schema.query_cost import CostModel, operation_costs
from schema.query_shape import Shape, measure, select_operation
from schema.records import RECORD_FIELDS
from settings import Settings

LIMITS = QueryLimits.from_settings(Settings())
CITIZEN = '"0012345678"'


@pytest.fixture(scope="module")
def schema() -> DarvazehSchema:
    return build_schema(LIMITS)


def fan_out(levels: int, root: str = f"citizen(nationalId: {CITIZEN})") -> str:
    """The issue's attack: each fragment spreads the one before it twice, once a level down."""
    parts = ["fragment F0 on Citizen { nationalId }"]
    parts += [
        f"fragment F{n} on Citizen {{ ...F{n - 1} birth {{ father {{ ...F{n - 1} }} }} }}"
        for n in range(1, levels + 1)
    ]
    parts.append(f"{{ {root} {{ ...F{levels} }} }}")
    return "\n".join(parts)


def shape(query: str) -> Shape:
    return measure(parse(query)).shapes[0]


def cost(schema: DarvazehSchema, query: str, variables: dict[str, object] | None = None) -> int:
    model = CostModel.reading(RECORD_FIELDS)
    return operation_costs(schema._schema, model, measure(parse(query)), variables)[0]


def test_depth_aliases_and_root_fields_count_through_fragments() -> None:
    query = """
    query { a: citizen(nationalId: "1") { ...Deep } b: citizen(nationalId: "2") { nationalId }
            ... on Query { c: me { nationalId } } ...Roots }
    fragment Roots on Query { d: me { nationalId } catalogue { coverage { total } } }
    fragment Deep on Citizen { birth { father { x: nationalId ...Inner } } }
    fragment Inner on Citizen { identity { provenance { agency } } }"""
    # citizen > birth > father > identity > provenance > agency
    assert shape(query) == Shape(depth=6, aliases=5, fields=5)


def test_a_fragment_spread_twice_in_one_selection_counts_once_as_it_runs_once() -> None:
    query = """{ citizen(nationalId: "1") { ...F ...F ... on Citizen { ...F } } }
    fragment F on Citizen { a: nationalId b: nationalId }"""
    assert shape(query) == Shape(depth=2, aliases=2, fields=1)
    # Spread on two levels, it runs on both.
    twice = """{ citizen(nationalId: "1") { ...F birth { father { ...F } } } }
    fragment F on Citizen { a: nationalId }"""
    assert shape(twice).aliases == 2


def test_counts_after_expansion_come_from_each_fragments_totals() -> None:
    # F_n holds F_(n-1) twice: 2^n copies of F0's alias once expanded, counted without expanding.
    query = fan_out(40).replace(
        "fragment F0 on Citizen { nationalId }", "fragment F0 on Citizen { x: nationalId }"
    )
    assert shape(query) == Shape(depth=2 * 40 + 2, aliases=2**40, fields=1)


def test_unknown_and_cyclic_fragments_count_as_empty() -> None:
    # Validation refuses both afterwards; measuring must not loop or fail first.
    query = """{ citizen(nationalId: "1") { ...A ...Missing } }
    fragment A on Citizen { birth { father { ...B } } }
    fragment B on Citizen { nationalId ...A }"""
    assert shape(query).depth >= 3


def test_a_chain_of_fragments_longer_than_the_recursion_limit_is_measured() -> None:
    links = 3000
    query = "\n".join(
        [f"fragment F{n} on Citizen {{ ...F{n - 1} }}" for n in range(1, links)]
        + [
            "fragment F0 on Citizen { x: nationalId }",
            f"{{ citizen(nationalId: {CITIZEN}) {{ ...F{links - 1} }} }}",
        ]
    )
    assert shape(query) == Shape(depth=2, aliases=1, fields=1)


def test_the_operation_is_picked_as_graphql_picks_it() -> None:
    one = measure(parse("query A { me { nationalId } }"))
    assert select_operation(one, None).name.value == "A"  # type: ignore[union-attr]
    two = measure(parse("query A { me { nationalId } } query B { me { nationalId } }"))
    assert select_operation(two, "B").name.value == "B"  # type: ignore[union-attr]
    for name, message in ((None, "name the one to run"), ("C", "no operation named 'C'")):
        with pytest.raises(GraphQLError, match=message) as refused:
            select_operation(two, name)
        assert refused.value.extensions == {"code": "BAD_REQUEST"}


def test_costs_of_the_repositorys_own_queries(schema: DarvazehSchema) -> None:
    # One citizen, seven records: 1 + 7 x (a source read + its provenance).
    assert cost(schema, SINGLE_QUERY, {"id": "0012345678"}) == 78
    # The same for each of 100 citizens: within the default budget.
    ids = [f"{n:010d}" for n in range(100)]
    assert cost(schema, BATCH_QUERY, {"ids": ids}) == 7800 <= LIMITS.cost_budget
    assert cost(schema, CATALOGUE_QUERY) < 1000
    introspection = get_introspection_query(descriptions=True)
    assert cost(schema, introspection) < 1000
    assert shape(introspection).depth <= LIMITS.max_depth


def test_lists_multiply_by_their_length_or_first(schema: DarvazehSchema) -> None:
    three = ", ".join([CITIZEN] * 3)
    literal = f"{{ citizens(nationalIds: [{three}]) {{ identity {{ firstName }} }} }}"
    assert cost(schema, literal) == 3 * (1 + 10)
    variable = "query($ids: [String!]!) { citizens(nationalIds: $ids) { identity { firstName } } }"
    assert cost(schema, variable, {"ids": ["x"] * 50}) == 50 * 11
    entities = """query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Citizen { identity { firstName } birth { date } } } }"""
    assert cost(schema, entities, {"r": [{}] * 20}) == 20 * (1 + 10 + 10)
    # `first` multiplies a connection; its default counts when it is not given (20).
    accesses = "query($n: Int) { me { dataAccesses(first: $n) { edges { node { occurredAt } } } } }"
    assert cost(schema, accesses, {"n": 100}) == 1 + 100 * (1 + 1 + 1)
    assert cost(schema, accesses, {}) == 1 + 20 * 3
    defaulted = accesses.replace("$n: Int", "$n: Int = 50")
    assert cost(schema, defaulted, {}) == 1 + 50 * 3


def test_a_nested_citizen_pays_its_own_reads(schema: DarvazehSchema) -> None:
    father = "father { identity { firstName } birth { date } }"
    query = f"{{ citizen(nationalId: {CITIZEN}) {{ birth {{ {father} }} }} }}"
    assert cost(schema, query) == 1 + 10 + 1 + 10 + 10


def test_skip_and_include_are_honoured_literally_and_through_variables(
    schema: DarvazehSchema,
) -> None:
    query = f"""query($no: Boolean!, $yes: Boolean = true) {{ citizen(nationalId: {CITIZEN}) {{
      identity @skip(if: true) {{ firstName }}
      birth @include(if: $no) {{ date }}
      ... on Citizen @include(if: $yes) {{ taxStatus {{ cleared }} }}
      ...Addr @skip(if: $no)
    }} }}
    fragment Addr on Citizen {{ address {{ city }} }}"""
    assert cost(schema, query, {"no": False}) == 1 + 10 + 10  # tax and address
    assert cost(schema, query, {"no": True, "yes": False}) == 1 + 10  # birth only
    # A condition not known before running counts as included.
    assert cost(schema, query, {}) == 1 + 10 + 10 + 10


def test_validating_repeated_fields_is_part_of_the_cost(schema: DarvazehSchema) -> None:
    """Validation compares same-named fields two by two: 245 copies of one field took most of a
    second to validate. Each pair costs 10, so a few dozen copies are the most a query gets."""
    repeated = f"{{ citizen(nationalId: {CITIZEN}) {{ {'identity { firstName } ' * 245} }} }}"
    assert cost(schema, repeated) == 1 + 245 * 10 + 10 * (245 * 244 // 2) > LIMITS.cost_budget
    # Two fragments spread side by side are compared too; a field repeated twice costs little.
    spreads = " ".join(f"...F{n}" for n in range(3))
    fragments = " ".join(f"fragment F{n} on Citizen {{ nationalId }}" for n in range(3))
    query = (
        f"{{ citizen(nationalId: {CITIZEN}) {{ {spreads} nationalId nationalId }} }} {fragments}"
    )
    assert cost(schema, query) == 1 + 10 * 3 + 10 * 1


def test_fan_out_costs_double_per_level_without_being_expanded(schema: DarvazehSchema) -> None:
    assert cost(schema, fan_out(29)) > 2**29


def timed(work: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def test_the_analysis_is_linear_in_the_document(schema: DarvazehSchema) -> None:
    """F29 doubles its expanded size 19 more times than F10 (x524288); the analysis takes about
    three times as long, as the document is three times as long."""
    model = CostModel.reading(RECORD_FIELDS)

    def analyse(levels: int) -> Callable[[], object]:
        text = fan_out(levels)
        document = parse(text)

        def work() -> object:
            scan(text, LIMITS)
            measured = measure(document)
            return operation_costs(schema._schema, model, measured, {})

        return work

    small, large = timed(analyse(10)), timed(analyse(29))
    assert large < 10 * small + 0.02, (small, large)


def test_the_resolvers_selection_walk_is_linear_too() -> None:
    def records_asked(levels: int) -> Callable[[], object]:
        document = parse(fan_out(levels))
        fragments = {d.name.value: d for d in document.definitions if hasattr(d, "type_condition")}
        root = document.definitions[-1].selection_set.selections[0].selection_set  # type: ignore[attr-defined]
        selections = Selections(fragments, {})

        def work() -> object:
            below = selections.children([root])
            return {name: sorted(selections.children(sets)) for name, sets in below.items()}

        return work

    assert records_asked(29)() == {"birth": ["father"], "nationalId": []}
    small, large = timed(records_asked(10)), timed(records_asked(29))
    assert large < 10 * small + 0.02, (small, large)


@pytest.mark.parametrize(
    ("query", "code", "limit"),
    [
        ("{ me { nationalId } }" + " " * 40_000, "QUERY_TOO_LARGE", LIMITS.max_query_length),
        ("{ " + "a: __typename " * 700 + "}", "QUERY_TOO_LARGE", LIMITS.max_tokens),
        ("{ __typename" + " @skip(if: false)" * 51 + " }", "TOO_MANY_DIRECTIVES", 50),
        ("query A { __typename } " * 11, "TOO_MANY_OPERATIONS", 10),
        ("{ a " + "{ a " * 30 + "}" * 31, "QUERY_TOO_DEEP", 30),
    ],
)
def test_the_scan_refuses_each_text_limit_with_its_code(query: str, code: str, limit: int) -> None:
    with pytest.raises(GraphQLError) as refused:
        scan(query, LIMITS)
    assert refused.value.extensions is not None
    assert refused.value.extensions["code"] == code
    assert refused.value.extensions["limit"] == limit
    assert f"the limit is {limit}" in refused.value.message


def test_the_scan_counts_what_graphql_reads() -> None:
    # An `@` in a string or a comment is no directive; an operation named `query` is one
    # operation; brackets in variable defaults do not start definitions.
    text = """
    # @skip @skip @skip
    query query($a: In = {b: {c: [1, 2]}}) @x { f(s: "@@@@@@") { g } }
    fragment F on T @y { h }
    { i }"""
    strict = QueryLimits(**{**_limits_as_dict(), "max_directives": 2, "max_operations": 2})
    scan(text, strict)
    with pytest.raises(GraphQLError, match="3 operations"):
        scan(text + " mutation { j }", strict)


def _limits_as_dict() -> dict[str, int]:
    return {name: getattr(LIMITS, name) for name in LIMITS.__dataclass_fields__}


def test_the_resolvers_selection_walk_honours_skip_include_and_fragments() -> None:
    document = parse(
        """query($s: Boolean!) { citizen(nationalId: "1") {
          identity @skip(if: $s) { firstName }
          ...Address @include(if: false)
          ... on Citizen { birth { date } }
          ...Tax ...Tax
        } }
        fragment Address on Citizen { address { city } }
        fragment Tax on Citizen { taxStatus { cleared } taxStatus { lastFilingYear } }"""
    )
    fragments = {d.name.value: d for d in document.definitions if hasattr(d, "type_condition")}
    root = document.definitions[0].selection_set.selections[0].selection_set  # type: ignore[attr-defined]
    for skip, expected in (
        (True, {"birth", "taxStatus"}),
        (False, {"identity", "birth", "taxStatus"}),
    ):
        selections = Selections(fragments, {"s": skip})
        below = selections.children([root])
        assert set(below) == expected
        assert set(selections.children(below["taxStatus"])) == {"cleared", "lastFilingYear"}
