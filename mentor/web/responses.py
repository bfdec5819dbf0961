"""Redirects after a successful POST: 303 for plain forms, ``HX-Redirect`` for htmx."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from mentor.web import csrf, flash
from mentor.web.templating import is_htmx


def finish(request: Request, response: Response) -> Response:
    """Write the cookies this request queued (flash messages, a renewed CSRF seed)."""
    flash.commit(request, response)
    csrf.set_cookie(request, response)
    return response


def redirect(request: Request, url: str) -> Response:
    response: Response
    if is_htmx(request):
        response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    return finish(request, response)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target
