"""Each page word is said once, in every language."""

from __future__ import annotations

import pytest

from web import i18n
from web.words import WordsConflict, merged


def test_every_area_merges_and_every_language_says_every_key() -> None:
    keys = {lang: set(words) for lang, words in i18n.STRINGS.items()}
    assert keys["fa"] == keys["en"] and keys["fa"]


def test_a_key_said_twice_is_refused() -> None:
    one = {"fa": {"title": "عنوان"}, "en": {"title": "Title"}}
    with pytest.raises(WordsConflict, match="'title' is said by both a and b"):
        merged(("fa", "en"), ("a", one), ("b", one))


def test_a_language_missing_a_key_is_refused() -> None:
    half = {"fa": {"title": "عنوان", "more": "بیشتر"}, "en": {"title": "Title"}}
    with pytest.raises(WordsConflict, match="not every language says more"):
        merged(("fa", "en"), ("a", half))
