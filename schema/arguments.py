"""Arguments many fields take, each described once (the SDL documents every argument)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from standard.pagination import MAX_FIRST

First = Annotated[int, strawberry.argument(description=f"How many to return, at most {MAX_FIRST}.")]
After = Annotated[
    str | None,
    strawberry.argument(description="Continue after this cursor (a page's `endCursor`)."),
]
NationalId = Annotated[
    str,
    strawberry.argument(
        description="A 10-digit national code (Persian or Arabic-Indic digits are read too)."
    ),
]
CardId = Annotated[strawberry.ID, strawberry.argument(description="A service card's id.")]
SourceId = Annotated[strawberry.ID, strawberry.argument(description="A data source's id.")]
ClientId = Annotated[str, strawberry.argument(description="One of your agency's client ids.")]
Version = Annotated[int, strawberry.argument(description="The version to go back to.")]
Replaces = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The source now serving the record type, which this one takes over from."
    ),
]
