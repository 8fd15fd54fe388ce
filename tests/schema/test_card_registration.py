"""Service card registration over GraphQL: an agency admin registers, changes and restores its
own agency's cards only; every problem is named; a refused change changes nothing; the catalogue
shows each change at once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import RunningGateway

CARD = """id agency { code } nameEn datasets legalBasis statute proactive lifeEvent enabled
  version connected missing { dataset reason }"""
REGISTER = f"""mutation($input: ServiceCardInput!) {{
  registerServiceCard(input: $input) {{ {CARD} }} }}"""
DISABLE = f"mutation($id: ID!) {{ disableServiceCard(id: $id) {{ {CARD} }} }}"
ENABLE = f"mutation($id: ID!) {{ enableServiceCard(id: $id) {{ {CARD} }} }}"
RESTORE = f"""mutation($id: ID!, $version: Int!) {{
  restoreServiceCard(id: $id, version: $version) {{ {CARD} }} }}"""
HISTORY = """query($id: ID!) { serviceCardHistory(id: $id) {
  version action changedBy changedAt nameEn datasets legalBasis enabled } }"""
LOOK = f"""query($id: ID!, $agency: String) {{ catalogue {{
  card(id: $id) {{ {CARD} }} coverage {{ connected total }}
  cards(agency: $agency, first: 100) {{ totalCount edges {{ node {{ id }} }} }} }} }}"""

CIVIL, EDUCATION = "agency_admin", "education_admin"


def card_input(card_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "id": card_id,
        "nameFa": "گواهی ولادت الکترونیکی",
        "nameEn": "Electronic birth certificate",
        "purposeEn": "Issue a birth certificate without a visit",
        "datasets": ["civil.identity", "civil.birth"],
        "legalBasis": "STATUTE",
        "statute": "Civil Registration Act, article 12",
        **changes,
    }


async def as_admin(
    gateway: RunningGateway, query: str, role: str = CIVIL, **variables: Any
) -> dict[str, Any]:
    return await gateway.query(query, variables, role=role, case_reference=None)


def result(answer: dict[str, Any], field: str) -> Any:
    assert "errors" not in answer, answer
    return answer["data"][field]


def error(answer: dict[str, Any]) -> dict[str, Any]:
    (found,) = answer["errors"]
    return found  # type: ignore[no-any-return]


async def look(gateway: RunningGateway, card_id: str, agency: str = "civil-registry") -> Any:
    answer = await gateway.query(LOOK, {"id": card_id, "agency": agency}, role=None)
    return result(answer, "catalogue")


@pytest.fixture
async def probed(gateway: RunningGateway) -> RunningGateway:
    await gateway.gateway.registry.probe_all()
    return gateway


async def test_register_change_disable_enable_restore(probed: RunningGateway) -> None:
    gateway = probed
    before = await look(gateway, "e-birth-certificate")
    assert before["card"] is None
    made = result(await as_admin(gateway, REGISTER, input=card_input("e-birth-certificate")),
                  "registerServiceCard")  # fmt: skip
    assert made == {
        "id": "e-birth-certificate", "agency": {"code": "civil-registry"},
        "nameEn": "Electronic birth certificate", "datasets": ["civil.identity", "civil.birth"],
        "legalBasis": "STATUTE", "statute": "Civil Registration Act, article 12",
        "proactive": False, "lifeEvent": None, "enabled": True, "version": 1, "connected": True,
        "missing": [],
    }  # fmt: skip
    after = await look(gateway, "e-birth-certificate")
    assert after["card"] == made  # seen at once, by this worker's cache too
    assert after["coverage"]["total"] == before["coverage"]["total"] + 1
    assert after["cards"]["totalCount"] == before["cards"]["totalCount"] + 1

    # An update: now it needs property deeds too, which the standard does not have yet.
    changed = card_input("e-birth-certificate", datasets=["civil.birth", "property.deeds"])
    updated = result(await as_admin(gateway, REGISTER, input=changed), "registerServiceCard")
    assert (updated["version"], updated["connected"]) == (2, False)
    assert updated["missing"] == [{"dataset": "property.deeds", "reason": "NOT_IN_STANDARD"}]
    same = result(await as_admin(gateway, REGISTER, input=changed), "registerServiceCard")
    assert same["version"] == 2  # nothing changed: no new version

    disabled = result(await as_admin(gateway, DISABLE, id="e-birth-certificate"),
                      "disableServiceCard")  # fmt: skip
    assert (disabled["enabled"], disabled["version"]) == (False, 3)
    out = await look(gateway, "e-birth-certificate")
    assert out["card"]["enabled"] is False  # still found by id
    assert out["coverage"]["total"] == before["coverage"]["total"]
    assert "e-birth-certificate" not in [e["node"]["id"] for e in out["cards"]["edges"]]
    enabled = result(await as_admin(gateway, ENABLE, id="e-birth-certificate"),
                     "enableServiceCard")  # fmt: skip
    assert (enabled["enabled"], enabled["version"]) == (True, 4)

    restored = result(await as_admin(gateway, RESTORE, id="e-birth-certificate", version=1),
                      "restoreServiceCard")  # fmt: skip
    assert restored == {**made, "version": 5}
    history = result(await as_admin(gateway, HISTORY, id="e-birth-certificate"),
                     "serviceCardHistory")  # fmt: skip
    assert [(v["version"], v["action"]) for v in history] == [
        (5, "RESTORED"), (4, "ENABLED"), (3, "DISABLED"), (2, "UPDATED"), (1, "REGISTERED")
    ]  # fmt: skip
    assert {v["changedBy"] for v in history} == {"civil-registry-admin"}
    assert history[3]["datasets"] == ["civil.birth", "property.deeds"]
    assert history[2]["enabled"] is False and history[0]["legalBasis"] == "STATUTE"


async def test_every_problem_named_and_nothing_changed(probed: RunningGateway) -> None:
    gateway = probed
    await as_admin(gateway, REGISTER, input=card_input("e-death-record"))
    before = await look(gateway, "e-death-record")
    history = await as_admin(gateway, HISTORY, id="e-death-record")
    bad = card_input(
        "e-death-record", nameFa=" ", datasets=["civil.dna"], legalBasis="CONSENT",
        proactive=True, lifeEvent="wedding",
    )  # fmt: skip
    answer = await as_admin(gateway, REGISTER, input=bad)
    found = error(answer)
    assert answer["data"]["registerServiceCard"] is None
    assert found["extensions"]["code"] == "REGISTRATION_REFUSED"
    assert [p.split(":")[0] for p in found["extensions"]["problems"]] == [
        "nameFa", "datasets", "statute", "lifeEvent", "legalBasis", "proactiveMode"
    ]  # fmt: skip
    assert "cannot rest on consent" in found["message"]
    new = await as_admin(gateway, REGISTER, input=card_input("Not A Slug"))
    assert [p.split(":")[0] for p in error(new)["extensions"]["problems"]] == ["id"]
    assert await look(gateway, "e-death-record") == before
    assert await as_admin(gateway, HISTORY, id="e-death-record") == history
    assert (await look(gateway, "Not A Slug"))["card"] is None
    missing = await as_admin(gateway, RESTORE, id="e-death-record", version=42)
    assert error(missing)["extensions"]["code"] == "REGISTRATION_REFUSED"
    nothing = await as_admin(gateway, DISABLE, id="no-such-card")
    assert error(nothing)["extensions"]["code"] == "REGISTRATION_REFUSED"


async def test_an_agency_touches_only_its_own_cards(probed: RunningGateway) -> None:
    gateway = probed
    await as_admin(gateway, REGISTER, input=card_input("e-name-change"))
    before = await look(gateway, "e-name-change")
    history = await as_admin(gateway, HISTORY, id="e-name-change")
    for query, variables in [
        (REGISTER, {"input": card_input("e-name-change", nameEn="Hijacked")}),
        (DISABLE, {"id": "e-name-change"}),
        (ENABLE, {"id": "e-name-change"}),
        (RESTORE, {"id": "e-name-change", "version": 1}),
        (HISTORY, {"id": "e-name-change"}),
        (DISABLE, {"id": "newborn-health-insurance"}),
    ]:
        answer = await as_admin(gateway, query, role=EDUCATION, **variables)
        assert error(answer)["extensions"]["code"] == "REGISTRATION_REFUSED", answer
        # Refused as if the card did not exist (tests/security/test_foreign_ids.py).
        card = variables.get("id") or "e-name-change"
        assert error(answer)["message"] in {
            f"agency 'education' has no service card {card!r}",
            f"the service card id {card!r} is taken; choose another",
        }
    assert await look(gateway, "e-name-change") == before
    assert await as_admin(gateway, HISTORY, id="e-name-change") == history
    # Education's own card is education's, whatever the input says.
    answer = await as_admin(gateway, REGISTER, role=EDUCATION, input=card_input("e-transfer"))
    assert result(answer, "registerServiceCard")["agency"] == {"code": "education"}


async def test_only_agency_admins_register(probed: RunningGateway) -> None:
    gateway = probed
    for role in ("statutory", "statutory_all_datasets"):
        answer = await gateway.query(REGISTER, {"input": card_input("e-x")}, role=role)
        assert error(answer)["extensions"]["code"] == "FORBIDDEN"
        answer = await gateway.query(HISTORY, {"id": "newborn-health-insurance"}, role=role)
        assert error(answer)["extensions"]["code"] == "FORBIDDEN"
    response = await gateway.post(REGISTER, {"input": card_input("e-x")}, role=None)
    assert response.status_code == 401
    assert error(response.json())["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await look(gateway, "e-x"))["card"] is None


async def test_a_proactive_card(probed: RunningGateway) -> None:
    gateway = probed
    proactive = card_input(
        "e-newborn-registration", proactive=True, lifeEvent="birth.registered",
        proactiveMode="NOTIFY", datasets=["civil.birth", "civil.family"],
    )  # fmt: skip
    made = result(await as_admin(gateway, REGISTER, input=proactive), "registerServiceCard")
    assert made["proactive"] is True and made["lifeEvent"] == "birth.registered"
    assert made["connected"] is True
