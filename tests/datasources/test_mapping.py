from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from datasources import transforms as t
from datasources.base import MappingError, RecordError
from datasources.mapping import Mapping
from standard.records import FieldSpec, ValueKind
from tests.datasources.conftest import (
    BIRTH,
    IDENTITY,
    IDENTITY_MAPPING,
    SCHOOL,
    STUDENTS_MAPPING,
    TAX,
)


def problems_of(raw: object, spec=IDENTITY, kind: str = "sql") -> list[str]:
    with pytest.raises(MappingError) as caught:
        Mapping.parse(raw, spec, kind)
    for problem in caught.value.problems:
        assert problem in str(caught.value)  # the message names each problem
    return caught.value.problems


def test_parse_valid_sql_mapping() -> None:
    mapping = Mapping.parse(IDENTITY_MAPPING, IDENTITY, "sql")
    assert mapping.table == "sabt_ahval_afrad"
    assert mapping.key.source == "shomare_melli" and mapping.key.type == "string"
    assert mapping.columns == (
        "shomare_melli",
        "nam",
        "nam_khanevadegi",
        "nam_pedar",
        "jensiat",
        "akharin_taghyir",
    )
    assert mapping.raw == IDENTITY_MAPPING and mapping.raw is not IDENTITY_MAPPING
    with pytest.raises(dataclasses.FrozenInstanceError):
        mapping.table = "other"  # type: ignore[misc]


def test_every_problem_is_named_at_once() -> None:
    raw = {
        "key": {"from": "shomare_melli", "type": "bigint"},
        "fields": {
            "firstName": {"from": "nam", "transform": "uppercase"},
            "fatherName": {"transform": "none"},
            "gender": {"from": "jensiat", "transform": "map", "map": {"1": "M", "2": "FEMALE"}},
            "shoeSize": {"from": "kafsh"},
        },
        "last_updated": {"from": "t", "transform": "split"},
    }
    problems = problems_of(raw)
    joined = "\n".join(problems)
    assert 'mapping: missing "table"' in joined
    assert "bad key type 'bigint'" in joined
    assert "unknown transform 'uppercase'" in joined
    assert "field 'fatherName': missing \"from\"" in joined
    assert "map value 'M' (for code '1') is not one of MALE, FEMALE" in joined
    assert "unknown standard field 'shoeSize'" in joined
    assert "required field 'lastName' is not mapped" in joined
    assert "last_updated: transform 'split' does not give a date-time" in joined
    assert len(problems) == 8


def test_transform_must_fit_the_kind() -> None:
    raw = {
        "table": "x",
        "key": {"from": "id"},
        "fields": {
            "date": {"from": "d", "transform": "split"},
            "place": {"from": "p", "transform": "solar_hijri_date"},
            "registered": {"from": "r", "transform": "epoch_seconds"},
        },
    }
    joined = "\n".join(problems_of(raw, BIRTH))
    assert "field 'date': transform 'split' does not fit its kind date" in joined
    assert "field 'place': transform 'solar_hijri_date' does not fit its kind string" in joined
    assert "'epoch_seconds' does not fit its kind bool (it is for last_updated)" in joined


def test_map_values_must_be_of_the_field_kind() -> None:
    raw = {
        "table": "x",
        "key": {"from": "id"},
        "fields": {
            "taxpayerId": {"from": "tid"},
            "clearance": {"from": "c", "transform": "map", "map": {"Y": True, "N": "no"}},
            "lastFilingYear": {"from": "y", "transform": "map"},
        },
    }
    joined = "\n".join(problems_of(raw, TAX))
    assert "field 'clearance': map value 'no' (for code 'N') is not a bool" in joined
    assert 'field \'lastFilingYear\': transform "map" needs a non-empty "map" object' in joined


def test_http_mapping_needs_its_endpoint() -> None:
    raw = {"key": {"from": "code"}, "fields": {"school": {"from": "madrese.name"}}, "table": "t"}
    joined = "\n".join(problems_of(raw, SCHOOL, "http"))
    assert 'mapping: missing "endpoint"' in joined
    assert 'mapping: missing "ids_field"' in joined
    assert 'mapping: missing "results"' in joined
    assert "unknown mapping entry 'table' for a http source" in joined


def test_missing_key_and_fields_and_unknown_options() -> None:
    joined = "\n".join(problems_of({"table": "t"}))
    assert "key: missing" in joined and "fields: missing" in joined
    raw = copy.deepcopy(IDENTITY_MAPPING)
    raw["fields"]["firstName"]["separator"] = ","
    assert problems_of(raw) == ["field 'firstName': unknown option 'separator'"]


def test_unknown_kind() -> None:
    assert problems_of(IDENTITY_MAPPING, kind="soap") == ["unknown source kind 'soap'"]
    assert problems_of([1, 2]) == ["a mapping must be a JSON object"]


# -- transforms ----------------------------------------------------------------------------


