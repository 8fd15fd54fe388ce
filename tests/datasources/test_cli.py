"""`darvazeh-agency`, run as its own process against the gateway over real HTTP."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from demo import mappings
from tests.harness import RunningGateway, running_gateway, serve

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Cli:
    url: str
    gateway: RunningGateway
    files: Path

    async def __call__(
        self, *args: str, role: str | None = "agency_admin", stdin: bytes | None = None
    ) -> tuple[int, Any, str]:
        """Run the CLI with `role`'s credentials in the environment (None: no credentials),
        `stdin` on its standard input."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DARVAZEH_CLIENT_")}
        env["DARVAZEH_GATEWAY"] = self.url
        if role is not None:
            client = self.gateway.clients[role]
            env["DARVAZEH_CLIENT_ID"] = client["client_id"]
            env["DARVAZEH_CLIENT_SECRET"] = client["client_secret"]
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "datasources.cli", *args,
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            stdin=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate(stdin or b"")
        printed = json.loads(out) if out.strip() else None
        return process.returncode or 0, printed, err.decode()

    def write(self, name: str, content: Any) -> str:
        path = self.files / name
        path.write_text(json.dumps(content), encoding="utf-8")
        return str(path)


@pytest.fixture(scope="module")
async def cli(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cli]:
    var_dir = Path(tmp_path_factory.mktemp("cli"))
    async with running_gateway(var_dir) as gateway, serve(gateway.app, lifespan="off") as url:
        yield Cli(url, gateway, var_dir)


async def test_list_update_history_and_restore(cli: Cli) -> None:
    code, sources, _ = await cli("sources", "list")
    assert code == 0
    assert {s["id"] for s in sources} >= {"civil-identity", "civil-address"}
    assert all("password" not in s["connection"] for s in sources)

    mapping = copy.deepcopy(mappings.CIVIL["address"])
    mapping["fields"]["city"] = {"from": mapping["fields"]["province"]["from"]}
    code, updated, err = await cli(
        "sources", "update", "civil-address", "--mapping", cli.write("m.json", mapping)
    )
    assert code == 0, err
    assert updated["version"] == 2 and updated["updatedBy"] == "civil-registry-admin"

    code, shown, _ = await cli("sources", "show", "civil-address")
    assert [v["action"] for v in shown["history"]] == ["updated", "registered"]
    code, restored, _ = await cli("sources", "restore", "civil-address", "1")
    assert code == 0 and restored["version"] == 3
    assert restored["mapping"] == mappings.CIVIL["address"]


async def test_a_refusal_lists_its_problems_and_exits_1(cli: Cli) -> None:
    bad = {
        "id": "civil-address-2",
        "recordType": "address",
        "kind": "sql",
        "connection": {"url": cli.gateway.urls.civil},
        "mapping": {"table": "nowhere", "key": {"from": "x"}, "fields": {"zip": {"from": "y"}}},
    }
    for command in ("test", "register"):
        code, printed, err = await cli("sources", command, cli.write("bad.json", bad))
        assert code == 1 and printed is None
        assert "zip" in err, err
    code, sources, _ = await cli("sources", "list")
    assert "civil-address-2" not in {s["id"] for s in sources}


async def test_another_agencys_source_is_refused(cli: Cli) -> None:
    code, _, err = await cli("sources", "disable", "tax-status")
    assert code == 1 and "REGISTRATION_REFUSED" in err


async def test_bad_credentials_are_named(cli: Cli) -> None:
    cli.gateway.clients["nobody"] = {"client_id": "nobody", "client_secret": "wrong"}
    code, _, err = await cli("sources", "list", role="nobody")
    assert code == 1 and "invalid_client" in err


