"""The graphql kind's mapping: the batch document built once, and every fault named at once."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from graphql import parse

from datasources.base import MappingError
from datasources.mapping import Mapping
from demo.mappings import SOCIAL_GRAPHQL
from schema.records import record_specs
from tests.datasources.conftest import TAX
from tests.datasources.graphql_agency import TAX_MAPPING

INSURANCE = record_specs()["insurance"]
QUERY_MODE = {"field": "insuredPeople", "argument": "nationalCodes"}


def by_query() -> dict[str, Any]:
    raw = copy.deepcopy(SOCIAL_GRAPHQL)
    del raw["entities"]
    raw["query"] = dict(QUERY_MODE)
    return raw


def problems_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(MappingError) as caught:
        Mapping.parse(raw, INSURANCE, "graphql")
    return caught.value.problems


def test_entities_document() -> None:
    call = Mapping.parse(SOCIAL_GRAPHQL, INSURANCE, "graphql").call
    assert call is not None and call.root == "_entities" and call.batch_size == 100
    assert call.document == (
        "query DarvazehEntities($representations: [_Any!]!) "
        "{ _entities(representations: $representations) { ... on Insured "
        "{ nationalCode insuranceNo statusCode coverage { kind startDate } dependants modified } "
        "} }"
    )
    parse(call.document)
    assert call.variables(["1", "2"]) == {
        "representations": [
            {"__typename": "Insured", "nationalCode": "1"},
            {"__typename": "Insured", "nationalCode": "2"},
        ]
    }


def test_query_document_with_default_and_given_argument_types() -> None:
    call = Mapping.parse(by_query(), INSURANCE, "graphql").call
    assert call is not None and call.root == "insuredPeople"
    assert call.document.startswith(
        "query DarvazehBatch($ids: [String!]!) { insuredPeople(nationalCodes: $ids) "
        "{ nationalCode insuranceNo statusCode coverage { kind startDate } "
    )
    parse(call.document)
    assert call.variables(["1"]) == {"ids": ["1"]}
    tax = Mapping.parse({**TAX_MAPPING, "batch_size": 25}, TAX, "graphql")
    assert tax.call is not None and tax.call.batch_size == 25
    # The type is re-printed from its parse: spacing cannot smuggle anything in.
    assert tax.call.document.startswith(
        "query DarvazehBatch($ids: [Int!]!) { taxpayers(codes: $ids)"
    )
    assert tax.key.query_value("0000000191") == 191


def test_every_problem_is_named_at_once() -> None:
    raw = copy.deepcopy(SOCIAL_GRAPHQL)
    raw["entities"] = {"typename": "Insured }", "key_field": "national-code", "keys": 1}
    raw["fields"]["insuranceNumber"] = {"from": "insurance_no { id }"}
    raw["fields"]["type"] = {"from": "coverage"}  # then also an object, for "since"
    raw["last_updated"]["from"] = "modified..at"
    raw["fields"]["status"]["transform"] = "upper"
    raw["batch_size"] = 0
    raw["table"] = "insured"
    assert sorted(problems_of(raw)) == sorted(
        [
            "unknown mapping entry 'table' for a graphql source",
            "field 'status': unknown transform 'upper'",
            "field 'insuranceNumber': 'insurance_no { id }' is not a path of GraphQL names "
            "('insurance_no { id }' is not one)",
            "last_updated: 'modified..at' is not a path of GraphQL names ('' is not one)",
            "field 'since': 'coverage' is used both as a value and as an object",
            "batch_size: must be a whole number from 1 to 1000",
            "entities: unknown option 'keys'",
            "entities: typename 'Insured }' is not a GraphQL name",
            "entities: key_field 'national-code' is not a GraphQL name",
        ]
    )


def test_exactly_one_of_entities_or_query() -> None:
    both = {**copy.deepcopy(SOCIAL_GRAPHQL), "query": dict(QUERY_MODE)}
    assert problems_of(both) == [
        'a graphql mapping needs exactly one of "entities" or "query" (got both)'
    ]
    neither = copy.deepcopy(SOCIAL_GRAPHQL)
    del neither["entities"]
    del neither["fields"]["status"]
    assert problems_of(neither) == [
        "required field 'status' is not mapped",
        'a graphql mapping needs exactly one of "entities" or "query" (got neither)',
    ]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"field": "insuredPeople"}, 'query: missing "argument"'),
        ({"argument": "codes"}, 'query: missing "field"'),
        (
            {**QUERY_MODE, "argument_type": "String!"},
            "query: argument_type 'String!' is not a list type (the ids go as one list)",
        ),
        (
            {**QUERY_MODE, "argument_type": "[String!]!) { __schema { types { name } } } #"},
            "query: argument_type '[String!]!) { __schema { types { name } } } #' "
            "is not a GraphQL type",
        ),
        ({**QUERY_MODE, "argument_type": 7}, "query: argument_type must be a GraphQL type"),
        ({**QUERY_MODE, "field": "people(limit: 5)"}, "query: field 'people(limit: 5)' is not"),
        ("insuredPeople", "query: must be an object"),
    ],
)
def test_query_mode_faults(query: Any, problem: str) -> None:
    raw = by_query()
    raw["query"] = query
    [found] = problems_of(raw)
    assert found.startswith(problem)
