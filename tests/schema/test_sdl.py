"""The committed SDL is the standard: current, and every data field names its dataset scope."""

from __future__ import annotations

from pathlib import Path

from graphql import build_ast_schema, parse

from schema import build_schema
from schema.limits import QueryLimits
from schema.records import RECORDS
from settings import Settings
from standard.datasets import Dataset

SDL_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_the_committed_sdl_is_current() -> None:
    printed = build_schema(QueryLimits.from_settings(Settings())).as_str() + "\n"
    assert SDL_FILE.read_text() == printed, "schema.graphql is stale: run `make schema`"


def _directive_scopes(field) -> list[list[str]] | None:  # type: ignore[no-untyped-def]
    for directive in field.ast_node.directives or ():
        if directive.name.value == "requiresScopes":
            return [
                [item.value for item in inner.values]
                for inner in directive.arguments[0].value.values
            ]
    return None


def test_every_record_field_names_exactly_one_dataset() -> None:
    document = parse(SDL_FILE.read_text())
    sdl = build_ast_schema(document, assume_valid=True)
    datasets = {dataset.value for dataset in Dataset}
    for record in RECORDS:
        graphql_type = sdl.type_map[record.__name__]
        for name, field in graphql_type.fields.items():
            scopes = _directive_scopes(field)
            if name == "provenance":
                assert scopes is None
                continue
            assert scopes is not None and len(scopes) == 1 and len(scopes[0]) == 1, name
            assert scopes[0][0] in datasets


def test_citizen_records_require_any_of_their_fields_datasets() -> None:
    sdl = build_ast_schema(parse(SDL_FILE.read_text()), assume_valid=True)
    citizen = sdl.type_map["Citizen"]
    assert _directive_scopes(citizen.fields["birth"]) == [["civil.birth"], ["civil.family"]]
    assert _directive_scopes(citizen.fields["taxStatus"]) == [["tax.status"]]
    assert _directive_scopes(citizen.fields["nationalId"]) is None
    assert '@key(fields: "nationalId")' in SDL_FILE.read_text()