def test_transforms() -> None:
    assert t.solar_hijri_date("1402/05/12") == date(2023, 8, 3)
    assert t.iso_date("2023-08-03") == date(2023, 8, 3)
    assert t.iso_date("2023-08-03T10:00:00") == date(2023, 8, 3)
    assert t.epoch_seconds(1_700_000_000) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert t.epoch_seconds("1700000000").tzinfo is UTC
    assert t.iso_datetime("2024-01-02T10:00:00+03:30") == datetime(2024, 1, 2, 6, 30, tzinfo=UTC)
    assert t.iso_datetime("2024-01-02T10:00:00") == datetime(2024, 1, 2, 10, tzinfo=UTC)
    assert t.national_id(12345678) == "0012345678"
    assert t.national_id("12345678") == "0012345678"
    assert t.national_id(Decimal(12345678)) == "0012345678"
    assert t.to_int("7") == 7 and t.to_int(Decimal("7")) == 7
    assert t.to_bool(1) is True and t.to_bool("false") is False
    assert t.make_split(",")("a, b,,c ") == ["a", "b", "c"]
    assert t.make_split(",")("") == []
    assert t.make_map({"1": True, "0": False})(1) is True
    assert t.make_map({"true": "Y"})(True) == "Y"
    assert t.make_enum(("MALE", "FEMALE"))(" MALE ") == "MALE"
    for bad, convert in [
        ("1402/13/01", t.solar_hijri_date),
        ("yesterday", t.iso_date),
        ("12345678901", t.national_id),
        (2.5, t.to_int),
        ("maybe", t.to_bool),
        ("a,b", t.to_string_list),
        (True, t.epoch_seconds),
    ]:
        with pytest.raises(ValueError):
            convert(bad)


# -- apply ---------------------------------------------------------------------------------


def test_apply_maps_a_row() -> None:
    mapping = Mapping.parse(IDENTITY_MAPPING, IDENTITY, "sql")
    record = mapping.apply(
        {
            "shomare_melli": "0012345678",
            "nam": "Ali ",
            "nam_khanevadegi": "Rezaei",
            "nam_pedar": None,
            "jensiat": 1,
            "akharin_taghyir": 1_700_000_000,
        }
    )
    assert record.values == {
        "firstName": "Ali",
        "lastName": "Rezaei",
        "fatherName": None,
        "gender": "MALE",
    }
    assert record.last_updated == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_apply_null_required_field_is_data_not_error() -> None:
    mapping = Mapping.parse(IDENTITY_MAPPING, IDENTITY, "sql")
    record = mapping.apply({"shomare_melli": "0012345678", "nam": None, "akharin_taghyir": None})
    assert record.values["firstName"] is None and record.last_updated is None


def test_apply_birth_with_every_transform() -> None:
    raw = {
        "table": "tavallod",
        "key": {"from": "code", "type": "integer"},
        "fields": {
            "date": {"from": "tarikh_tavallod", "transform": "solar_hijri_date"},
            "fatherNationalId": {"from": "code_pedar", "transform": "national_id"},
            "dependantNationalIds": {
                "from": "tahte_takafol",
                "transform": "split",
                "separator": ";",
            },
            "registered": {"from": "sabt", "transform": "map", "map": {"Y": True, "N": False}},
        },
        "last_updated": {"from": "tarikh_sabt", "transform": "iso_date"},
    }
    mapping = Mapping.parse(raw, BIRTH, "sql")
    row = {
        "code": 12345678,
        "tarikh_tavallod": "1402/05/12",
        "code_pedar": 4567,
        "tahte_takafol": "0012345678;0098765432",
        "sabt": "N",
        "tarikh_sabt": "2023-08-05",
    }
    assert mapping.key.of(row) == "0012345678"
    assert mapping.key.query_value("0012345678") == 12345678
    record = mapping.apply(row)
    assert record.values == {
        "date": date(2023, 8, 3),
        "fatherNationalId": "0000004567",
        "dependantNationalIds": ["0012345678", "0098765432"],
        "registered": False,
    }
    assert record.last_updated == datetime(2023, 8, 5, tzinfo=UTC)
    assert mapping.apply({**row, "tahte_takafol": None}).values["dependantNationalIds"] is None


def test_apply_http_dotted_paths() -> None:
    mapping = Mapping.parse(STUDENTS_MAPPING, SCHOOL, "http")
    record = mapping.apply(
        {"code_melli": "0012345678", "madrese": {"name": "Alborz"}, "paye": "7", "vaziat": 2}
    )
    assert record.values == {
        "school": "Alborz",
        "grade": 7,
        "academicYear": None,
        "status": "GRADUATED",
    }
    assert mapping.apply({"code_melli": "1", "madrese": None}).values["school"] is None


def test_bad_value_names_field_and_column_not_value() -> None:
    mapping = Mapping.parse(IDENTITY_MAPPING, IDENTITY, "sql")
    with pytest.raises(RecordError) as caught:
        mapping.apply({"shomare_melli": "0012345678", "nam": "A", "jensiat": 9})
    message = str(caught.value)
    assert "'gender'" in message and "'jensiat'" in message and "9" not in message


def test_enum_without_map_checks_standard_values() -> None:
    spec = FieldSpec("gender", ValueKind.ENUM, values=("MALE", "FEMALE"))
    convert = t.field_converter(spec, "none", {})
    assert convert("FEMALE") == "FEMALE"
    with pytest.raises(ValueError):
        convert("F")
