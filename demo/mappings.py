"""How each demo agency's own tables map onto the standard records.

These are exactly what an agency would send when registering its sources: the gateway stores them
and the adapters apply them; nothing else in the code knows the agencies' column names.
"""

from __future__ import annotations

from typing import Any

_CIVIL_UPDATED = {"from": "akharin_taghyir", "transform": "epoch_seconds"}

CIVIL: dict[str, dict[str, Any]] = {
    "identity": {
        "table": "sabt_ahval_afrad",
        "key": {"from": "shomare_melli"},
        "fields": {
            "firstName": {"from": "nam"},
            "lastName": {"from": "nam_khanevadegi"},
            "fatherName": {"from": "nam_pedar"},
            "gender": {"from": "jensiat", "transform": "map", "map": {"1": "MALE", "2": "FEMALE"}},
        },
        "last_updated": _CIVIL_UPDATED,
    },
    "birth": {
        "table": "sabt_ahval_afrad",
        "key": {"from": "shomare_melli"},
        "fields": {
            "date": {"from": "tarikh_tavallod", "transform": "solar_hijri_date"},
            "place": {"from": "mahal_tavallod"},
            "fatherNationalId": {"from": "shomare_melli_pedar", "transform": "national_id"},
            "motherNationalId": {"from": "shomare_melli_madar", "transform": "national_id"},
        },
        "last_updated": _CIVIL_UPDATED,
    },
    "death": {
        "table": "sabt_ahval_fot",
        "key": {"from": "shomare_melli"},
        "fields": {
            "date": {"from": "tarikh_fot", "transform": "solar_hijri_date"},
            "place": {"from": "mahal_fot"},
        },
        "last_updated": _CIVIL_UPDATED,
    },
    "address": {
        "table": "neshani",
        "key": {"from": "shomare_melli"},
        "fields": {
            "province": {"from": "ostan"},
            "city": {"from": "shahr"},
            "postalCode": {"from": "code_posti"},
        },
        "last_updated": _CIVIL_UPDATED,
    },
}

SOCIAL: dict[str, Any] = {
    "table": "insured_persons",
    "key": {"from": "insured_id"},
    "fields": {
        "insuranceNumber": {"from": "insurance_no"},
        "status": {
            "from": "status_code",
            "transform": "map",
            "map": {"A": "ACTIVE", "S": "SUSPENDED", "E": "EXPIRED"},
        },
        "type": {
            "from": "coverage_type",
            "transform": "map",
            "map": {
                "salaried": "SALARIED",
                "self_employed": "SELF_EMPLOYED",
                "voluntary": "VOLUNTARY",
                "dependant": "DEPENDANT",
                "pensioner": "PENSIONER",
            },
        },
        "since": {"from": "start_date", "transform": "iso_date"},
        "dependantNationalIds": {"from": "dependants", "transform": "split", "separator": ","},
    },
    "last_updated": {"from": "modified", "transform": "iso_datetime"},
}

TAX: dict[str, Any] = {
    "table": "TAXPAYERS",
    # The tax agency keeps national codes as numbers, so codes starting with 0 lost their zeros.
    "key": {"from": "NATIONAL_CODE", "type": "integer"},
    "fields": {
        "taxpayerId": {"from": "TIN"},
        "cleared": {"from": "CLEARANCE_FLAG", "transform": "map", "map": {"Y": True, "N": False}},
        "lastFilingYear": {"from": "LAST_RETURN_YEAR"},
    },
    "last_updated": {"from": "UPDATED_AT", "transform": "iso_datetime"},
}

EDUCATION: dict[str, Any] = {
    "endpoint": "/api/v1/students:batch",
    "ids_field": "codes",
    "results": "students",
    "key": {"from": "code_melli"},
    "fields": {
        "school": {"from": "madrese.name"},
        "schoolCode": {"from": "madrese.code"},
        "grade": {"from": "paye"},
        "academicYear": {"from": "sal_tahsili"},
        "status": {
            "from": "vaziat",
            "transform": "map",
            "map": {"enrolled": "ENROLLED", "graduated": "GRADUATED", "withdrawn": "WITHDRAWN"},
        },
    },
    "last_updated": {"from": "updated", "transform": "iso_datetime"},
}

# The same social security records through the agency's own GraphQL subgraph (demo.social_graphql),
# as an agency that runs GraphQL would register them. The demo world itself keeps SOCIAL (sql).
SOCIAL_GRAPHQL: dict[str, Any] = {
    # Federation: `_entities` with representations {"__typename": "Insured", "nationalCode": id}.
    # A list query works as well: "query": {"field": "insuredPeople", "argument": "nationalCodes"}.
    "entities": {"typename": "Insured", "key_field": "nationalCode"},
    "key": {"from": "nationalCode"},
    "fields": {
        "insuranceNumber": {"from": "insuranceNo"},
        "status": SOCIAL["fields"]["status"] | {"from": "statusCode"},
        "type": SOCIAL["fields"]["type"] | {"from": "coverage.kind"},
        "since": {"from": "coverage.startDate", "transform": "iso_date"},
        "dependantNationalIds": {"from": "dependants"},  # already a list: no "split"
    },
    "last_updated": {"from": "modified", "transform": "iso_datetime"},
}
