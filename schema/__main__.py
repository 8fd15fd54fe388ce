"""Print the SDL: `python -m schema > schema.graphql` (what `make schema` does)."""

from schema import build_schema

print(build_schema().as_str())
