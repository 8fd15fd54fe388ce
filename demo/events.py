"""Life events in the demo world, as the civil registry has them: it records the event in its own
database, then reports it to the gateway with its own client (`reportLifeEvent`, over HTTP).

    python -m demo.events birth --parent <national code>
    python -m demo.events death --national-id <national code>

A birth is a new child of the parent (and of the partner the registry knows), born today, with a
new valid national code, living at the parents' address. A death is recorded today, unless the
registry has it already (then it is only reported again: the same event id, so nothing new).
What to look at next goes to stderr; stdout gets the report as JSON, so it can be piped to jq.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

import httpx

from demo.agencies import agency_urls
from demo.civil_registry import RegistryRefused, record_births, record_death
from settings import Settings, get_settings
from standard.life_events import LifeEvent
from standard.national_id import InvalidNationalId, validate

CLIENT_ROLE = "civil_registry_events"  # the civil registry's reporting client in var/demo.json
TIMEOUT = 10.0
REPORT = """mutation($input: LifeEventInput!) {
  reportLifeEvent(input: $input) { id kind nationalId eventId occurredAt status duplicate } }"""


class EventFailed(Exception):
    """Something a reader can act on: printed, exit status 1."""


def national_code(value: str) -> str:
    """An argument's national code, canonical (Persian digits read), or a usage error."""
    try:
        return validate(value)
    except InvalidNationalId as invalid:
        raise argparse.ArgumentTypeError(str(invalid)) from None


def _facts(settings: Settings) -> dict[str, Any]:
    path = settings.var_dir / "demo.json"
    try:
        facts: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EventFailed(f"no {path}: start the demo first (make demo)") from None
    if CLIENT_ROLE not in facts.get("clients", {}):
        raise EventFailed(f"{path} has no {CLIENT_ROLE} client: `python -m demo --reseed`")
    return facts


async def report(
    facts: dict[str, Any], kind: LifeEvent, national_id: str, event_id: str, at: datetime
) -> dict[str, Any]:
    """reportLifeEvent with the civil registry's own client; the gateway's receipt."""
    client = facts["clients"][CLIENT_ROLE]
    async with httpx.AsyncClient(base_url=facts["base_url"], timeout=TIMEOUT) as http:
        try:
            issued = await http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(client["client_id"], client["client_secret"]),
            )
            issued.raise_for_status()
            token = issued.json()["access_token"]
            variables = {
                "input": {
                    "kind": kind.value,
                    "nationalId": national_id,
                    "eventId": event_id,
                    "occurredAt": at.isoformat(timespec="seconds"),
                }
            }
            answer = await http.post(
                "/graphql",
                json={"query": REPORT, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as error:
            raise EventFailed(
                f"the gateway at {facts['base_url']} did not answer: {error}"
            ) from None
    body = (
        answer.json()
        if answer.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    if body.get("errors") or not (body.get("data") or {}).get("reportLifeEvent"):
        problems = "; ".join(
            f"{e.get('extensions', {}).get('code', '?')}: {e.get('message')}"
            for e in body.get("errors", [])
        )
        raise EventFailed(f"the gateway refused the report ({answer.status_code}): {problems}")
    receipt: dict[str, Any] = body["data"]["reportLifeEvent"]
    return receipt


def _look_at(facts: dict[str, Any], kind: LifeEvent, people: list[str]) -> str:
    base = facts["base_url"]
    receiver = facts.get("webhooks", {}).get("social-security", {}).get("url")
    lines = [
        "within seconds the gateway's engine makes the cases of the proactive services on it:",
        "  the agencies' cases: agencyServiceCases, as an agency's admin (social_admin for social"
        " security's, var/demo.json)",
    ]
    if receiver:
        lines.append(f"  social security's webhook receiver: curl -s {receiver} | jq")
    if people:
        lines.append(f"  the notices at {base}/me/services, logged in as {' or '.join(people)}")
        lines.append("  (their passwords: jq -r '.passwords[\"<code>\"]' var/demo.json)")
    lines.append(f"  what happened to the {kind.value} event: docs/demo.md")
    return "\n".join(lines)


async def birth(settings: Settings, parent: str) -> dict[str, Any]:
    facts = _facts(settings)
    civil = agency_urls(settings.agencies_folder)["civil"]
    now = datetime.now(UTC)
    (child,) = await record_births(civil, [(parent, now.date())], at=now)
    print(
        f"the civil registry recorded the birth of {child.first_name} {child.last_name}, "
        f"{child.national_id} (father {child.father_id}, mother {child.mother_id})",
        file=sys.stderr,
    )
    receipt = await report(
        facts, LifeEvent.BIRTH_REGISTERED, child.national_id, f"birth:{child.national_id}", now
    )
    parents = [code for code in (child.father_id, child.mother_id) if code]
    print(f"reported {receipt['kind']}: event {receipt['id']}", file=sys.stderr)
    print(_look_at(facts, LifeEvent.BIRTH_REGISTERED, parents), file=sys.stderr)
    return {"child": child.national_id, "father": child.father_id, "mother": child.mother_id,
            "event": receipt}  # fmt: skip


async def death(settings: Settings, national_id: str) -> dict[str, Any]:
    facts = _facts(settings)
    civil = agency_urls(settings.agencies_folder)["civil"]
    now = datetime.now(UTC)
    try:
        await record_death(civil, national_id, now.date(), at=now)
        print(f"the civil registry recorded the death of {national_id}", file=sys.stderr)
    except RegistryRefused as refused:
        if "already registered as deceased" not in str(refused):
            raise
        print(f"{refused}: reporting it again", file=sys.stderr)
    receipt = await report(
        facts, LifeEvent.DEATH_REGISTERED, national_id, f"death:{national_id}", now
    )
    print(f"reported {receipt['kind']}: event {receipt['id']}", file=sys.stderr)
    print(_look_at(facts, LifeEvent.DEATH_REGISTERED, []), file=sys.stderr)
    return {"deceased": national_id, "event": receipt}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo.events",
        description="Record a life event in the demo civil registry and report it to the gateway.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    born = commands.add_parser("birth", help="a child born today to a parent")
    born.add_argument(
        "--parent", type=national_code, required=True, help="a parent's national code"
    )
    died = commands.add_parser("death", help="someone's death, today")
    died.add_argument(
        "--national-id", type=national_code, required=True, help="their national code"
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        if args.command == "birth":
            result = asyncio.run(birth(settings, args.parent))
        else:
            result = asyncio.run(death(settings, args.national_id))
    except (EventFailed, RegistryRefused) as failed:
        print(f"python -m demo.events: {failed}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
