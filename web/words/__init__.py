"""The pages' words, one module per area of the product, each `{"fa": {...}, "en": {...}}`.

`web.i18n` reads them all through `WORDS`. A key belongs to one area: `merged` refuses a key
said twice, and a language missing a key another has, so each translation lives in one place.
"""

from __future__ import annotations

from collections.abc import Mapping

Words = Mapping[str, Mapping[str, str]]


class WordsConflict(ValueError):
    """Two areas say the same key, or an area's languages do not say the same keys."""


def merged(languages: tuple[str, ...], *areas: tuple[str, Words]) -> dict[str, dict[str, str]]:
    """Every area's words by language; raises WordsConflict on a key said twice or missing."""
    result: dict[str, dict[str, str]] = {lang: {} for lang in languages}
    owner: dict[str, str] = {}
    for name, words in areas:
        keys = {lang: set(words.get(lang, {})) for lang in languages}
        first = keys[languages[0]]
        for lang in languages[1:]:
            if keys[lang] != first:
                missing = sorted(first ^ keys[lang])
                raise WordsConflict(f"{name}: not every language says {', '.join(missing)}")
        for key in first:
            if key in owner:
                raise WordsConflict(f"{key!r} is said by both {owner[key]} and {name}")
            owner[key] = name
        for lang in languages:
            result[lang].update(words[lang])
    return result
