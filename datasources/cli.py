"""`darvazeh-agency`: an agency admin's command line for its registrations, over the gateway's
GraphQL API (the same checks, versions and audit as any other client; no database access).

    export DARVAZEH_GATEWAY=https://gateway.example
    export DARVAZEH_CLIENT_ID=... DARVAZEH_CLIENT_SECRET=...    # the admin's own client
    darvazeh-agency sources list
    darvazeh-agency sources health                     # status, breaker, latency, last error
    darvazeh-agency sources register source.json      # {"id", "recordType", "kind", ...}
    darvazeh-agency sources register source.json --replaces civil-address
    darvazeh-agency sources update civil-address --mapping mapping.json
    darvazeh-agency sources restore civil-address 3
    darvazeh-agency clients register --card birth-certificate-online --name Portal \
        --grant client_credentials --id birth-cert-portal   # --id: the new client's own id
    darvazeh-agency safelist add school-client query.graphql --name enrolment
    darvazeh-agency safelist list school-client
    darvazeh-agency staff add maryam --role ADMIN --name "Maryam Karimi" < password.txt
    darvazeh-agency clients rotate birth-cert-portal   # a new secret, shown once

Prints JSON; a refusal prints its reason and every problem to stderr and exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from datasources import cli_console
from settings.tools import AgencyCliSettings, agency_cli_settings
from standard.errors import DarvazehError, ErrorCode

SOURCE = "id recordType kind connection mapping timeoutSeconds enabled version updatedAt updatedBy"
HISTORY = "history { version action changedBy changedAt kind connection mapping enabled }"
CLIENT = (
    "clientId name serviceCard scopes grantTypes redirectUris tokenEndpointAuthMethod "
    "requirePar requireDpop enabled createdAt graphqlRateLimit oauthRateLimit"
)
PERSISTED = "sha256 name document createdBy createdAt"
CARD = (
    "id nameFa nameEn datasets legalBasis statute proactive lifeEvent enabled version "
    "connected missing { dataset reason detail }"
)


REPLACES_HELP = (
    "the source of yours serving this record type now, which this one replaces "
    "(without it, such a change is refused)"
)


class CommandError(DarvazehError):
    """What the gateway refused, with every problem it named."""

    code = ErrorCode.BAD_REQUEST

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class Gateway:
    def __init__(self, url: str, client_id: str, client_secret: str, timeout: float) -> None:
        self._http = httpx.Client(base_url=url.rstrip("/"), timeout=timeout)
        self._credentials = (client_id, client_secret)
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            answer = self._http.post(
                "/oauth/token", data={"grant_type": "client_credentials"}, auth=self._credentials
            )
            body = _json(answer)
            if answer.status_code != 200:
                reason = f"{body.get('error')}: {body.get('error_description')}"
                raise CommandError(f"no token: {reason}")
            self._token = str(body["access_token"])
        return self._token

    def call(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = self._http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token()}"},
        )
        body = _json(answer)
        if body.get("errors"):
            error = body["errors"][0]
            problems = (error.get("extensions") or {}).get("problems") or []
            code = (error.get("extensions") or {}).get("code", "ERROR")
            raise CommandError(f"{code}: {error.get('message')}", problems)
        return dict(body["data"])


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        return dict(answer.json())
    except ValueError:
        raise CommandError(f"the gateway answered HTTP {answer.status_code}, not JSON") from None


def _file(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot read {path}: {error}") from None


def run(gateway: Gateway, args: argparse.Namespace) -> Any:
    """One command; the part of the answer worth printing."""
    group, command = args.group, args.command
    if group == "sources":
        return _sources(gateway, command, args)
    if group == "clients":
        return _clients(gateway, command, args)
    if group == "safelist":
        return _safelist(gateway, command, args)
    if group == "staff":
        return cli_console.staff(gateway.call, command, args)
    return _cards(gateway, command, args)


def _sources(gateway: Gateway, command: str, args: argparse.Namespace) -> Any:
    if command == "list":
        data = gateway.call(f"{{ agencyRegistrations {{ dataSources {{ {SOURCE} }} }} }}")
        return data["agencyRegistrations"]["dataSources"]
    if command == "health":
        return cli_console.sources_health(gateway.call)
    if command == "show":
        query = (
            "query($id: ID!) { agencyRegistrations { "
            f"dataSource(id: $id) {{ {SOURCE} {HISTORY} }} }} }}"
        )
        found = gateway.call(query, {"id": args.id})["agencyRegistrations"]["dataSource"]
        if found is None:
            raise CommandError(f"your agency has no data source {args.id!r}")
        return found
    if command in ("register", "test"):
        registration = _file(args.file)
        if not isinstance(registration, dict):
            raise CommandError(f"{args.file} must hold a JSON object")
        if args.replaces:
            registration["replaces"] = args.replaces
        if command == "test":
            query = (
                "mutation($r: DataSourceInput!) "
                "{ testDataSource(input: $r) { ok latencyMs problems replaces } }"
            )
            result = gateway.call(query, {"r": registration})["testDataSource"]
            if not result["ok"]:
                raise CommandError("the registration would be refused", result["problems"])
            return result
        query = f"mutation($r: DataSourceInput!) {{ registerDataSource(input: $r) {{ {SOURCE} }} }}"
        return gateway.call(query, {"r": registration})["registerDataSource"]
    if command == "update":
        changes: dict[str, Any] = {}
        if args.mapping:
            changes["mapping"] = _file(args.mapping)
        if args.connection:
            changes["connection"] = _file(args.connection)
        if args.kind:
            changes["kind"] = args.kind
        if args.timeout is not None:
            changes["timeoutSeconds"] = args.timeout
        if args.replaces:
            changes["replaces"] = args.replaces
        if not changes:
            raise CommandError("nothing to change: --mapping, --connection, --kind or --timeout")
        query = (
            "mutation($id: ID!, $c: DataSourceChanges!) "
            f"{{ updateDataSource(id: $id, changes: $c) {{ {SOURCE} }} }}"
        )
        return gateway.call(query, {"id": args.id, "c": changes})["updateDataSource"]
    if command == "restore":
        query = (
            "mutation($id: ID!, $v: Int!, $r: ID) "
            f"{{ restoreDataSource(id: $id, version: $v, replaces: $r) {{ {SOURCE} }} }}"
        )
        variables = {"id": args.id, "v": args.version, "r": args.replaces}
        return gateway.call(query, variables)["restoreDataSource"]
    if command == "enable":
        query = (
            "mutation($id: ID!, $r: ID) "
            f"{{ enableDataSource(id: $id, replaces: $r) {{ {SOURCE} }} }}"
        )
        return gateway.call(query, {"id": args.id, "r": args.replaces})["enableDataSource"]
    query = f"mutation($id: ID!) {{ disableDataSource(id: $id) {{ {SOURCE} }} }}"
    return gateway.call(query, {"id": args.id})["disableDataSource"]


def _clients(gateway: Gateway, command: str, args: argparse.Namespace) -> Any:
    if command == "list":
        data = gateway.call(f"{{ agencyRegistrations {{ serviceClients {{ {CLIENT} }} }} }}")
        return data["agencyRegistrations"]["serviceClients"]
    if command in ("disable", "enable"):
        field = f"{command}ServiceClient"
        query = f"mutation($id: String!) {{ {field}(clientId: $id) {{ {CLIENT} }} }}"
        return gateway.call(query, {"id": args.id})[field]
    if command == "rotate":
        query = (
            "mutation($id: String!) { rotateServiceClientSecret(clientId: $id) "
            f"{{ clientSecret client {{ {CLIENT} }} }} }}"
        )
        return gateway.call(query, {"id": args.id})["rotateServiceClientSecret"]
    spec: dict[str, Any] = {
        "serviceCard": args.card,
        "name": args.name,
        "grantTypes": args.grant,
        "redirectUris": args.redirect_uri or [],
    }
    if args.id:
        spec["clientId"] = args.id
    if args.scope:
        spec["scopes"] = args.scope
    if args.jwks:
        spec["tokenEndpointAuthMethod"] = "private_key_jwt"
        spec["jwks"] = _file(args.jwks)
    if args.graphql_rate_limit is not None:
        spec["graphqlRateLimit"] = args.graphql_rate_limit
    if args.oauth_rate_limit is not None:
        spec["oauthRateLimit"] = args.oauth_rate_limit
    query = (
        "mutation($c: ServiceClientInput!) { registerServiceClient(input: $c) "
        f"{{ clientSecret client {{ {CLIENT} }} }} }}"
    )
    return gateway.call(query, {"c": spec})["registerServiceClient"]


def _safelist(gateway: Gateway, command: str, args: argparse.Namespace) -> Any:
    if command == "list":
        query = (
            "query($c: String!) { agencyRegistrations { "
            f"persistedQueries(clientId: $c) {{ {PERSISTED} }} }} }}"
        )
        return gateway.call(query, {"c": args.client})["agencyRegistrations"]["persistedQueries"]
    if command == "history":
        query = (
            "query($c: String!) { agencyRegistrations { persistedQueryHistory(clientId: $c) "
            "{ version action changedBy changedAt sha256 hashes } } }"
        )
        found = gateway.call(query, {"c": args.client})["agencyRegistrations"]
        return found["persistedQueryHistory"]
    if command == "remove":
        query = (
            "mutation($c: String!, $h: String!) { removePersistedQuery(clientId: $c, sha256: $h) }"
        )
        return gateway.call(query, {"c": args.client, "h": args.sha256})["removePersistedQuery"]
    try:
        document = Path(args.file).read_text(encoding="utf-8")
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot read {args.file}: {error}") from None
    query = (
        "mutation($c: String!, $d: String!, $n: String) "
        f"{{ registerPersistedQuery(clientId: $c, document: $d, name: $n) {{ {PERSISTED} }} }}"
    )
    variables = {"c": args.client, "d": document, "n": args.name}
    return gateway.call(query, variables)["registerPersistedQuery"]


def _cards(gateway: Gateway, command: str, args: argparse.Namespace) -> Any:
    if command == "register":
        query = f"mutation($c: ServiceCardInput!) {{ registerServiceCard(input: $c) {{ {CARD} }} }}"
        return gateway.call(query, {"c": _file(args.file)})["registerServiceCard"]
    if command == "restore":
        query = (
            "mutation($id: ID!, $v: Int!) "
            f"{{ restoreServiceCard(id: $id, version: $v) {{ {CARD} }} }}"
        )
        return gateway.call(query, {"id": args.id, "v": args.version})["restoreServiceCard"]
    if command == "history":
        query = (
            "query($id: ID!) { serviceCardHistory(id: $id) { version action changedBy changedAt } }"
        )
        return gateway.call(query, {"id": args.id})["serviceCardHistory"]
    field = {"disable": "disableServiceCard", "enable": "enableServiceCard"}[command]
    query = f"mutation($id: ID!) {{ {field}(id: $id) {{ {CARD} }} }}"
    return gateway.call(query, {"id": args.id})[field]


def parser(defaults: AgencyCliSettings) -> argparse.ArgumentParser:
    """The command line; `defaults` (DARVAZEH_GATEWAY, DARVAZEH_CLIENT_ID, DARVAZEH_CLIENT_SECRET)
    fill the options not given."""
    root = argparse.ArgumentParser(
        prog="darvazeh-agency", description="Manage your agency's registrations on Darvazeh."
    )
    root.add_argument("--gateway", default=defaults.gateway)
    # The admin's own credentials are named apart from the ids a command takes (a new client's
    # `--id`), so that no subcommand option can shadow them.
    root.add_argument(
        "--admin-client-id",
        default=defaults.client_id,
        help="your agency.admin client (default: DARVAZEH_CLIENT_ID)",
    )
    root.add_argument(
        "--admin-client-secret",
        default=defaults.client_secret,
        help="better set DARVAZEH_CLIENT_SECRET: arguments show up in process lists",
    )
    root.add_argument("--timeout", type=float, default=30.0, dest="http_timeout")
    groups = root.add_subparsers(dest="group", required=True)

    sources = groups.add_parser("sources", help="data sources").add_subparsers(
        dest="command", required=True
    )
    sources.add_parser("list")
    sources.add_parser("health", help="each source's status and, when failing, why")
    for name in ("show", "disable"):
        sources.add_parser(name).add_argument("id")
    enable = sources.add_parser("enable")
    enable.add_argument("id")
    enable.add_argument("--replaces", help=REPLACES_HELP, metavar="SOURCE_ID")
    for name in ("register", "test"):
        registering = sources.add_parser(name)
        registering.add_argument("file", help="the registration as JSON")
        registering.add_argument("--replaces", help=REPLACES_HELP, metavar="SOURCE_ID")
    update = sources.add_parser("update")
    update.add_argument("id")
    update.add_argument("--mapping", help="a JSON file")
    update.add_argument("--connection", help="a JSON file (kept if absent)")
    update.add_argument("--kind")
    update.add_argument("--timeout", type=float)
    update.add_argument("--replaces", help=REPLACES_HELP, metavar="SOURCE_ID")
    restore = sources.add_parser("restore")
    restore.add_argument("id")
    restore.add_argument("version", type=int)
    restore.add_argument("--replaces", help=REPLACES_HELP, metavar="SOURCE_ID")

    clients = groups.add_parser("clients", help="service clients").add_subparsers(
        dest="command", required=True
    )
    clients.add_parser("list")
    for name in ("disable", "enable", "rotate"):
        clients.add_parser(name).add_argument("id")
    register = clients.add_parser("register")
    register.add_argument("--card", required=True)
    register.add_argument("--name", required=True)
    register.add_argument("--grant", action="append", required=True)
    register.add_argument("--redirect-uri", action="append")
    register.add_argument("--scope", action="append")
    register.add_argument("--id", help="the new client's id (default: one is made up)")
    register.add_argument("--jwks", help="public keys (JWK Set file): private_key_jwt")
    register.add_argument("--graphql-rate-limit", type=int, help="requests per window")
    register.add_argument("--oauth-rate-limit", type=int, help="token/PAR requests per window")

    safelist = groups.add_parser(
        "safelist", help="the documents a service client may run in production"
    ).add_subparsers(dest="command", required=True)
    for name in ("list", "history"):
        safelist.add_parser(name).add_argument("client")
    add = safelist.add_parser("add")
    add.add_argument("client")
    add.add_argument("file", help="the GraphQL document")
    add.add_argument("--name")
    remove = safelist.add_parser("remove")
    remove.add_argument("client")
    remove.add_argument("sha256")

    cards = groups.add_parser("cards", help="service cards").add_subparsers(
        dest="command", required=True
    )
    cards.add_parser("register").add_argument("file", help="the card as JSON")
    for name in ("disable", "enable", "history"):
        cards.add_parser(name).add_argument("id")
    restore_card = cards.add_parser("restore")
    restore_card.add_argument("id")
    restore_card.add_argument("version", type=int)
    cli_console.add_parsers(groups)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser(agency_cli_settings()).parse_args(argv)
    if not args.admin_client_id or not args.admin_client_secret:
        print(
            "set DARVAZEH_CLIENT_ID and DARVAZEH_CLIENT_SECRET (an agency.admin client)",
            file=sys.stderr,
        )
        return 2
    gateway = Gateway(
        args.gateway, args.admin_client_id, args.admin_client_secret, args.http_timeout
    )
    try:
        result = run(gateway, args)
    except CommandError as error:
        print(f"refused: {error}", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except httpx.HTTPError as error:
        print(f"cannot reach the gateway at {args.gateway}: {error}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
