"""What the fuzz tests send: national codes in every disguise, and GraphQL argument values for
hypothesis-graphql's custom scalars."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta, timezone
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from standard.national_id import is_valid, with_check_digit

# The standard reads these two as Latin digits (DESIGN.md); every other script is refused.
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
READ_AS_LATIN = str.maketrans(
    {**dict(zip(PERSIAN_DIGITS, "0123456789", strict=True)),
     **dict(zip(ARABIC_INDIC_DIGITS, "0123456789", strict=True))}
)  # fmt: skip
# Other decimal digits Python's `\d` and `int()` take, and look-alikes that are not digits.
OTHER_DIGITS = (
    "０１２３４５６７８９",  # full-width
    "०१२३४५६७८९",  # Devanagari
    "০১২৩৪৫৬৭৮৯",  # Bengali
    "๐๑๒๓๔๕๖๗๘๙",  # Thai
    "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",  # mathematical bold (outside the BMP)
    "⁰¹²³⁴⁵⁶⁷⁸⁹",  # superscripts: isdigit() but not decimal
    "⓪①②③④⑤⑥⑦⑧⑨",  # circled
)
INVISIBLE = (
    "\u200f",  # right-to-left mark
    "\u200e",  # left-to-right mark
    "\u202b",  # right-to-left embedding
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u200d",  # zero-width joiner
    "\u200b",  # zero-width space
    "\ufeff",  # byte-order mark
    "\u00a0",  # no-break space
    "\u0000",  # NUL
)
SPACES = (" ", "\t", "\n", "\r\n", "\u3000")
LATIN = re.compile(r"[0-9]{10}")


def canonical(value: str) -> str | None:
    """The code the gateway must read `value` as, or None if it must refuse it."""
    latin = value.translate(READ_AS_LATIN)
    return latin if LATIN.fullmatch(latin) and is_valid(latin) else None


valid_codes = (
    st.from_regex(r"\A[0-9]{9}\Z").filter(lambda nine: len(set(nine)) > 1).map(with_check_digit)
)


def _in_script(code: str, digits: str) -> str:
    return "".join(digits[int(digit)] for digit in code)


@st.composite
def _disguised(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    code = draw(base)
    how = draw(st.integers(min_value=0, max_value=13))
    if how == 0:
        return code
    if how == 1:  # wholly in Persian or Arabic-Indic digits: to be read as Latin
        return _in_script(code, draw(st.sampled_from([PERSIAN_DIGITS, ARABIC_INDIC_DIGITS])))
    if how == 2:  # each digit in any script, the standard's or not
        scripts = ["0123456789", PERSIAN_DIGITS, ARABIC_INDIC_DIGITS, *OTHER_DIGITS]
        return "".join(draw(st.sampled_from(scripts))[int(digit)] for digit in code)
    if how == 3:
        return _in_script(code, draw(st.sampled_from(OTHER_DIGITS)))
    if how == 4:  # nine or eleven digits
        return draw(st.sampled_from([code[:9], code[1:], code + "0", "0" + code]))
    position = draw(st.integers(min_value=0, max_value=len(code)))
    if how == 5:
        return code[:position] + draw(st.sampled_from(SPACES)) + code[position:]
    if how == 6:
        return code[:position] + draw(st.sampled_from(INVISIBLE)) + code[position:]
    if how == 7:
        return draw(st.sampled_from(["+", "-", "#", "0x", "٫", "."])) + code
    if how == 8:  # the check digit wrong
        return code[:9] + str((int(code[9]) + draw(st.integers(1, 9))) % 10)
    if how == 9:
        return draw(st.sampled_from("0123456789")) * 10
    if how == 10:  # numbers in other notations
        return draw(st.sampled_from([f"{int(code)}", f"{int(code)}.0", f"{int(code):e}", code[:5]]))
    if how == 11:
        return code * draw(st.integers(min_value=2, max_value=400))
    if how == 12:  # a combining mark, or a surrogate-free oddity, after a digit
        return (
            code[:position]
            + draw(st.sampled_from(["\u0301", "\u0660\u0301", "\U0001f600"]))
            + code[position:]
        )
    return draw(st.text(max_size=40))


def national_codes(known: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """Codes real and made up, in every disguise: Unicode digits, 9 or 11 digits, spaces, signs,
    NUL, bidi marks, full-width digits, wrong check digits, numbers, long and random text."""
    base = st.one_of(valid_codes, st.sampled_from(list(known))) if known else valid_codes
    return _disguised(base)


# -- argument values for hypothesis-graphql ----------------------------------------------------

JsonValue = Any

json_values: st.SearchStrategy[JsonValue] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)  # fmt: skip


def value_node(value: JsonValue) -> graphql.ValueNode:
    """A JSON value as a GraphQL literal."""
    if value is None:
        return nodes.Null
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    if isinstance(value, str):
        return nodes.String(value)
    if isinstance(value, list):
        return nodes.List([value_node(item) for item in value])
    # Keys become GraphQL names; two keys that become the same name keep the first.
    fields: dict[str, JsonValue] = {}
    for key, item in value.items():
        fields.setdefault(_name(key), item)
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=value_node(item))
            for name, item in fields.items()
        ]
    )


def _name(key: str) -> str:
    """Object literal keys must be GraphQL names."""
    cleaned = re.sub(r"[^_0-9A-Za-z]", "_", key)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"_{cleaned}"


def _representations(codes: st.SearchStrategy[str]) -> st.SearchStrategy[JsonValue]:
    citizen = st.fixed_dictionaries({"__typename": st.just("Citizen"), "nationalId": codes})
    odd_keys = st.fixed_dictionaries(
        {"__typename": st.just("Citizen")},
        optional={
            "nationalId": json_values,
            "cls": json_values,
            "info": json_values,
            "self": json_values,
            "prefetched": json_values,
        },
    )
    other_type = st.fixed_dictionaries(
        {"__typename": st.sampled_from(["Query", "Identity", "Nope", "", "Mutation", "_Any"])},
        optional={"nationalId": codes},
    )
    # `[_Any!]!`: a null item would be a document that does not validate.
    return st.one_of(citizen, odd_keys, other_type, json_values.filter(lambda v: v is not None))


def scalar_strategies(
    known_codes: Sequence[str], *, malformed_dates: bool = False
) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """custom_scalars for hypothesis-graphql: String and ID are mostly national codes (real ones
    too, so the resolvers and sources run), the rest random; JSON is any JSON; _Any is a federation
    representation, well-formed or not. Dates are valid ISO strings unless `malformed_dates`
    (then the document no longer validates)."""
    codes = national_codes(known_codes)
    real = st.sampled_from(list(known_codes)) if known_codes else valid_codes
    text = st.one_of(real, codes, st.text(max_size=60), st.sampled_from(["", "null", "0", "-1"]))
    days = st.dates().map(lambda day: day.isoformat())
    # RFC 3339 offsets are whole minutes (a zone's historical LMT offset has seconds).
    offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
    moments = st.one_of(
        st.datetimes().map(lambda moment: moment.isoformat()),
        st.datetimes(timezones=offsets).map(lambda moment: moment.isoformat()),
        days,
    )
    if malformed_dates:
        days = days | st.text(max_size=30)
        moments = moments | st.text(max_size=30)
    return {
        "String": text.map(nodes.String),
        "ID": text.map(nodes.String) | st.integers().map(nodes.Int),
        "Date": days.map(nodes.String),
        "DateTime": moments.map(nodes.String),
        # hypothesis-graphql adds null where the type allows it; a JSON! must not get one.
        "JSON": json_values.filter(lambda v: v is not None).map(value_node),
        "_Any": _representations(codes).map(value_node),
    }
