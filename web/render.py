"""HTML responses of the citizen pages: Jinja2 templates in the chosen language."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from auth.accounts.sessions import csrf_token
from store.citizen_models import BrowserSession
from web import i18n, numbers
from web.browser import secure_cookies

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The security headers (CSP, no framing, no referrer, never cached) are added to every response
# by web/security_headers.py.
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
MAX_FORM_FIELDS = 50

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    session: BrowserSession | None = None,
    switch_params: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page in the request's language; `switch_params` is the query the language switch
    keeps (default: this request's query)."""
    html = page_html(request, template, session=session, switch_params=switch_params, **context)
    return respond(request, html, status=status)


def page_html(
    request: Request,
    template: str,
    *,
    session: BrowserSession | None = None,
    switch_params: Mapping[str, str] | None = None,
    **context: Any,
) -> str:
    """The page `render` answers with, as text (for a page kept once rendered)."""
    lang, _ = i18n.choose(request)
    other = "en" if lang == "fa" else "fa"
    params = dict(request.query_params if switch_params is None else switch_params)
    params.pop("lang", None)
    params["lang"] = other
    return _env.get_template(template).render(
        lang=lang,
        dir=i18n.DIRECTION[lang],
        other_lang=other,
        other_lang_name=i18n.LANGUAGE_NAME[other],
        switch_url=f"{request.url.path}?{urlencode(params)}",
        t=partial(i18n.text, lang),
        dataset_name=partial(i18n.dataset_name, lang),
        digits=partial(i18n.digits, lang),
        format_date=partial(i18n.format_date, lang),
        number=partial(numbers.number, lang),
        percent=partial(numbers.percent, lang),
        citizen=session.citizen if session else None,
        csrf=csrf_token(session) if session else "",
        **context,
    )


def respond(request: Request, html: str, *, status: int = 200) -> HTMLResponse:
    """`html` as the response, remembering the language the request chose with `?lang=`."""
    lang, remember = i18n.choose(request)
    response = HTMLResponse(html, status_code=status)
    if remember:
        response.set_cookie(
            i18n.LANG_COOKIE,
            lang,
            max_age=LANG_COOKIE_MAX_AGE,
            path="/",
            secure=secure_cookies(request),
            samesite="lax",
        )
    return response


def see_other(url: str) -> RedirectResponse:
    """The answer to every successful POST (and to pages that need a login first)."""
    return RedirectResponse(url, status_code=303)


def error_page(
    request: Request, status: int, title_key: str, body_key: str, **kw: Any
) -> HTMLResponse:
    return render(
        request, "error.html", status=status, title_key=title_key, body_key=body_key, **kw
    )


def csrf_refused(request: Request) -> HTMLResponse:
    return error_page(request, 403, "csrf_title", "csrf")


async def read_form(request: Request) -> FormData | None:
    """The posted form, or None when it is not one we accept (too many fields, files, garbage)."""
    try:
        return await request.form(max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=16_384)
    except Exception:  # python-multipart raises several kinds; any of them is a bad request
        return None
