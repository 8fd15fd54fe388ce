"""Nothing leaves without its audit records: the request's entries are committed to the access
log (group commit, shared with concurrent requests) before the result is handed back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from standard.errors import ErrorCode

logger = logging.getLogger("darvazeh.audit")


class AuditFlush(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        context = self.execution_context.context
        if getattr(context, "audit_writer", None) is None:
            return
        context.commit_audit_so_far()
        outcomes = await asyncio.gather(*context.audit_commits, return_exceptions=True)
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures:
            logger.error(
                "audit records of request %s were not written: %r", context.request_id, failures[0]
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
            if context.response is not None:
                context.response.status_code = 503
