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
                return HTMLResponse(PAGE.format(body=f"<pre>{html.escape(tokens.text)}</pre>"), 502)
            answer = await http.post(
                "/graphql",
                json={"query": QUERY, "variables": {"id": child}},
                headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
            )
        shown = html.escape(json.dumps(answer.json(), indent=2, ensure_ascii=False))
        return HTMLResponse(
            PAGE.format(
                body=f"<h1>What Darvazeh gave us</h1><pre>{shown}</pre><a href='/'>Again</a>"
            )
        )

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
