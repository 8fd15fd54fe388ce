"""The four bench agencies as Apollo Federation subgraphs, for `python -m bench --hive`.

Each is the agency's own GraphQL service over its own bench database (the civil registry's, social
security's, the tax administration's, the education ministry's), written as an agency would write
one with strawberry, like demo/social_graphql.py, and reading with the same drivers as the
gateway. Together they compose into a supergraph answering the gateway's `citizen(nationalId:)` and
`citizens(nationalIds:)` read field for field: the civil registry owns those root fields and the
`Citizen @key(fields: "nationalId")` entity's civil records; the other three each add their record
to `Citizen` by its key, so a router's query plan joins them.

    python -m bench.subgraphs civil --var-dir var/bench --port 8201
"""
