"""One authorised query against a running demo: token, then a citizen with every record type."""

import json
import sys

import httpx

base_url, facts_file = sys.argv[1], sys.argv[2]
with open(facts_file) as handle:
    facts = json.load(handle)
client = facts["clients"]["statutory_all_datasets"]
token = (
    httpx.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    )
    .raise_for_status()
    .json()["access_token"]
)
query = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName lastName provenance { status } }
  birth { date father { nationalId } }
  address { city } insurance { status } schoolEnrollment { grade } taxStatus { cleared }
} }"""
answer = (
    httpx.post(
        f"{base_url}/graphql",
        json={"query": query, "variables": {"id": facts["citizens"]["parent"]}},
        headers={"Authorization": f"Bearer {token}", "Darvazeh-Case-Reference": "CI-SMOKE-1"},
    )
    .raise_for_status()
    .json()
)
print(json.dumps(answer, ensure_ascii=False))
assert "errors" not in answer, answer
assert answer["data"]["citizen"]["identity"]["provenance"]["status"] == "AVAILABLE"