async def test_cards_register_disable_restore_and_history(cli: Cli) -> None:
    card = {
        "id": "death-certificate-copy",
        "nameFa": "المثنی گواهی فوت",
        "nameEn": "Copy of a death certificate",
        "datasets": ["civil.identity"],
        "legalBasis": "STATUTE",
        "statute": "Civil Registration Act, article 20",
    }
    code, made, err = await cli("cards", "register", cli.write("card.json", card))
    assert code == 0, err
    assert made["version"] == 1 and made["connected"] is True and made["missing"] == []
    code, disabled, _ = await cli("cards", "disable", "death-certificate-copy")
    assert code == 0 and disabled["enabled"] is False
    code, restored, _ = await cli("cards", "restore", "death-certificate-copy", "1")
    assert code == 0 and restored["enabled"] is True and restored["version"] == 3
    code, history, _ = await cli("cards", "history", "death-certificate-copy")
    assert [v["action"] for v in history] == ["RESTORED", "DISABLED", "REGISTERED"]

    bad = card | {"legalBasis": "CONSENT", "proactive": True, "lifeEvent": "birth.registered"}
    code, _, err = await cli("cards", "register", cli.write("bad-card.json", bad))
    assert code == 1 and "REGISTRATION_REFUSED" in err and "- " in err


async def test_clients_register_uses_the_admins_credentials_and_its_own_id(cli: Cli) -> None:
    """The admin's credentials come from the environment (or --admin-client-id); a subcommand's
    ids never shadow them: the new client's id is `--id`."""
    consent_client = [
        "clients", "register", "--card", "school-enrolment", "--name", "Enrolment portal",
        "--grant", "authorization_code", "--grant", "refresh_token",
        "--redirect-uri", "https://enrol.example/cb",
    ]  # fmt: skip
    code, made, err = await cli(*consent_client, role="education_admin")
    assert code == 0, err
    assert made["client"]["serviceCard"] == "school-enrolment"
    assert made["client"]["grantTypes"] == ["authorization_code", "refresh_token"]
    assert made["clientSecret"]

    code, named, err = await cli(*consent_client, "--id", "enrol-portal-2", role="education_admin")
    assert code == 0, err
    assert named["client"]["clientId"] == "enrol-portal-2"
    code, listed, _ = await cli("clients", "list", role="education_admin")
    assert {made["client"]["clientId"], "enrol-portal-2"} <= {c["clientId"] for c in listed}


async def test_admin_credentials_as_options(cli: Cli) -> None:
    admin = cli.gateway.clients["education_admin"]
    options = [
        "--admin-client-id", admin["client_id"], "--admin-client-secret", admin["client_secret"],
    ]  # fmt: skip
    code, listed, err = await cli(*options, "clients", "list", role=None)
    assert code == 0, err
    assert "school-enrolment" in {c["clientId"] for c in listed}  # the education agency's
    code, _, err = await cli("clients", "list", role=None)
    assert code == 2 and "DARVAZEH_CLIENT_ID" in err


async def test_sources_health_says_why_a_source_fails(cli: Cli) -> None:
    code, sources, _ = await cli("sources", "health")
    assert code == 0
    by_id = {source["id"]: source for source in sources}
    identity = by_id["civil-identity"]
    assert identity["enabled"] and identity["health"]["status"] in ("HEALTHY", "UNKNOWN")
    assert {"lastError", "lastFailureAt", "latencyP95Ms", "breaker"} <= set(identity["health"])


async def test_staff_accounts_added_listed_and_disabled(cli: Cli) -> None:
    password = b"a passphrase typed on stdin\n"
    code, added, _ = await cli(
        "staff", "add", "cli.admin", "--role", "ADMIN", "--name", "Maryam", stdin=password
    )
    assert code == 0, added
    assert added["agency"] == "civil-registry" and added["role"] == "ADMIN"
    assert added["createdBy"] == "civil-registry-admin"
    code, _, err = await cli("staff", "add", "cli.admin", "--name", "Again", stdin=password)
    assert code == 1 and "username: 'cli.admin' is taken" in err
    code, _, err = await cli("staff", "add", "Bad Name", "--name", "x", stdin=b"short\n")
    assert code == 1 and "username:" in err and "password:" in err
    # Another agency's admin neither sees the account nor can disable it.
    code, listed, _ = await cli("staff", "list", role="education_admin")
    assert code == 0 and "cli.admin" not in [account["username"] for account in listed]
    code, _, err = await cli("staff", "disable", "cli.admin", role="education_admin")
    assert code == 1 and "has no staff account 'cli.admin'" in err
    code, disabled, _ = await cli("staff", "disable", "cli.admin")
    assert code == 0 and disabled["enabled"] is False
