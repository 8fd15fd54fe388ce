"""The citizen's HTML pages, as routes: login and logout, the consent screen, the citizen's portal
(their data, consents, data tracker and its exports, children). Each handler reads what it needs
of the gateway through web/gateway.py."""

from __future__ import annotations

from starlette.routing import Route

from web import consents_page, portal_children, portal_data, portal_export
from web.consent_page import consent_screen, consent_submit
from web.data_access_page import PATH as DATA_ACCESS_PATH
from web.data_access_page import data_access
from web.login_page import login_form, login_submit, logout, my_session
from web.service_cases_page import PATH as SERVICES_PATH
from web.service_cases_page import answer_case, my_services


def page_routes() -> list[Route]:
    return [
        Route("/me/session", my_session, methods=["GET"], name="my_session"),
        Route("/login", login_form, methods=["GET"], name="login"),
        Route("/login", login_submit, methods=["POST"], name="login_submit"),
        Route("/logout", logout, methods=["POST"], name="logout"),
        Route("/consent/{request_id}", consent_screen, methods=["GET"], name="consent"),
        Route("/consent/{request_id}", consent_submit, methods=["POST"], name="consent_submit"),
        *consents_page.routes(),
        Route(DATA_ACCESS_PATH, data_access, methods=["GET"], name="data_access"),
        *portal_export.routes(),
        *portal_data.routes(),
        *portal_children.routes(),
        Route(SERVICES_PATH, my_services, methods=["GET"], name="my_services"),
        Route(SERVICES_PATH + "/{case_id}/confirm", answer_case, methods=["POST"]),
        Route(SERVICES_PATH + "/{case_id}/decline", answer_case, methods=["POST"]),
    ]
