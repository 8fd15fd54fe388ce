"""A demo public service: the school enrolment site that asks a parent's consent through Darvazeh.

It is an ordinary OAuth client (authorization code + PKCE, client_secret_basic) on the redirect
URI registered for it, http://127.0.0.1:8765/callback. `make demo` starts it; alone:

    python -m demo.school_client [--facts var/demo.json] [--port 8765]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

QUERY = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName lastName provenance { agency status } }
  birth { date place provenance { status } }
  address { province city postalCode provenance { status } } } }"""
PAGE = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>School enrolment (demo)</title>'
    '<body style="font-family: sans-serif; max-width: 44rem; margin: 2rem auto">{body}</body>'
    "</html>"
)


AGAIN = "<p><a href='/'>Enrol another child</a></p>"
# What a refused or failed field means, for the parent (the gateway's extensions.code).
WHY = {
    "CONSENT_REQUIRED": "you did not consent to share this",
    "FORBIDDEN": "you did not share this with us",
    "CONSENT_REVOKED": "your consent was revoked or has expired",
    "SOURCE_UNAVAILABLE": "the agency that holds it did not answer; try again later",
    "INVALID_NATIONAL_ID": "the national code is not valid",
}
SECTIONS = (
    ("identity", "Identity", (("firstName", "First name"), ("lastName", "Last name"))),
    ("birth", "Birth", (("date", "Date of birth"), ("place", "Place of birth"))),
    ("address", "Address", (("province", "Province"), ("city", "City"),
                            ("postalCode", "Postal code"))),
)  # fmt: skip


def readable(answer: dict[str, Any]) -> str:
    """What the gateway answered, as the parent reads it: each record's fields, or why not."""
    citizen = (answer.get("data") or {}).get("citizen") or {}
    errors: dict[str, str] = {}
    for error in answer.get("errors") or []:
        path = error.get("path") or []
        code = (error.get("extensions") or {}).get("code", "")
        key = path[1] if len(path) > 1 else "citizen"
        errors.setdefault(key, WHY.get(code, error.get("message", "it could not be read")))
    parts = ["<h1>What Darvazeh gave us</h1>"]
    if "citizen" in errors and not citizen:
        parts.append(f"<p>Nothing could be read: {html.escape(errors['citizen'])}.</p>")
    for key, title, fields in SECTIONS:
        parts.append(f"<h2>{title}</h2>")
        record = citizen.get(key)
        if record is None:
            reason = errors.get(key, "it was not shared")
            parts.append(f"<p>Not available: {html.escape(reason)}.</p>")
            continue
        if (record.get("provenance") or {}).get("status") == "NO_RECORD":
            parts.append("<p>The agency holds no such record.</p>")
            continue
        rows = "".join(
            f"<dt>{label}</dt><dd>{html.escape(str(record.get(name) or '—'))}</dd>"
            for name, label in fields
        )
        parts.append(f"<dl>{rows}</dl>")
    return "".join(parts)


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def create_app(facts: dict[str, Any], redirect_uri: str) -> Starlette:
    gateway = facts["base_url"]
    client = facts["clients"]["consent"]
    # One demo process: the pending logins can live in memory (a real service keeps them in its
    # session store).
    pending: dict[str, tuple[str, str]] = {}

    async def home(request: Request) -> Response:
        child = html.escape(facts["citizens"]["minor_child"])
        return HTMLResponse(
            PAGE.format(
                body=f"""<h1>Enrol your child at school</h1>
<p>We read your child's identity, birth and address from the agencies through Darvazeh,
with your consent, instead of asking you for documents.</p>
<form action="/start"><label>Child's national code
<input name="child" value="{child}" inputmode="numeric" maxlength="10"></label>
<button>Continue with Darvazeh</button></form>
<p><small>Demo parent: national code {html.escape(facts["citizens"]["parent"])}, password in
var/demo.json under "passwords".</small></p>"""
            )
        )

    async def start(request: Request) -> Response:
        state = secrets.token_urlsafe(16)
        verifier, challenge = _pkce()
        pending[state] = (verifier, request.query_params.get("child", ""))
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client["client_id"],
                "redirect_uri": redirect_uri,
                "scope": " ".join(client["scopes"]),
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                # The school reads a child's data: the consent screen offers "my child" first.
                "data_subject": "child",
            }
        )
        return RedirectResponse(f"{gateway}/oauth/authorize?{query}", status_code=303)

    async def callback(request: Request) -> Response:
        params = request.query_params
        found = pending.pop(params.get("state", ""), None)
        if found is None or params.get("iss") != gateway:
            return HTMLResponse(PAGE.format(body="<p>Unknown or replayed answer.</p>"), 400)
        if "error" in params:
            message = html.escape(params.get("error_description") or params["error"])
            return HTMLResponse(PAGE.format(body=f"<p>No consent: {message}</p>"))
        verifier, child = found
        async with httpx.AsyncClient(base_url=gateway, timeout=10) as http:
            tokens = await http.post(
                "/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": params["code"],
                    "redirect_uri": redirect_uri,
                    "code_verifier": verifier,
                },
                auth=(client["client_id"], client["client_secret"]),
            )
            if tokens.status_code != 200:
                reason = tokens.json().get("error_description", "") if tokens.content else ""
                body = f"<h1>No data</h1><p>Darvazeh gave no token: {html.escape(reason)}</p>"
                return HTMLResponse(PAGE.format(body=body + AGAIN), 502)
            answer = await http.post(
                "/graphql",
                json={"query": QUERY, "variables": {"id": child}},
                headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
            )
        return HTMLResponse(PAGE.format(body=readable(answer.json()) + AGAIN))

    return Starlette(
        routes=[
            Route("/", home),
            Route("/start", start),
            Route("/callback", callback),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="The demo school enrolment service")
    parser.add_argument("--facts", default="var/demo.json")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    facts = json.loads(Path(args.facts).read_text())
    redirect_uri = facts["clients"]["consent"]["redirect_uris"][0]
    app = create_app(facts, redirect_uri)
    uvicorn.run(app, host="127.0.0.1", port=args.port, access_log=False)


if __name__ == "__main__":
    main()
