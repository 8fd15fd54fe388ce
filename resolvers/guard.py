"""The field extension that enforces a leaf field's dataset scope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types import Info

from standard.datasets import Dataset


class AccessGuard(FieldExtension):
    """Nulls a field with its decision's error when the record was fetched with this dataset denied.

    The record resolver has already asked `decide` for every dataset of the record (and fetched it
    only if one was granted); the leaf only needs to look at what was denied.
    """

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def _check(self, source: Any, info: Info) -> None:
        denied = getattr(source, "denied", None)
        if denied and self.dataset in denied:
            raise info.context.decision(source.subject, self.dataset).error()

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        self._check(source, info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        self._check(source, info)
        return await next_(source, info, **kwargs)
