"""The areas whose words the pages use, besides web.i18n's own: add a module here."""

from __future__ import annotations

from web.words import (
    Words,
    cases,
    console,
    console_cases,
    console_forms,
    developers,
    portal,
    window,
)

AREAS: tuple[tuple[str, Words], ...] = (
    ("web.words.cases", cases.WORDS),
    ("web.words.console", console.WORDS),
    ("web.words.console_cases", console_cases.WORDS),
    ("web.words.console_forms", console_forms.WORDS),
    ("web.words.developers", developers.WORDS),
    ("web.words.portal", portal.WORDS),
    ("web.words.window", window.WORDS),
)
