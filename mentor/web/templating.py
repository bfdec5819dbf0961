"""One Jinja environment: autoescape always on, gettext installed, fragments for htmx.

A page template is one screen; a fragment htmx swaps is a named block in it. ``render`` answers
with the whole page, or with one block when the request comes from htmx (and then says
``Vary: HX-Request`` so caches keep the two apart).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_eval_context
from jinja2.nodes import EvalContext
from jinja2_fragments import render_block
from markupsafe import Markup

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
    translations,
)
from mentor.models import Role, User
from mentor.web import csrf, flash
from mentor.web.language_switch import return_path
from mentor.web.menu import menu_for_role

TEMPLATE_DIR = PROJECT_ROOT / "templates"
STATIC_VERSION = "1"
HTMX_FILE = "vendor/htmx-2.0.11.min.js"


def _autoescape(template_name: str | None) -> bool:
    return not (template_name or "").endswith(".txt")


# Jinja's "new style" gettext, as ``install_gettext_callables(newstyle=True)`` makes it — the text
# is Markup when the template escapes, then always formatted with the call's variables (escaped) —
# but without its two ``Context.call`` round trips a call, and with the texts a page shows on
# every request (menu, header, footer: no variables) looked up once per locale. A base layout
# makes some twenty such calls, which were a third of the time it took to render.
def _formatted(text: str, escape: bool, variables: dict[str, Any]) -> str:
    # The text is a msgid or its translation from our own catalogues, trusted like the template
    # it appears in; the variables are escaped by Markup's %.
    return (Markup(text) if escape else text) % variables  # noqa: S704


@lru_cache(maxsize=4096)
def _constant_text(locale: str, message: str, escape: bool) -> str:
    return _formatted(translations(locale).ugettext(message), escape, {})


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    if not variables:
        return _constant_text(get_locale(), message, eval_ctx.autoescape)
    text = translations(get_locale()).ugettext(message)
    return _formatted(text, eval_ctx.autoescape, variables)


@pass_eval_context
def _template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    text = translations(get_locale()).ungettext(singular, plural, num)
    return _formatted(text, eval_ctx.autoescape, {"num": num, **variables})


@cache
def environment() -> Environment:
    """The one environment, built once per process (``create_app`` says whether it reloads)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        # Every page escapes, whatever its file name (Starlette's default only escapes *.html);
        # only plain-text e-mails (*.txt) are not HTML and must not be escaped.
        autoescape=_autoescape,  # noqa: S701 - on for everything but plain-text mail
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Not a stat of every template a page extends or includes on every request; development
        # turns it back on (``create_app``) so that an edited template shows on the next reload.
        auto_reload=False,
    )
    # Sets the extension up for new-style calls ({% trans %} compiles to gettext(..., **vars));
    # the callables themselves are the faster equivalents above.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    env.filters["date"] = format_local_date
    env.filters["datetime"] = format_local_datetime
    env.filters["decimal"] = format_local_decimal
    env.filters["time"] = format_local_time
    env.globals.update(locale_names=LOCALE_NAMES, htmx_file=HTMX_FILE)
    return env


@lru_cache(maxsize=1024)
def _menu_html(role: Role, is_active: bool, locale: str, current_href: str | None) -> Markup:
    menu = menu_for_role(role, locale, is_active)
    current = next((item for item in menu.items if item.href == current_href), None)
    html = environment().get_template("_menu.html").render(menu=menu, menu_current=current)
    return Markup(html)  # noqa: S704 - rendered by the autoescaping environment


def main_menu(user: User | None, path: str) -> Markup:
    """The menu of the page's user with the page's item marked.

    A role's menu in one language with one item marked is the same HTML on every request: each
    of these few dozen strings is rendered once per process (an edit of _menu.html shows after a
    restart, even in development).
    """
    if user is None:
        return Markup()
    locale = get_locale()
    current = menu_for_role(user.role, locale, user.is_active).current(path)
    return _menu_html(user.role, user.is_active, locale, current.href if current else None)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def page_context(request: Request) -> dict[str, Any]:
    """What base.html needs on every page, error pages included."""
    user = getattr(request.state, "user", None)
    return {
        "request": request,
        "current_user": user,
        "main_menu": main_menu(user, request.url.path),
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
