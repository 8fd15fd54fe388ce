"""The one-pass completion of plain objects answers exactly what graphql-core's field-by-field
completion answers, errors included (schema/execution.py)."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig

from resolvers.access import Decision
from resolvers.guard import AccessGuard
from schema.execution import plain_fields, record_execution
from standard.datasets import Dataset
from standard.errors import ErrorCode


@strawberry.enum
class Colour(enum.Enum):
    RED = "r"
    BLUE = "b"


@strawberry.type
class Where:
    agency: str
    day: date | None


@strawberry.type
class Thing:
    name: str | None
    colour: Colour | None
    tags: list[str] | None
    must: str
    secret: str | None = strawberry.field(extensions=[AccessGuard(Dataset.CIVIL_FAMILY)])
    where: Where

    @strawberry.field
    def shout(self) -> str:
        return (self.name or "").upper()


def _thing(denied: frozenset[Dataset] = frozenset(), **changes: Any) -> Thing:
    values: dict[str, Any] = {
        "name": "a",
        "colour": Colour.BLUE,
        "tags": ["x", "y"],
        "must": "m",
        "secret": "s",
        "where": Where(agency="civil", day=date(2020, 1, 2)),
    }
    thing = Thing(**(values | changes))
    thing.subject = "0000000000"  # type: ignore[attr-defined]
    thing.denied = denied  # type: ignore[attr-defined]
    return thing


def _schemas(things: list[Thing]) -> tuple[strawberry.Schema, strawberry.Schema]:
    @strawberry.type
    class Query:
        @strawberry.field
        def things(self) -> list[Thing]:
            return things

    config = StrawberryConfig()
    plain = plain_fields([Thing, Where], config.name_converter.get_graphql_name)
    fast = strawberry.Schema(
        query=Query, config=config, execution_context_class=record_execution(plain)
    )
    return strawberry.Schema(query=Query), fast


class _Context:
    def decision(self, subject: str, dataset: Dataset) -> Decision:
        return Decision(False, ErrorCode.CONSENT_REQUIRED, f"no {dataset} for {subject}")


QUERIES = [
    "{ things { name colour tags must secret where { agency day } } }",
    "{ things { __typename n: name ...F where { a: agency, agency } } } "
    "fragment F on Thing { colour tags }",
    "{ things { name shout } }",  # a resolver: the ordinary way
    "{ things { name @include(if: true) colour @skip(if: true) } }",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(
    "thing",
    [
        _thing(),
        _thing(name=None, tags=None, colour=None),
        _thing(must=None),  # null where non-null: the ordinary error
        _thing(tags=["x", None]),  # a null item in a list of non-null
        _thing(colour="not a colour"),  # fails coercion
        _thing(denied=frozenset({Dataset.CIVIL_FAMILY})),  # the guard answers
    ],
)
async def test_same_answer_as_graphql_core(query: str, thing: Thing) -> None:
    ordinary, fast = _schemas([thing, _thing()])
    expected = await ordinary.execute(query, context_value=_Context())
    answered = await fast.execute(query, context_value=_Context())
    assert answered.data == expected.data
    assert [e.formatted for e in answered.errors or []] == [
        e.formatted for e in expected.errors or []
    ]


def test_plain_fields_are_those_without_resolver_or_other_extension() -> None:
    config = StrawberryConfig()
    plain = plain_fields([Thing, Where], config.name_converter.get_graphql_name)
    assert plain["Thing"] == {
        "name": ("name", None),
        "colour": ("colour", None),
        "tags": ("tags", None),
        "must": ("must", None),
        "secret": ("secret", Dataset.CIVIL_FAMILY),
        "where": ("where", None),
    }
    assert plain["Where"] == {"agency": ("agency", None), "day": ("day", None)}


async def test_plain_objects_skip_the_field_resolvers() -> None:
    calls: list[str] = []

    config = StrawberryConfig()
    fast = record_execution(plain_fields([Thing, Where], config.name_converter.get_graphql_name))

    class Counting(fast):  # type: ignore[misc,valid-type]
        def execute_field(self, parent_type: Any, *args: Any, **kwargs: Any) -> Any:
            calls.append(parent_type.name)
            return super().execute_field(parent_type, *args, **kwargs)

    @strawberry.type
    class Query:
        @strawberry.field
        def things(self) -> list[Thing]:
            return [_thing(), _thing()]

    schema = strawberry.Schema(query=Query, config=config, execution_context_class=Counting)
    answer = await schema.execute("{ things { name where { agency } } }")
    assert answer.errors is None
    assert calls == ["Query"]  # only the root field; both things in one pass each


@strawberry.type
class Box:
    label: str
    held: strawberry.Private[Thing | None] = None

    @strawberry.field
    def thing(self) -> Thing | None:
        if self.held is None:
            raise ValueError("nothing held")  # the resolver's own error, the ordinary way
        return self.held


def _box_schemas(boxes: list[Box], calls: list[str]) -> tuple[strawberry.Schema, type]:
    @strawberry.type
    class Query:
        @strawberry.field
        def boxes(self) -> list[Box]:
            return boxes

    config = StrawberryConfig()
    plain = plain_fields([Thing, Where, Box], config.name_converter.get_graphql_name)
    fast = record_execution(plain, {"Box": {"thing": lambda box: box.held}})

    class Counting(fast):  # type: ignore[misc,valid-type]
        def execute_field(self, parent_type: Any, *args: Any, **kwargs: Any) -> Any:
            calls.append(parent_type.name)
            return super().execute_field(parent_type, *args, **kwargs)

    return strawberry.Schema(query=Query), Counting


@pytest.mark.parametrize(
    "held",
    [
        [_thing(), _thing(name="b")],
        [_thing(), None],  # no value ready: that box goes the ordinary way, error and all
        [_thing(denied=frozenset({Dataset.CIVIL_FAMILY})), _thing()],  # the guard answers
        [_thing(must=None), _thing()],
    ],
)
async def test_ready_fields_answer_as_their_resolvers(held: list[Thing | None]) -> None:
    calls: list[str] = []
    boxes = [Box(label=str(index), held=thing) for index, thing in enumerate(held)]
    ordinary, fast = _box_schemas(boxes, calls)
    query = "{ boxes { label thing { name secret where { agency } } } }"
    expected = await ordinary.execute(query, context_value=_Context())
    schema = strawberry.Schema(query=ordinary.query, execution_context_class=fast)  # type: ignore[arg-type]
    answered = await schema.execute(query, context_value=_Context())
    assert answered.data == expected.data
    assert [e.formatted for e in answered.errors or []] == [
        e.formatted for e in expected.errors or []
    ]


async def test_ready_fields_skip_their_resolvers() -> None:
    calls: list[str] = []
    ordinary, fast = _box_schemas(
        [Box(label="a", held=_thing()), Box(label="b", held=_thing())], calls
    )
    schema = strawberry.Schema(query=ordinary.query, execution_context_class=fast)  # type: ignore[arg-type]
    answer = await schema.execute("{ boxes { label thing { name where { agency } } } }")
    assert answer.errors is None
    assert calls == ["Query"]  # only the root field: each box, its thing included, in one pass


def _cached_schema(made: list[str]) -> strawberry.Schema:
    """The fast schema with the document parsed once (as the query gate keeps it), counting the
    plans it makes."""
    config = StrawberryConfig()
    fast = record_execution(plain_fields([Thing, Where], config.name_converter.get_graphql_name))

    class Counting(fast):  # type: ignore[misc,valid-type]
        def _make_plan(self, parent_type: Any, grouped_field_set: Any) -> Any:
            made.append(parent_type.name)
            return super()._make_plan(parent_type, grouped_field_set)

    @strawberry.type
    class Query:
        @strawberry.field
        def things(self, denied: bool = False) -> list[Thing]:
            return [_thing(frozenset({Dataset.CIVIL_FAMILY}) if denied else frozenset())]

    return strawberry.Schema(
        query=Query, config=config, execution_context_class=Counting, extensions=[ParserCache]
    )


async def test_requests_of_one_document_share_its_plans() -> None:
    made: list[str] = []
    schema = _cached_schema(made)
    query = "query Q($d: Boolean!) { things(denied: $d) { name secret where { agency } } }"
    ordinary = strawberry.Schema(query=schema.query)  # type: ignore[arg-type]
    for denied in (False, True, False):
        variables = {"d": denied}
        answered = await schema.execute(query, variable_values=variables, context_value=_Context())
        expected = await ordinary.execute(
            query, variable_values=variables, context_value=_Context()
        )
        assert answered.data == expected.data
        assert [e.formatted for e in answered.errors or []] == [
            e.formatted for e in expected.errors or []
        ]
    assert made == ["Thing", "Where"]  # planned by the first request only


async def test_documents_with_directives_are_planned_per_request() -> None:
    """What @skip and @include select depends on the variables: no plan is shared."""
    made: list[str] = []
    schema = _cached_schema(made)
    query = "query Q($s: Boolean!) { things { name @skip(if: $s) colour where { agency } } }"
    for skip in (True, False):
        answered = await schema.execute(query, variable_values={"s": skip})
        assert answered.errors is None and answered.data is not None
        assert ("name" in answered.data["things"][0]) is not skip
    assert made.count("Thing") == 2
