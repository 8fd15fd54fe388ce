"""Log lines, as JSON objects (one a line) or text, each carrying the request's id, client and
operation; uvicorn's own lines (its access log too) go the same way.

What a line must never carry: a token or other credential, a national code, a citizen's field
values. The code logs none of them on purpose; as a second fence every formatted line, exception
text included, is redacted before it is written: JWTs, `Bearer`/`DPoP`/`Basic` credentials, long
random secrets (refresh tokens, session ids, client secrets) and every run of eight or more
digits (a national code, also one stored as a number without its leading zeros, in Latin,
Persian or Arabic-Indic digits). Access log lines keep the path but not the query string (GET
requests carry variables there) nor the peer address.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from observability.request import current

__all__ = ["FORMATS", "configure", "redact"]

FORMATS = ("json", "text")
TEXT_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(client_id)s %(operation)s] %(message)s"
)
REQUEST_FIELDS = ("request_id", "client_id", "operation")
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error")
# They log every outgoing HTTP request at INFO (httpx: each call to an agency). Those calls are
# in the metrics and traces already, and a line each costs more than the metrics do; they speak
# at DEBUG only.
CHATTY_LOGGERS = ("httpx", "httpcore")
ACCESS_LOGGER = "uvicorn.access"

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_CREDENTIAL = re.compile(r"(?i)\b(bearer|dpop|basic)(\s+)[A-Za-z0-9._~+/=-]+")
_CREDENTIAL_WORDS = ("bearer", "dpop", "basic")
_SECRET_RUN = re.compile(r"[A-Za-z0-9_-]{32,}")  # greedy: whole runs only
_DIGIT_RUN = re.compile(r"\d{8,}")  # \d: Latin, Persian and Arabic-Indic digits alike


def _secret(match: re.Match[str]) -> str:
    """32+ url-safe characters mixing upper case, lower case and digits: a random secret."""
    run = match.group()
    mixed = (
        any(c.isupper() for c in run)
        and any(c.islower() for c in run)
        and any(c.isdigit() for c in run)
    )
    return "[secret]" if mixed else run


def _digits(match: re.Match[str]) -> str:
    """A national code (or any long number) standing alone, not part of a word or a hex id."""
    text, start, end = match.string, match.start(), match.end()
    inside_word = (start > 0 and text[start - 1].isalpha()) or (
        end < len(text) and text[end].isalpha()
    )
    return match.group() if inside_word else "[digits]"


def redact(text: str) -> str:
    # Each pattern scans for a cheap prefix; the rare candidates are judged in Python.
    if "eyJ" in text:
        text = _JWT.sub("[token]", text)
    lowered = text.lower()
    if any(word in lowered for word in _CREDENTIAL_WORDS):
        text = _CREDENTIAL.sub(r"\1\2[token]", text)
    text = _SECRET_RUN.sub(_secret, text)
    return _DIGIT_RUN.sub(_digits, text)


class RequestFields(logging.Filter):
    """Adds the current request's id, client and operation to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = current()
        if info is not None:
            record.request_id = info.request_id
            if info.client_id is not None:
                record.client_id = info.client_id
            if info.operation is not None:
                record.operation = info.operation
        return True


def access_line(record: logging.LogRecord) -> logging.LogRecord:
    """uvicorn's access line without the peer address or the query string, its parts as fields.

    A copy: uvicorn's own formatter unpacks the five arguments it logged, and a handler of its
    may still see this record (uvicorn.run(app) configures uvicorn's logging after the app was
    built, so after `configure`)."""
    args = record.args
    if record.name != ACCESS_LOGGER or not (isinstance(args, tuple) and len(args) == 5):
        return record
    _peer, method, full_path, http_version, status = args
    path = str(full_path).partition("?")[0]
    line = logging.makeLogRecord(record.__dict__)
    line.msg = '"%s %s HTTP/%s" %s'
    line.args = (method, path, http_version, status)
    line.method, line.path, line.status = method, path, status
    return line


class JsonLines(JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(access_line(record)))


class TextLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(access_line(record)))


_handler: logging.Handler | None = None


def configure(log_format: str, level: str = "INFO", stream: TextIO | None = None) -> None:
    """Send every log line of this process (uvicorn's included) through one redacting handler
    in `log_format` (json or text). Calling it again replaces the handler."""
    global _handler
    if log_format not in FORMATS:
        raise ValueError(f"unknown log format {log_format!r} (one of {', '.join(FORMATS)})")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestFields())
    handler.setFormatter(_formatter(log_format))
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    root.addHandler(handler)
    root.setLevel(level.upper())
    _handler = handler
    chatty_level = logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(chatty_level)
    # `uvicorn server:app` configures its loggers before it imports the app: hand their lines
    # to ours, keeping the levels it set (--log-level) and its access log off if it was
    # switched off. (`uvicorn.run(app)` configures them after: pass it log_config=None.)
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers = []
        uvicorn_logger.propagate = True
    access = logging.getLogger(ACCESS_LOGGER)
    if access.handlers or access.propagate:
        access.handlers = []
        access.propagate = True


def _formatter(log_format: str) -> logging.Formatter:
    if log_format == "text":
        return TextLines(TEXT_FORMAT, defaults=dict.fromkeys(REQUEST_FIELDS, "-"))
    return JsonLines(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,  # Persian digits stay digits, so redaction sees them
        # uvicorn adds a coloured copy of some messages; one copy is enough.
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )
