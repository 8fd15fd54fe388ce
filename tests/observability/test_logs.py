"""Log lines: JSON with the request's id, client and operation; never a token or a national
code, neither in the gateway's own lines nor in uvicorn's access log."""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn.config

from observability import logs
from observability.request import RequestInfo, serving
from tests.docs.runner import running_demo
from tests.harness import CASE, RunningGateway
from tests.observability.support import ALL_RECORDS, ONE_CITIZEN, server_process

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
SECRET = "Xq3_vR9-kLm2Np8sTt4wYz6aBc1dEf5gHi7jKl0"  # the shape of secrets.token_urlsafe(32)


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("citizen 0012345678 not found", "0012345678"),
        ("nationalId:0012345678,", "0012345678"),
        ("tax row 12345678 (leading zeros lost)", "12345678"),
        ("code ۰۰۱۲۳۴۵۶۷۸ in Persian digits", "۰۰۱۲۳۴۵۶۷۸"),
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("DPoP eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "eyJhbGciOiJFUzI1NiJ9"),
        ("token=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "c2lnbmF0dXJl"),
        (f"refresh token {SECRET}", SECRET),
    ],
)
def test_redaction_removes_credentials_and_national_codes(text: str, leaked: str) -> None:
    assert leaked not in logs.redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "request 3f2a9c0b7d1e4f5a8b6c2d0e9f1a3b5c took 12.5 ms",
        "2026-11-29T14:37:18.123+00:00 port 8000 pid 41234",
        "data source 'civil-identity': did not answer within 3s",
    ],
)
def test_redaction_leaves_ordinary_text_alone(text: str) -> None:
    assert logs.redact(text) == text


@pytest.fixture
def captured(gateway: RunningGateway) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    logs.configure("json", "INFO", stream)
    try:
        yield stream
    finally:
        settings = gateway.gateway.settings
        logs.configure(settings.observability.log_format, settings.observability.log_level)


async def test_log_lines_carry_the_request_and_never_its_secrets(
    gateway: RunningGateway, captured: io.StringIO
) -> None:
    citizen = gateway.citizens["parent"]
    token = await gateway.token()
    # A document that fails validation names the literal code in its error; the error is the
    # caller's, so nothing of it is logged.
    literal = f'query Leaky {{ citizen(nationalId: "{citizen}") {{ nope }} }}'
    response = await gateway.post(literal, token=token)
    assert response.json()["errors"]
    # Every agency, the education ministry's HTTP service among them.
    read = await gateway.post(ALL_RECORDS, {"id": citizen}, token=token)
    assert read.status_code == 200 and "errors" not in read.json()
    # A line logged while a request is served carries the request's fields, and whatever it
    # quotes is redacted.
    client_id = gateway.clients["statutory_all_datasets"]["client_id"]
    request_id = read.headers["Darvazeh-Request-Id"]
    with serving(RequestInfo(request_id=request_id, client_id=client_id)):
        logging.getLogger("darvazeh.test").warning("no record for %s in %s", citizen, token)
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]

    text = captured.getvalue()
    assert citizen not in text
    assert citizen.translate(PERSIAN) not in text
    assert token not in text and token.split(".")[1] not in text
    ours = [line for line in lines if line.get("request_id") == request_id]
    assert ours, lines
    for line in ours:
        assert {"time", "level", "logger", "message"} <= line.keys()
        assert line["client_id"] == client_id
    assert any("[digits]" in line["message"] for line in ours)
    # No line per outgoing call (httpx logs each at INFO): the metrics and traces have them.
    assert not [line for line in lines if line["logger"].startswith(("httpx", "httpcore"))]


async def test_a_real_server_logs_json_with_its_access_log(
    shared_store: RunningGateway, tmp_path: Path
) -> None:
    gateway = shared_store
    settings = gateway.gateway.settings
    citizen = gateway.citizens["parent"]
    token = await gateway.token()
    env = {"GATEWAY_LOG_FORMAT": "json", "GATEWAY_METRICS_DIR": str(tmp_path / "metrics")}
    output = tmp_path / "server.log"
    headers = {"Authorization": f"Bearer {token}", "Darvazeh-Case-Reference": CASE}
    async with (
        server_process(
            Path(settings.var_dir), settings.store_url, env, output, "--log-level", "info"
        ) as server,
        httpx.AsyncClient(timeout=10) as http,
    ):
        # GET puts the variables, and so the national code, in the URL.
        query = urlencode({"query": ONE_CITIZEN, "variables": json.dumps({"id": citizen})})
        read = await http.get(f"{server.url}/graphql?{query}", headers=headers)
        assert read.status_code == 200 and "errors" not in read.json(), read.text
        literal = f'query Leaky {{ citizen(nationalId: "{citizen}") {{ nope }} }}'
        refused = await http.post(f"{server.url}/graphql", json={"query": literal}, headers=headers)
        assert refused.json()["errors"]
        issued = await http.post(
            f"{server.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(
                gateway.clients["statutory"]["client_id"],
                gateway.clients["statutory"]["client_secret"],
            ),
        )
        new_token = issued.json()["access_token"]
    text = output.read_text()
    assert citizen not in text
    for secret in (token, new_token, gateway.clients["statutory"]["client_secret"]):
        assert secret not in text
    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    request_id = read.headers["Darvazeh-Request-Id"]
    reads = [line for line in access if line.get("request_id") == request_id]
    assert len(reads) == 1, access
    (line,) = reads
    assert line["method"] == "GET" and line["path"] == "/graphql" and line["status"] == 200
    assert line["client_id"] == gateway.clients["statutory_all_datasets"]["client_id"]
    assert line["operation"] == "OneCitizen"
    assert "127.0.0.1" not in line["message"]  # nor the peer's address
    started = [line for line in lines if line["logger"] == "uvicorn.error"]
    assert any("Application startup complete" in line["message"] for line in started)


