"""Guardianship (auth/consent/guardianship.py): the civil registry's birth record decides whether a
citizen is the parent of a minor child, up to the first instant of the 18th birthday."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from auth.consent.errors import GuardianshipError
from auth.consent.guardianship import check_guardian
from auth.consent.national_time import majority_begins
from auth.core.system_checks import CitizenCheck
from demo.world import Person
from tests.harness import RunningGateway


def person(gw: RunningGateway, national_id: str) -> Person:
    return next(p for p in gw.world.people if p.national_id == national_id)


async def test_majority_begins_on_the_18th_birthday(gateway: RunningGateway) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    birth = person(gateway, child).birth_date
    eighteenth = majority_begins(birth).date()
    births, check = gateway.gateway.births, CitizenCheck.CONSENT_GUARDIAN
    day_before = eighteenth - timedelta(days=1)
    await check_guardian(births, parent=parent, child=child, on=day_before, check=check)
    with pytest.raises(GuardianshipError) as refused:
        await check_guardian(births, parent=parent, child=child, on=eighteenth, check=check)
    assert refused.value.kind == "adult"


async def test_child_without_birth_record_refused(gateway: RunningGateway) -> None:
    from standard.national_id import with_check_digit

    known = {p.national_id for p in gateway.world.people}
    nobody = next(
        code
        for n in range(100_000_000, 100_001_000)
        if (code := with_check_digit(str(n))) not in known
    )
    with pytest.raises(GuardianshipError) as refused:
        await check_guardian(
            gateway.gateway.births, parent=gateway.citizens["parent"], child=nobody,
            on=date.today(), check=CitizenCheck.CONSENT_GUARDIAN,
        )  # fmt: skip
    assert refused.value.kind == "no_record"
