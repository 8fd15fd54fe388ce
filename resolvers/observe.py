"""What the metrics and logs learn from a GraphQL request: the operation's name, once the
document has passed validation, and the request's outcome code."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext
from strawberry.types.execution import PreExecutionError

from observability import metrics
from observability.request import current, note_outcome
from standard.errors import ErrorCode

# What strawberry raises for a request that names no runnable operation (no query, an unknown
# operationName, a mutation over GET): the request is at fault, not the gateway.
_BAD_REQUESTS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)


class ObserveOperation(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        # Reached only by a document that parsed and validated: a name that failed either is
        # never a label.
        info = current()
        if info is not None:
            info.operation = metrics.operation_label(_executed_name(self.execution_context))
        yield

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as error:  # the parser cache raises a syntax error from here
            note_outcome(_code(error) or ErrorCode.GRAPHQL_PARSE_FAILED.value)
            raise
        except _BAD_REQUESTS:
            note_outcome(ErrorCode.BAD_REQUEST.value)
            raise
        except Exception:
            note_outcome(ErrorCode.INTERNAL_SERVER_ERROR.value)
            raise
        note_outcome(outcome(self.execution_context))


def _executed_name(context: ExecutionContext) -> str | None:
    """The name of the operation that runs: one the document defines, never just what the
    request's `operationName` says."""
    name, document = context.operation_name, context.graphql_document
    if name is None or document is None:
        return None
    for definition in document.definitions:
        if (
            isinstance(definition, OperationDefinitionNode)
            and definition.name is not None
            and definition.name.value == name
        ):
            return name
    return None


def outcome(context: ExecutionContext) -> str:
    """OK, or the code of the answer's first error (what failed first decides)."""
    result = context.result
    errors = result.errors if result is not None else context.pre_execution_errors
    if not errors:
        return metrics.OK
    code = _code(errors[0])
    if code is not None:
        return code
    if context.graphql_document is None:
        return ErrorCode.GRAPHQL_PARSE_FAILED.value
    if result is None or isinstance(result, PreExecutionError):
        return ErrorCode.GRAPHQL_VALIDATION_FAILED.value
    return ErrorCode.INTERNAL_SERVER_ERROR.value


def _code(error: GraphQLError) -> str | None:
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) and code else None
