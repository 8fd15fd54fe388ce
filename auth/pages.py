"""The citizen's HTML pages: login, consent screen, own consents. (Routes filled in below.)"""

from __future__ import annotations

from starlette.routing import BaseRoute


def page_routes() -> list[BaseRoute]:
    return []
