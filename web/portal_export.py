"""`/me/data-access.csv` and `/me/data-access.json`: the citizen's log (or their minor child's),
with the page's filters, as a file — at most EXPORT_MAX rows, newest first; a longer log says
it was cut (the `Darvazeh-Export-Truncated` header; `truncated` in JSON).

A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return) as a formula:
every such CSV cell is written with a leading apostrophe, so nothing a service or agency named
itself can run in the citizen's spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from audit.tracker import access_page
from web import browser
from web.gateway import gateway
from web.i18n import choose, dataset_name, text
from web.login_page import login_url
from web.portal_log import BadFilter, log_row, parse_filters
from web.portal_subject import whose
from web.render import see_other

PATH = "/me/data-access"
EXPORT_MAX = 5000
TRUNCATED_HEADER = "Darvazeh-Export-Truncated"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("time", "reader", "reader_agency", "datasets", "basis", "statute", "case_reference",
           "outcome", "reason", "source_agency")  # fmt: skip


def safe_cell(value: object) -> str:
    """A CSV cell no spreadsheet runs as a formula."""
    shown = "" if value is None else str(value)
    return "'" + shown if shown.startswith(_FORMULA_STARTS) else shown


def _item(row: dict[str, Any], lang: str) -> dict[str, Any]:
    reader = row["reader"] or row["service"] or (text(lang, "portal") if row["portal"]
                                                 else row["client"])  # fmt: skip
    return {
        "time": row["iso"],
        "reader": reader,
        "reader_client": row["client"],
        "reader_agency": row["client_agency"],
        "service": row["service_id"],
        "datasets": row["datasets"],
        "dataset_names": [dataset_name(lang, dataset) for dataset in row["datasets"]],
        "basis": row["basis"],
        "basis_words": row["basis_words"],
        "statute": row["statute"],
        "case_reference": row["case_reference"],
        "outcome": row["outcome"],
        "outcome_words": row["outcome_words"],
        "reason": row["reason"],
        "source_agency": row["source"],
    }


def _csv(items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        cells = {**item, "datasets": " ".join(item["datasets"]), "basis": item["basis_words"],
                 "outcome": item["outcome_words"]}  # fmt: skip
        writer.writerow([safe_cell(cells[column]) for column in COLUMNS])
    return out.getvalue()


async def _export(request: Request, kind: str) -> Response:
    session = await browser.current_session(request)
    if session is None:
        return see_other(login_url(PATH))
    lang, _ = choose(request)
    services = gateway(request)
    asked = await whose(request, session)
    if asked.error is not None:
        return Response(text(lang, asked.error), status_code=asked.status,
                        media_type="text/plain; charset=utf-8")  # fmt: skip
    try:
        filters = parse_filters(request.query_params)
    except BadFilter as problem:
        return Response(text(lang, problem.key), status_code=400,
                        media_type="text/plain; charset=utf-8")  # fmt: skip
    async with services.sessions() as db:
        page = await access_page(
            db, subject=asked.subject, first=EXPORT_MAX, maximum=EXPORT_MAX,
            since=filters.since, until=filters.until, reader=filters.agency,
            service=filters.service,
        )  # fmt: skip
    items = [_item(log_row(record, lang, page.cards, page.agencies), lang)
             for record in page.records]  # fmt: skip
    name = f"data-access-{asked.subject}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if page.has_next:
        headers[TRUNCATED_HEADER] = "true"
    if kind == "csv":
        # A byte-order mark, so spreadsheets read the Persian as UTF-8.
        body = "\ufeff" + _csv(items)
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    document = {"subject": asked.subject, "language": lang, "filters": filters.params(),
                "truncated": page.has_next, "limit": EXPORT_MAX, "records": items}  # fmt: skip
    return Response(json.dumps(document, ensure_ascii=False, indent=1),
                    media_type="application/json", headers=headers)  # fmt: skip


async def export_csv(request: Request) -> Response:
    return await _export(request, "csv")


async def export_json(request: Request) -> Response:
    return await _export(request, "json")


def routes() -> list[Route]:
    return [
        Route(PATH + ".csv", export_csv, methods=["GET"], name="data_access_csv"),
        Route(PATH + ".json", export_json, methods=["GET"], name="data_access_json"),
    ]
