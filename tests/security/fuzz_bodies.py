"""Malformed GraphQL-over-HTTP requests: bodies that are not JSON or not UTF-8, JSON that is not
a request object, wrong types for query/variables/operationName/extensions, nesting 10,000 deep,
huge strings, odd content types and methods, and variables that do not fit their types."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.security.fuzz_inputs import json_values

GOOD_QUERY = (
    "query($id: String!) { citizen(nationalId: $id) { nationalId identity { firstName } } }"
)
LIST_QUERY = "query($ids: [String!]!) { citizens(nationalIds: $ids) { nationalId } }"
DEEP = 10_000


@dataclass(frozen=True)
class BodyCase:
    what: str
    content: bytes = b""
    content_type: str | None = "application/json"
    method: str = "POST"
    params: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return {"Content-Type": self.content_type} if self.content_type is not None else {}


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _request(national_id: str) -> dict[str, Any]:
    return {"query": GOOD_QUERY, "variables": {"id": national_id}}


@st.composite
def _not_json(draw: st.DrawFn) -> BodyCase:
    content = draw(
        st.one_of(
            st.binary(max_size=200),
            st.sampled_from([b"", b" ", b"{", b"}", b"{query}", b"{'query': '{ me }'}",
                             b"query { me { nationalId } }", b"\x00", b'{"query": "{ me }"',
                             b'{"query": "{ me }"}}', b'{"query": "{ me }"} trailing']),
            st.text(max_size=100).map(lambda text: text.encode("utf-8", "surrogatepass")),
        )
    )  # fmt: skip
    return BodyCase("not JSON", content)


@st.composite
def _not_utf8(draw: st.DrawFn, national_id: str) -> BodyCase:
    body = _dumps(_request(national_id))
    position = draw(st.integers(0, len(body)))
    junk = draw(
        st.sampled_from(
            [b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80", b"\xf8\x88\x80\x80\x80"]
        )
    )
    how = draw(st.sampled_from(["anywhere", "in-string", "bom", "utf16", "latin1"]))
    if how == "anywhere":
        content = body[:position] + junk + body[position:]
    elif how == "in-string":
        content = b'{"query": "{ me { nationalId } }", "variables": {"id": "' + junk + b'"}}'
    elif how == "bom":
        content = b"\xef\xbb\xbf" + body
    elif how == "utf16":
        content = body.decode().encode("utf-16")
    else:
        content = '{"query": "{ citizen(nationalId: \\"é\\") { nationalId } }"}'.encode("latin-1")
    return BodyCase(f"not UTF-8 ({how})", content)


@st.composite
def _not_an_object(draw: st.DrawFn, national_id: str) -> BodyCase:
    value = draw(
        st.one_of(
            json_values.filter(lambda value: not isinstance(value, dict)),
            st.lists(st.just(_request(national_id)), min_size=0, max_size=3),  # a batch
        )
    )
    return BodyCase("JSON but not an object", _dumps(value))


def _nested(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@st.composite
def _deep(draw: st.DrawFn, national_id: str) -> BodyCase:
    depth = draw(st.sampled_from([999, 1_001, 3_000, DEEP]))
    kind = draw(st.sampled_from(["array", "object"]))
    where = draw(
        st.sampled_from(
            ["body", "variables", "variable", "extensions", "query-braces", "query-list"]
        )
    )
    nested = _nested(depth, kind)
    if where == "body":
        content = nested
    elif where == "variables":
        content = f'{{"query": {json.dumps(GOOD_QUERY)}, "variables": {nested}}}'
    elif where == "variable":
        content = f'{{"query": {json.dumps(LIST_QUERY)}, "variables": {{"ids": {nested}}}}}'
    elif where == "extensions":
        request = json.dumps(_request(national_id))
        content = f'{request[:-1]}, "extensions": {nested}}}'
    elif where == "query-braces":  # a GraphQL document nested as deep
        content = json.dumps(
            {"query": "{ me " + "{ birth { father " * (depth // 3) + "} }" * (depth // 3) + " }"}
        )
    else:  # a list literal nested as deep
        content = json.dumps(
            {
                "query": "{ citizens(nationalIds: "
                + "[" * depth
                + '"x"'
                + "]" * depth
                + ") { nationalId } }"
            }
        )
    return BodyCase(f"nested {depth} deep ({kind}, {where})", content.encode())


_wrong_type = st.one_of(
    st.integers(), st.floats(allow_nan=False), st.booleans(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3), st.text(max_size=20),
)  # fmt: skip


@st.composite
def _wrong_types(draw: st.DrawFn, national_id: str) -> BodyCase:
    request: dict[str, Any] = _request(national_id)
    member = draw(st.sampled_from(["query", "variables", "operationName", "extensions"]))
    value = draw(_wrong_type)
    if member == "query" and isinstance(value, str):
        value = [value]
    if member in {"variables", "extensions"} and isinstance(value, dict):
        value = [value]
    request[member] = value
    if draw(st.booleans()):
        request.pop("variables" if member != "variables" else "query")
    return BodyCase(f"{member} of the wrong type", _dumps(request))


@st.composite
def _huge(draw: st.DrawFn, national_id: str) -> BodyCase:
    how = draw(
        st.sampled_from(
            [
                "spaces",
                "comment",
                "string-literal",
                "fields",
                "aliases",
                "variable",
                "keys",
                "ids",
                "operation-name",
            ]
        )
    )
    # Just over 1 MiB at most: past any sane body cap. A document that size full of fields or
    # aliases takes the gateway half a minute until the query limits land; 100 kB shows as much.
    sizes = [20_000, 100_000] if how in {"fields", "aliases"} else [20_000, 100_000, 1_100_000]
    size = draw(st.sampled_from(sizes))
    request: dict[str, Any] = _request(national_id)
    if how == "spaces":
        request["query"] = GOOD_QUERY + " " * size
    elif how == "comment":
        request["query"] = "# " + "x" * size + "\n" + GOOD_QUERY
    elif how == "string-literal":
        request["query"] = '{ citizen(nationalId: "' + "1" * size + '") { nationalId } }'
    elif how == "fields":
        request["query"] = (
            "query($id: String!) { citizen(nationalId: $id) { "
            + "nationalId " * (size // 11)
            + "} }"
        )
    elif how == "aliases":
        request["query"] = (
            "query($id: String!) { "
            + " ".join(
                f"a{n}: citizen(nationalId: $id) {{ nationalId }}" for n in range(size // 40)
            )
            + " }"
        )
    elif how == "variable":
        request["variables"] = {"id": "1" * size}
    elif how == "keys":
        request["variables"] = {f"k{n}": n for n in range(size // 12)}
    elif how == "ids":
        request = {"query": LIST_QUERY, "variables": {"ids": [national_id] * (size // 13)}}
    else:
        request["operationName"] = "A" * size
    return BodyCase(f"huge ({how}, {size:,} chars)", _dumps(request))


@st.composite
def _content_types(draw: st.DrawFn, national_id: str) -> BodyCase:
    body = _dumps(_request(national_id))
    content_type = draw(
        st.sampled_from([None, "", "text/plain", "application/x-www-form-urlencoded",
                         "multipart/form-data", "multipart/form-data; boundary=x",
                         "application/graphql", "application/graphql+json",
                         "application/json; charset=utf-16", "application/json; charset=latin-1",
                         "application/json;;;", "application/xml", "*/*", "application/json\x00"])
    )  # fmt: skip
    if content_type == "application/x-www-form-urlencoded":
        body = draw(
            st.sampled_from([b"query=%7B%20me%20%7B%20nationalId%20%7D%20%7D", b"a=b&&&=", b"%zz"])
        )
    elif content_type and content_type.startswith("multipart"):
        body = draw(
            st.sampled_from(
                [
                    b"--x\r\n\r\n--x--",
                    b"garbage",
                    b'--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
                    b"{}\r\n--x--\r\n",
                ]
            )
        )
    return BodyCase(f"content type {content_type!r}", body, content_type=content_type)


@st.composite
def _methods(draw: st.DrawFn, national_id: str) -> BodyCase:
    method = draw(st.sampled_from(["GET", "GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]))
    params = draw(
        st.sampled_from(
            [
                {"query": GOOD_QUERY, "variables": json.dumps({"id": national_id})},
                {"query": GOOD_QUERY, "variables": "not json"},
                {"query": GOOD_QUERY, "variables": "[1]"},
                {"query": 'mutation { revokeConsent(id: "x") { id } }'},
                {"query": ""},
                {},
                {"variables": "{}"},
                {"query": "{ me { nationalId } }", "operationName": "Nope"},
                {"query": "{" * DEEP},
            ]
        )
    )
    return BodyCase(
        f"{method} with {sorted(params)}", method=method, params=params, content_type=None
    )


@st.composite
def _odd_json(draw: st.DrawFn, national_id: str) -> BodyCase:
    """Valid-ish JSON the standard library takes but others may not: NaN, duplicate keys, ..."""
    good, listed = json.dumps(GOOD_QUERY), json.dumps(LIST_QUERY)
    persisted = '"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "x"}}'
    content = draw(
        st.sampled_from(
            [
                f'{{"query": {listed}, "variables": {{"ids": [NaN, Infinity, -Infinity]}}}}',
                f'{{"query": {good}, "variables": {{"id": 1e999}}}}',
                f'{{"query": {good}, "query": "{{ me {{ nationalId }} }}", '
                f'"variables": {{"id": "{national_id}"}}}}',
                f'{{"query": {good}, "variables": {{"id": "{national_id}", "id": 5}}}}',
                '{"query": "{ me { nationalId } }\\u0000"}',
                '{"query": "\\ud800"}',
                '{"query": "{ citizen(nationalId: \\"\\ud800\\") { nationalId } }"}',
                f'{{"query": {good}, "variables": {{"id": "{national_id}\\u0000"}}}}',
                f'{{"query": "{{ __typename }}", {persisted}}}',
                '{"extensions": {"persistedQuery": {"version": "1", "sha256Hash": ["x"]}}}',
                '{"query": null}',
                '{"query": "subscription { me { nationalId } }"}',
                '{"query": "query A { me { nationalId } } query A { me { nationalId } }"}',
                '{"query": "query A { me { nationalId } } query B { me { nationalId } }"}',
            ]
        )
    )
    return BodyCase("odd JSON", content.encode())


@st.composite
def _bad_variables(draw: st.DrawFn, national_id: str) -> BodyCase:
    query = draw(st.sampled_from([GOOD_QUERY, LIST_QUERY]))
    name = "id" if query == GOOD_QUERY else "ids"
    value = draw(
        st.one_of(json_values, st.lists(json_values, max_size=5), st.just([national_id] * 101))
    )
    variables: dict[str, Any] = {name: value} if draw(st.booleans()) else {"other": value}
    return BodyCase("variables that do not fit", _dumps({"query": query, "variables": variables}))


def malformed_requests(national_id: str) -> st.SearchStrategy[BodyCase]:
    return st.one_of(
        _not_json(),
        _not_utf8(national_id),
        _not_an_object(national_id),
        _deep(national_id),
        _wrong_types(national_id),
        _huge(national_id),
        _content_types(national_id),
        _methods(national_id),
        _odd_json(national_id),
        _bad_variables(national_id),
    )
