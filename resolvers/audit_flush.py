"""Nothing leaves without its audit records: the request's entries are committed to the access
log (group commit, shared with concurrent requests) before the result is handed back. When they
cannot be, the answer is withheld: AUDIT_UNAVAILABLE, which the edge answers with 503."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from resolvers.context import RequestContext
from standard.errors import ErrorCode

logger = logging.getLogger("darvazeh.audit")


class AuditFlush(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, RequestContext):
            return
        failure = await context.settle_audit()
        if failure is None:
            return
        logger.error(
            "audit records of request %s were not written: %r", context.request_id, failure
        )
        # Withhold the answer: data read without a record of it must not leave.
        result = self.execution_context.result
        if result is not None:
            result.data = None
            result.errors = [
                GraphQLError(
                    "the access log could not be written, so nothing is answered; try again",
                    extensions={"code": ErrorCode.AUDIT_UNAVAILABLE.value},
                )
            ]
