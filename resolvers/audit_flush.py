"""Nothing leaves without its audit records: the request's entries are committed to the access
log (group commit, shared with concurrent requests) before the result is handed back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from resolvers.errors import ErrorCode

logger = logging.getLogger("darvazeh.audit")


class AuditFlush(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        context = self.execution_context.context
        writer = getattr(context, "audit_writer", None)
        entries = getattr(context, "audit_entries", None)
        if writer is None or not entries:
            return
        try:
            await writer.record(entries)
        except Exception:
            logger.exception("audit records of request %s were not written", context.request_id)
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
            if context.response is not None:
                context.response.status_code = 503
