"""The areas whose words the pages use, besides web.i18n's own: add a module here."""

from __future__ import annotations

from web.words import Words, developers

AREAS: tuple[tuple[str, Words], ...] = (("web.words.developers", developers.WORDS),)
