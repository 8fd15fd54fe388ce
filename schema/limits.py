"""What one GraphQL request may ask, and the error that refuses a request over a limit.

The limits are checked in three steps, each before the next step's work is done: the text is
scanned (`schema.document_scan`: length, tokens, directives, operations, nesting), then the parsed
document is measured (`schema.query_shape`: depth, aliases, root fields) and costed
(`schema.query_cost`), and only then validated and run (`schema.query_gate` puts them together).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLError
from strawberry.types import Info

from schema.errors import field_error
from settings import Settings
from standard.errors import ErrorCode


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_query_length: int  # characters of the document
    max_tokens: int
    max_directives: int
    max_operations: int
    max_depth: int  # fields nested in fields; a root field is depth 1
    max_aliases: int
    max_root_fields: int
    cost_budget: int  # a client's budget unless its registration says otherwise
    cost_ceiling: int  # the largest budget a registration may set

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLimits:
        return cls(
            max_query_length=settings.limits.max_query_length,
            max_tokens=settings.limits.max_query_tokens,
            max_directives=settings.limits.max_query_directives,
            max_operations=settings.limits.max_query_operations,
            max_depth=settings.limits.max_query_depth,
            max_aliases=settings.limits.max_query_aliases,
            max_root_fields=settings.limits.max_root_fields,
            cost_budget=settings.limits.query_cost_budget,
            cost_ceiling=settings.limits.query_cost_ceiling,
        )

    @property
    def max_nesting(self) -> int:
        """Brackets of any kind nested in the text. A selection set is one bracket per level, so
        a document nested past twice the depth limit cannot be a query within it; refusing it
        before parsing also keeps the parser's recursion shallow."""
        return 2 * self.max_depth

    def budget_for(self, registered: int | None) -> int:
        """The cost budget of a client whose registration sets `registered` (None: the default)."""
        if registered is None:
            return self.cost_budget
        return max(1, min(registered, self.cost_ceiling))


def limits_of(info: Info) -> QueryLimits:
    """The limits the running schema was built with (`schema.build_schema`)."""
    limits = getattr(info.schema, "query_limits", None)
    if not isinstance(limits, QueryLimits):
        raise RuntimeError("the schema was built without query limits")
    return limits


def refusal(code: ErrorCode, message: str, *, limit: int, found: int) -> GraphQLError:
    """The error answering a request over one limit: its code, and the limit and what was found
    in `extensions` as well as in the message."""
    return field_error(code, message, limit=limit, found=found)


def over_limit(code: ErrorCode, what: str, found: int, limit: int, *, more: bool = False) -> None:
    """Raise the refusal for `found` `what` when it passes `limit` (`more`: counting stopped at
    the first one too many)."""
    if found > limit:
        counted = f"more than {limit}" if more else str(found)
        message = f"the query has {counted} {what}; the limit is {limit}"
        raise refusal(code, message, limit=limit, found=found)