def test_text_lines_carry_the_request_fields_and_are_redacted(gateway: RunningGateway) -> None:
    stream = io.StringIO()
    logs.configure("text", "INFO", stream)
    try:
        info = RequestInfo(client_id="school-portal", operation="OneCitizen")
        with serving(info):
            logging.getLogger("darvazeh.test").warning("no record for 0012345678")
        logging.getLogger("darvazeh.test").warning("outside any request")
    finally:
        settings = gateway.gateway.settings
        logs.configure(settings.observability.log_format, settings.observability.log_level)
    inside, outside = stream.getvalue().splitlines()
    assert f"[{info.request_id} school-portal OneCitizen] no record for [digits]" in inside
    assert "[- - -] outside any request" in outside


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log format 'xml'"):
        logs.configure("xml")


@pytest.fixture
def uvicorn_loggers(gateway: RunningGateway) -> Iterator[None]:
    """uvicorn's loggers (handlers, propagation, level) and ours as they were, after the test."""
    loggers = [logging.getLogger(name) for name in UVICORN_LOGGERS]
    saved = [(lg, lg.handlers[:], lg.propagate, lg.level, lg.filters[:]) for lg in loggers]
    try:
        yield
    finally:
        for logger, handlers, propagate, level, filters in saved:
            logger.handlers, logger.propagate, logger.level = handlers, propagate, level
            logger.filters = filters
        settings = gateway.gateway.settings
        logs.configure(settings.observability.log_format, settings.observability.log_level)


def test_uvicorns_own_logging_set_up_after_ours_formats_the_access_line(
    uvicorn_loggers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`uvicorn.run(app)` applies uvicorn's logging configuration after create_app has set up
    ours: its access formatter (which unpacks the five arguments uvicorn logged) and ours read
    the same record, and neither fails ("--- Logging error ---" on stderr)."""
    failed: list[logging.LogRecord] = []
    monkeypatch.setattr(logging.Handler, "handleError", lambda _self, record: failed.append(record))
    ours, theirs = io.StringIO(), io.StringIO()
    logs.configure("json", "INFO", ours)
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    for handler in config["handlers"].values():
        handler["stream"] = theirs
    logging.config.dictConfig(config)
    for name in UVICORN_LOGGERS:  # uvicorn's handlers and ours see the one record
        logging.getLogger(name).propagate = True
    access = logging.getLogger(logs.ACCESS_LOGGER)
    access.info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", "GET", "/graphql?q=0012345678", "1.1", 200
    )
    assert not failed, [record.getMessage() for record in failed]
    assert '"GET /graphql?q=0012345678 HTTP/1.1" 200' in theirs.getvalue()  # uvicorn's, as is
    (line,) = [json.loads(text) for text in ours.getvalue().splitlines()]
    assert line["message"] == '"GET /graphql HTTP/1.1" 200'
    assert (line["method"], line["path"], line["status"]) == ("GET", "/graphql", 200)


async def test_the_demo_logs_json_lines_without_a_logging_error(tmp_path: Path) -> None:
    """`make demo` with GATEWAY_LOG_FORMAT=json: the gateway's lines, uvicorn's included, are
    JSON, its access lines carry no query string, and nothing fails to be logged."""
    workspace = tmp_path / "checkout"
    workspace.mkdir()
    async with running_demo(workspace, {"GATEWAY_LOG_FORMAT": "json"}) as demo:
        citizen = demo.facts["citizens"]["parent"]
        token = await demo.token("statutory_all_datasets")
        headers = {"Authorization": f"Bearer {token}", "Darvazeh-Case-Reference": CASE}
        variables = {"id": citizen}
        async with httpx.AsyncClient(base_url=demo.url, timeout=30) as http:
            assert (await http.get("/healthz")).status_code == 200
            posted = await http.post(
                "/graphql", json={"query": ONE_CITIZEN, "variables": variables}, headers=headers
            )
            in_url = {"query": ONE_CITIZEN, "variables": json.dumps(variables)}
            got = await http.get("/graphql", params=in_url, headers=headers)
        for answer in (posted, got):
            assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    text = (workspace / "demo.log").read_text(errors="replace")
    assert "Logging error" not in text and "Traceback" not in text, text[-5000:]
    assert citizen not in text  # the GET's variables stay out of the access log
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == logs.ACCESS_LOGGER]
    requests = {(line["method"], line["path"], line["status"]) for line in access}
    assert {("GET", "/healthz", 200), ("POST", "/graphql", 200), ("GET", "/graphql", 200)} <= (
        requests
    ), access
    started = [line for line in lines if line["logger"] == "uvicorn.error"]
    assert any("Application startup complete" in line["message"] for line in started), text
