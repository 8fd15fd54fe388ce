"""Print the SDL: `python -m schema > schema.graphql` (what `make schema` does)."""

from schema import build_schema
from schema.limits import QueryLimits
from settings import get_settings

print(build_schema(QueryLimits.from_settings(get_settings())).as_str())
