"""Starlette requests as Authlib's OAuth2Request: the parameters are read before Authlib runs.

Authlib reads `request.form` synchronously, but Starlette only reads a body asynchronously, so the
endpoint awaits `read_form` first and hands the parsed parameters in.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from starlette.requests import Request

from standard.errors import DarvazehError, ErrorCode

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 64


class FormError(DarvazehError):
    code = ErrorCode.BAD_REQUEST

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class FormPayload(OAuth2Payload):
    """Single-valued parameters: duplicates are refused when the payload is built."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        datalist: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in pairs:
            datalist[name].append(value)
        repeated = sorted(name for name, values in datalist.items() if len(values) > 1)
        if repeated:
            # RFC 6749 §3.1, §3.2: parameters MUST NOT be included more than once.
            raise FormError(f"Repeated parameters: {', '.join(repeated)}.")
        self._datalist = datalist
        self._data = {name: values[0] for name, values in datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


async def read_form(request: Request) -> FormPayload:
    """POST: the url-encoded body; GET (authorization endpoint): the query string."""
    return FormPayload(await read_pairs(request))


async def read_pairs(request: Request) -> list[tuple[str, str]]:
    """The parameters in order, repeats kept: the authorization endpoint decides about repeats
    itself, since a repeated client_id or redirect_uri must not be redirected to."""
    if request.method == "GET":
        return _pairs(request.url.query)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        raise FormError(f"Content-Type must be {FORM_CONTENT_TYPE}.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            raise FormError("Request body too large.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormError("Request body is not UTF-8.") from exc
    return _pairs(text)


def _pairs(text: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError as exc:
        raise FormError("Malformed or oversized parameter list.") from exc


class StarletteOAuth2Request(OAuth2Request):
    def __init__(self, request: Request, payload: FormPayload) -> None:
        super().__init__(method=request.method, uri=str(request.url), headers=request.headers)
        self.payload = payload
        self._query = dict(request.query_params)

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data
