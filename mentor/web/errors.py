"""One place that turns errors into pages: domain errors, unknown URLs, bad requests, crashes.

Never a traceback: a 500 is logged and shown as a plain page in the user's language.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, Response

from mentor.errors import DomainError, LoginRequired
from mentor.i18n import LazyText, gettext, lazy_gettext
from mentor.logs import redact_path
from mentor.web.responses import redirect
from mentor.web.templating import render

logger = logging.getLogger(__name__)

TITLES: dict[int, LazyText] = {
    400: lazy_gettext("The request could not be understood"),
    403: lazy_gettext("Access denied"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("Not allowed"),
    409: lazy_gettext("Conflict"),
    422: lazy_gettext("Please check your input"),
    429: lazy_gettext("Too many attempts"),
    500: lazy_gettext("Something went wrong"),
    503: lazy_gettext("Temporarily unavailable"),
}


def error_page(request: Request, status_code: int, message: str) -> Response:
    title = str(TITLES.get(status_code, TITLES[400]))
    return render(
        request,
        "errors/error.html",
        {"status_code": status_code, "title": title, "message": message},
        status_code=status_code,
    )


def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(request, f"/login?next={quote(target, safe='/')}")
    return error_page(request, exc.status_code, str(exc.message))


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    messages = {
        404: gettext("The page or object you asked for does not exist."),
        405: gettext("This address does not accept that kind of request."),
    }
    message = messages.get(exc.status_code, gettext("The request could not be completed."))
    return error_page(request, exc.status_code, message)


def _validation_error(request: Request, exc: Exception) -> Response:
    # Forms are parsed in the routes and answered next to their fields; this is for requests no
    # page of ours produces (a tampered form, a hand-made URL).
    return error_page(
        request,
        400,
        gettext("The request was incomplete or malformed. Go back, reload the page and try again."),
    )


# The page when even the error page cannot be drawn (the request itself is what broke it): no
# template, no database, both languages.
LAST_RESORT_PAGE = """<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>Noget gik galt</title></head>
<body><main><h1>Noget gik galt</h1>
<p>Vi har fået besked om fejlen. Prøv igen senere.</p>
<p lang="en">Something went wrong. We have been told about the error. Please try again later.</p>
<p><a href="/">Ambassadør</a></p></main></body></html>
"""


def _server_error(request: Request, exc: Exception) -> Response:
    # The path without the tokens of single-use links; the traceback names code, not values.
    logger.error(
        "unhandled error on %s %s", request.method, redact_path(request.url.path), exc_info=exc
    )
    # Starlette calls this outside the app's routes (the locale and the security headers come
    # from mentor.web.middleware, which wraps everything): as a visitor, whatever the request had.
    request.state.user = None
    request.state.login_session = None
    try:
        return error_page(
            request, 500, gettext("We have been told about the error. Please try again later.")
        )
    except Exception:
        logger.error("the error page failed too on %s", redact_path(request.url.path))
        return HTMLResponse(LAST_RESORT_PAGE, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _server_error)
