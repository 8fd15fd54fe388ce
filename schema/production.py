"""What production mode changes in the schema's execution: introspection refused (unless
enabled) and every error masked down to its code."""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule, get_named_type, is_introspection_type
from strawberry.extensions import AddValidationRules, MaskErrors

from schema.errors import masked
from standard.errors import ErrorCode

# The federation SDL tells as much as introspection does; a router composes from a file instead.
FEDERATION_SDL_FIELD = "_service"


class NoIntrospection(ValidationRule):
    """Refuses `__schema`, `__type` and the federation `_service` field (`__typename` stays)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        field_type = self.context.get_type()
        parent = self.context.get_parent_type()
        schema = self.context.schema
        introspecting = field_type is not None and is_introspection_type(get_named_type(field_type))
        sdl = node.name.value == FEDERATION_SDL_FIELD and parent is schema.query_type
        if introspecting or sdl:
            self.report_error(
                GraphQLError(
                    f"introspection is disabled: {node.name.value} cannot be queried",
                    node,
                    extensions={"code": ErrorCode.GRAPHQL_VALIDATION_FAILED.value},
                )
            )


class DisableIntrospection(AddValidationRules):
    def __init__(self) -> None:
        super().__init__([NoIntrospection])


class MaskedErrors(MaskErrors):
    """Strawberry's MaskErrors, keeping each error's code (and only its code)."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return masked(error)
