"""The demo school service shows the parent a readable page, never raw JSON: each record's
fields in words, and why a field is missing (not shared, the agency did not answer)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from demo.school_client import create_app, readable

FACTS = {
    "base_url": "http://gateway.test",
    "clients": {"consent": {"client_id": "school", "client_secret": "s", "scopes": ["a"]}},
    "citizens": {"minor_child": "0012345679", "parent": "0012345678"},
}


def test_the_answer_reads_as_a_page() -> None:
    answer = {
        "data": {"citizen": {
            "identity": {"firstName": "Sara", "lastName": "<b>Ahmadi</b>",
                         "provenance": {"agency": "civil-registry", "status": "AVAILABLE"}},
            "birth": {"date": "2017-03-01", "place": None, "provenance": {"status": "AVAILABLE"}},
            "address": None,
        }},
        "errors": [{"message": "x", "path": ["citizen", "address"],
                    "extensions": {"code": "FORBIDDEN"}}],
    }  # fmt: skip
    page = readable(answer)
    assert "First name</dt><dd>Sara" in page and "&lt;b&gt;Ahmadi&lt;/b&gt;" in page
    assert "Not available: you did not share this with us." in page
    assert "{" not in page  # no JSON


async def test_start_asks_for_a_child() -> None:
    app = create_app(FACTS, "http://127.0.0.1:8765/callback")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://school.test") as client:
        response = await client.get("/start", params={"child": "0012345679"})
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["data_subject"] == ["child"]
