"""The console's data sources: each with its health ("DOWN" always says why), its versions with
the differences between them, and the changes an agency makes (register, dry-run test, update the
mapping, disable, enable, restore a version). Every change goes through resolvers.data_sources,
as the GraphQL API and the CLI do; taking over a record type another of the agency's sources
serves is asked for explicitly on a confirmation page.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from auth.accounts.staff import StaffMember
from datasources.registration_store import ReplacementRequired
from resolvers import data_sources
from standard.errors import Refused
from web.console_auth import PREFIX, form_of, page, staff_context
from web.console_diff import diff
from web.render import error_page, see_other

SOURCES = f"{PREFIX}/sources"
KINDS = ("sql", "http", "graphql")
MAX_ID = 64
MAX_JSON = 16_000  # characters of a posted connection or mapping
FIELDS = ("id", "record_type", "kind", "connection", "mapping", "timeout")
# Which form field a problem is about, by the words it starts with or holds.
_FIELD_OF = (
    ("connection", ("connection", "url", "base_url", "endpoint", "host", "headers")),
    ("kind", ("unknown source kind", "kind")),
    ("record_type", ("record type", "record_type", "records are served")),
    ("timeout", ("timeout",)),
    ("id", ("the data source id", "source id", "`replaces`")),
)


def field_of(problem: str) -> str:
    """The form field a problem is shown beside (a mapping's problems by default)."""
    lowered = problem.lower()
    for name, words in _FIELD_OF:
        if any(word in lowered for word in words):
            return name
    return "mapping"


def by_field(problems: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in problems:
        found.setdefault(field_of(problem), []).append(problem)
    return found


async def sources_page(request: Request, member: StaffMember) -> Response:
    context = staff_context(request, member)
    rows = await data_sources.list_sources(context)
    health = await data_sources.health(context)
    listed = [
        {
            "row": row,
            "health": health.get(row.id),
            "not_served": data_sources.not_served(context, row.id),
        }
        for row in rows
    ]
    return page(request, member, "console_sources.html", sources=listed)


async def source_page(request: Request, member: StaffMember) -> Response:
    context = staff_context(request, member)
    source_id = request.path_params["source_id"][:MAX_ID]
    row = await data_sources.own_source(context, source_id)
    if row is None:
        return error_page(request, 404, "not_found_title", "not_found")
    history = await data_sources.source_history(context, source_id)
    numbers = [version.version for version in history]
    newest = numbers[0] if numbers else 0
    to = _version(request.query_params.get("to"), numbers, newest)
    before = _version(request.query_params.get("from"), numbers, max(to - 1, 0))
    snapshots = {version.version: version.snapshot for version in history}
    changes = diff(snapshots.get(before, {}), snapshots.get(to, {})) if to else []
    health = (await data_sources.health(context)).get(source_id)
    return page(
        request, member, "console_source.html", row=row, history=history, health=health,
        not_served=data_sources.not_served(context, source_id), changes=changes,
        diff_from=before, diff_to=to, mapping_text=json.dumps(row.mapping, indent=2,
        ensure_ascii=False), problems={},
    )  # fmt: skip


def _version(asked: str | None, numbers: list[int], default: int) -> int:
    if asked is not None and asked.isdigit() and len(asked) <= 9 and int(asked) in numbers:
        return int(asked)
    return default


def _json(text: str, name: str) -> tuple[dict[str, Any] | None, list[str]]:
    if len(text) > MAX_JSON:
        return None, [f"{name}: at most {MAX_JSON} characters"]
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return None, [f"{name}: not JSON ({error.msg}, line {error.lineno})"]
    if not isinstance(value, dict):
        return None, [f"{name}: must be a JSON object"]
    return value, []


def _registration(form: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The registration the form describes, and every problem of its shape."""
    problems: list[str] = []
    source_id = form.get("id", "").strip()
    if not 0 < len(source_id) <= MAX_ID:
        problems.append(f"the data source id: 1 to {MAX_ID} characters")
    kind = form.get("kind", "")
    if kind not in KINDS:
        problems.append(f"unknown source kind {kind[:20]!r}")
    connection, bad = _json(form.get("connection", ""), "connection")
    problems += bad
    mapping, bad = _json(form.get("mapping", ""), "mapping")
    problems += bad
    timeout: float | None = None
    if given := form.get("timeout", "").strip():
        try:
            timeout = float(given[:20])
        except ValueError:
            problems.append("timeout: a number of seconds")
        else:
            if not 0 < timeout <= 60:
                problems.append("timeout: more than 0 and at most 60 seconds")
    replaces = form.get("replaces", "").strip()[:MAX_ID] or None
    registration = {
        "source_id": source_id,
        "record_type": form.get("record_type", "")[:64],
        "kind": kind,
        "connection": connection or {},
        "mapping": mapping or {},
        "timeout": timeout,
        "replaces": replaces,
    }
    return registration, problems


def _new_form(
    request: Request, member: StaffMember, form: dict[str, str], *, status: int = 200,
    problems: list[str] | None = None, tested: data_sources.DryRun | None = None,
) -> Response:  # fmt: skip
    values = {name: form.get(name, "") for name in FIELDS}
    values.setdefault("kind", "sql")
    context = staff_context(request, member)
    return page(
        request, member, "console_source_new.html", status=status, values=values,
        problems=by_field(problems or []), tested=tested, kinds=KINDS,
        record_types=sorted(context.registry.specs),
    )  # fmt: skip


async def new_source_form(request: Request, member: StaffMember) -> Response:
    return _new_form(request, member, {"kind": "sql", "connection": "{}", "mapping": "{}"})


async def new_source_submit(request: Request, member: StaffMember) -> Response:
    form = form_of(request)
    registration, problems = _registration(form)
    if problems:
        return _new_form(request, member, form, status=400, problems=problems)
    context = staff_context(request, member)
    if form.get("action") == "test":
        tested = await data_sources.test(context, registration)
        if tested.replaces and not registration["replaces"]:
            # Replacing is not a fault of the registration: test the rest as if confirmed, and
            # say what it would replace (registering asks before doing so).
            tested = await data_sources.test(
                context, {**registration, "replaces": tested.replaces[0]}
            )
        status = 200 if not tested.problems else 400
        return _new_form(request, member, form, status=status, problems=tested.problems,
                         tested=tested)  # fmt: skip
    try:
        await data_sources.register(context, registration)
    except ReplacementRequired as asked:
        return _confirm(request, member, registration["record_type"], asked.serving,
                        action=f"{SOURCES}/new", keep=form)  # fmt: skip
    except Refused as refused:
        return _new_form(request, member, form, status=400, problems=refused.problems)
    return see_other(f"{SOURCES}/{registration['source_id']}")


def _confirm(
    request: Request, member: StaffMember, record_type: str, serving: list[str], *,
    action: str, keep: dict[str, str],
) -> Response:  # fmt: skip
    """Replacing the agency's current source for a record type is asked for explicitly: the
    same form again, naming the source it replaces."""
    kept = {name: value for name, value in keep.items() if name not in ("csrf_token", "replaces")}
    return page(
        request, member, "console_confirm_replace.html", status=409, record_type=record_type,
        serving=serving[0], action=action, kept=kept,
    )  # fmt: skip


def _source_id(request: Request) -> str:
    return str(request.path_params["source_id"])[:MAX_ID]


async def _refused_page(request: Request, member: StaffMember, refused: Refused) -> Response:
    return page(request, member, "console_refused.html", status=400, problems=refused.problems,
                back=f"{SOURCES}/{_source_id(request)}")  # fmt: skip


async def disable_source(request: Request, member: StaffMember) -> Response:
    try:
        await data_sources.disable(staff_context(request, member), _source_id(request))
    except Refused as refused:
        return await _refused_page(request, member, refused)
    return see_other(f"{SOURCES}/{_source_id(request)}")


async def enable_source(request: Request, member: StaffMember) -> Response:
    """Register the source again as it stands (the connection kept)."""
    form = form_of(request)
    source_id = _source_id(request)
    changes = {"replaces": form.get("replaces", "")[:MAX_ID] or None}
    return await _change(request, member, source_id, changes, f"{SOURCES}/{source_id}/enable")


async def update_mapping(request: Request, member: StaffMember) -> Response:
    form = form_of(request)
    source_id = _source_id(request)
    mapping, problems = _json(form.get("mapping", ""), "mapping")
    if problems:
        return await _refused_page(request, member, Refused(problems))
    changes = {"mapping": mapping, "replaces": form.get("replaces", "")[:MAX_ID] or None}
    return await _change(request, member, source_id, changes, f"{SOURCES}/{source_id}/mapping")


async def _change(
    request: Request, member: StaffMember, source_id: str, changes: dict[str, Any], action: str
) -> Response:
    context = staff_context(request, member)
    try:
        row = await data_sources.update(context, source_id, changes)
    except ReplacementRequired as asked:
        current = await data_sources.own_source(context, source_id)
        record_type = current.record_type if current else ""
        return _confirm(request, member, record_type, asked.serving, action=action,
                        keep=form_of(request))  # fmt: skip
    except Refused as refused:
        return await _refused_page(request, member, refused)
    return see_other(f"{SOURCES}/{row.id}")


async def restore_source(request: Request, member: StaffMember) -> Response:
    form = form_of(request)
    source_id = _source_id(request)
    given = form.get("version", "")
    if not given.isdigit() or len(given) > 9:
        return await _refused_page(request, member, Refused(["version: a version number"]))
    context = staff_context(request, member)
    replaces = form.get("replaces", "")[:MAX_ID] or None
    try:
        await data_sources.restore(context, source_id, int(given), replaces)
    except ReplacementRequired as asked:
        current = await data_sources.own_source(context, source_id)
        return _confirm(request, member, current.record_type if current else "", asked.serving,
                        action=f"{SOURCES}/{source_id}/restore", keep=form)  # fmt: skip
    except Refused as refused:
        return await _refused_page(request, member, refused)
    return see_other(f"{SOURCES}/{source_id}")
