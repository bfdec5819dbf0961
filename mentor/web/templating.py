"""One Jinja environment: autoescape always on, gettext installed, fragments for htmx.

A page template is one screen; a fragment htmx swaps is a named block in it. ``render`` answers
with the whole page, or with one block when the request comes from htmx (and then says
``Vary: HX-Request`` so caches keep the two apart).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jinja2_fragments import render_block

from mentor.config import PROJECT_ROOT
from mentor.i18n import (
    LOCALE_NAMES,
    format_local_date,
    format_local_datetime,
    format_local_decimal,
    format_local_time,
    get_locale,
    gettext,
    ngettext,
)
from mentor.web import csrf, flash
from mentor.web.language_switch import return_path
from mentor.web.menu import current_item, menu_for

TEMPLATE_DIR = PROJECT_ROOT / "templates"
STATIC_VERSION = "1"
HTMX_FILE = "vendor/htmx-2.0.11.min.js"


def _autoescape(template_name: str | None) -> bool:
    return not (template_name or "").endswith(".txt")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        # Every page escapes, whatever its file name (Starlette's default only escapes *.html);
        # only plain-text e-mails (*.txt) are not HTML and must not be escaped.
        autoescape=_autoescape,  # noqa: S701 - on for everything but plain-text mail
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = format_local_date
    env.filters["datetime"] = format_local_datetime
    env.filters["decimal"] = format_local_decimal
    env.filters["time"] = format_local_time
    env.globals.update(locale_names=LOCALE_NAMES, htmx_file=HTMX_FILE)
    return env


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def page_context(request: Request) -> dict[str, Any]:
    """What base.html needs on every page, error pages included."""
    user = getattr(request.state, "user", None)
    menu = menu_for(user) if user is not None else []
    return {
        "request": request,
        "current_user": user,
        "menu": menu,
        "menu_current": current_item(menu, request.url.path),
        "locale": get_locale(),
        "csrf_token": csrf.token_for(request),
        "language_next": return_path(request),
        "flash_messages": flash.pop_messages(request),
        "accessibility_statement_url": request.app.state.settings.accessibility_statement_url,
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
) -> HTMLResponse:
    env = environment()
    full_context = {**page_context(request), **(context or {})}
    if block is not None and is_htmx(request):
        body = render_block(env, template, block, **full_context)
    else:
        body = env.get_template(template).render(full_context)
    response = HTMLResponse(body, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    flash.commit(request, response)
    csrf.set_cookie(request, response)
    return response
