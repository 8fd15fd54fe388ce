"""The agency console's routes, under /console (web/console_*.py)."""

from __future__ import annotations

from starlette.routing import Route

from web.console_auth import (
    LOGIN,
    PREFIX,
    console_home,
    login_form,
    login_submit,
    logout,
    staff_only,
)
from web.console_cases import (
    cases_page,
    confirm_delivery_replay,
    confirm_event_replay,
    replay_delivery,
    replay_event,
)
from web.console_registration import (
    new_card_form,
    new_card_submit,
    new_client_form,
    new_client_submit,
)
from web.console_services import (
    card_enabled,
    card_page,
    client_change,
    client_page,
    reads_page,
    services_page,
    staff_add,
    staff_enabled,
    staff_page,
)
from web.console_sources import (
    disable_source,
    enable_source,
    new_source_form,
    new_source_submit,
    restore_source,
    source_page,
    sources_page,
    update_mapping,
)

GET, POST = ["GET"], ["POST"]


def routes() -> list[Route]:
    p = PREFIX
    return [
        Route(p, console_home, methods=GET),
        Route(LOGIN, login_form, methods=GET),
        Route(LOGIN, login_submit, methods=POST),
        Route(f"{p}/logout", staff_only(logout), methods=POST),
        Route(f"{p}/sources", staff_only(sources_page), methods=GET),
        Route(f"{p}/sources/new", staff_only(new_source_form, change=True), methods=GET),
        Route(f"{p}/sources/new", staff_only(new_source_submit, change=True), methods=POST),
        Route(f"{p}/sources/{{source_id}}", staff_only(source_page), methods=GET),
        Route(
            f"{p}/sources/{{source_id}}/disable",
            staff_only(disable_source, change=True),
            methods=POST,
        ),
        Route(
            f"{p}/sources/{{source_id}}/enable",
            staff_only(enable_source, change=True),
            methods=POST,
        ),
        Route(
            f"{p}/sources/{{source_id}}/mapping",
            staff_only(update_mapping, change=True),
            methods=POST,
        ),
        Route(
            f"{p}/sources/{{source_id}}/restore",
            staff_only(restore_source, change=True),
            methods=POST,
        ),
        Route(f"{p}/services", staff_only(services_page), methods=GET),
        Route(f"{p}/services/new-card", staff_only(new_card_form, change=True), methods=GET),
        Route(f"{p}/services/new-card", staff_only(new_card_submit, change=True), methods=POST),
        Route(f"{p}/services/new-client", staff_only(new_client_form, change=True), methods=GET),
        Route(f"{p}/services/new-client", staff_only(new_client_submit, change=True), methods=POST),
        Route(f"{p}/cards/{{card_id}}", staff_only(card_page), methods=GET),
        Route(
            f"{p}/cards/{{card_id}}/{{verb:str}}",
            staff_only(card_enabled, change=True),
            methods=POST,
        ),
        Route(f"{p}/clients/{{client_id}}", staff_only(client_page), methods=GET),
        Route(
            f"{p}/clients/{{client_id}}/{{verb:str}}",
            staff_only(client_change, change=True),
            methods=POST,
        ),
        Route(f"{p}/staff", staff_only(staff_page), methods=GET),
        Route(f"{p}/staff", staff_only(staff_add, change=True), methods=POST),
        Route(
            f"{p}/staff/{{username}}/{{verb:str}}",
            staff_only(staff_enabled, change=True),
            methods=POST,
        ),
        Route(f"{p}/reads", staff_only(reads_page), methods=GET),
        Route(f"{p}/cases", staff_only(cases_page), methods=GET),
        Route(
            f"{p}/dead-letters/{{event_id}}/replay",
            staff_only(confirm_event_replay, change=True),
            methods=GET,
        ),
        Route(
            f"{p}/dead-letters/{{event_id}}/replay",
            staff_only(replay_event, change=True),
            methods=POST,
        ),
        Route(
            f"{p}/deliveries/{{case_id}}/replay",
            staff_only(confirm_delivery_replay, change=True),
            methods=GET,
        ),
        Route(
            f"{p}/deliveries/{{case_id}}/replay",
            staff_only(replay_delivery, change=True),
            methods=POST,
        ),
    ]
