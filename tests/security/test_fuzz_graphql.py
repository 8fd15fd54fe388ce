"""Generated GraphQL documents (hypothesis-graphql over the gateway's own schema) against a whole
gateway: no 5xx, no traceback, every error coded, whatever the document and the token."""

from __future__ import annotations

from collections.abc import Iterator

import graphql
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, mutations, queries

from schema import build_schema
from schema.limits import QueryLimits
from settings import Settings
from tests.security.fuzz_inputs import scalar_strategies
from tests.security.fuzz_verdicts import FuzzLedger
from tests.security.fuzzing import (
    FuzzGateway,
    examples,
    fuzz_gateway,
    fuzz_settings,
)

STATUTORY = "statutory_all_datasets"
SCHEMA: graphql.GraphQLSchema = build_schema(QueryLimits.from_settings(Settings()))._schema


@pytest.fixture(scope="module")
def fuzz() -> Iterator[FuzzGateway]:
    with fuzz_gateway() as gateway:
        yield gateway


def _run(
    fuzz: FuzzGateway, documents: st.SearchStrategy[str], count: int, label: str, role: str | None,
    reading: float = 0.0,
) -> None:  # fmt: skip
    ledger = FuzzLedger()

    @fuzz_settings(count)
    @given(document=documents)
    def send(document: str) -> None:
        token = fuzz.token(role) if role else None
        ledger.check(fuzz.graphql(label, document, token=token))

    send()
    # With a token, the documents must reach the resolvers, not stop at the door.
    ledger.finish(examples(count), turned_away=0.05 if role else 1.0, reading=reading)


def test_generated_queries_with_a_statutory_token(fuzz: FuzzGateway) -> None:
    """2,000 valid queries, every argument generated (national codes real and malformed,
    cursors, dates, JSON, federation representations)."""
    documents = queries(SCHEMA, custom_scalars=scalar_strategies(fuzz.national_ids[:60]))
    _run(fuzz, documents, 2000, "generated query, statutory token", STATUTORY, reading=0.2)


def test_generated_queries_without_a_token(fuzz: FuzzGateway) -> None:
    documents = queries(SCHEMA, custom_scalars=scalar_strategies(fuzz.national_ids[:60]))
    _run(fuzz, documents, 500, "generated query, no token", None)


def test_generated_mutations_with_a_statutory_token_or_none(fuzz: FuzzGateway) -> None:
    """Every mutation is an agency admin's or a citizen's: refused, with a code, whatever its
    input (the inputs are generated in full: JSON connections and mappings, card inputs...)."""
    documents = mutations(SCHEMA, custom_scalars=scalar_strategies(fuzz.national_ids[:60]))
    _run(fuzz, documents, 300, "generated mutation, statutory token", STATUTORY)
    _run(fuzz, documents, 200, "generated mutation, no token", None)


def test_generated_queries_for_an_agency_admin(fuzz: FuzzGateway) -> None:
    """Queries only: an admin's mutations would register sources at generated addresses."""
    documents = queries(SCHEMA, custom_scalars=scalar_strategies(fuzz.national_ids[:60]))
    _run(fuzz, documents, 300, "generated query, agency admin token", "agency_admin", reading=0.2)


def test_generated_invalid_documents(fuzz: FuzzGateway) -> None:
    """Documents with one schema violation each: refused with a coded validation error."""
    scalars = scalar_strategies(fuzz.national_ids[:60], malformed_dates=True)
    documents = from_schema(SCHEMA, custom_scalars=scalars, mode=Mode.NEGATIVE)
    _run(fuzz, documents, 300, "invalid document, statutory token", STATUTORY)
