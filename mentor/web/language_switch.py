"""Where the language switch brings the user back to: the page they were on, with its query.

A page that answered a GET is simply asked for again. A page that answered a POST (a form shown
again with its errors, an import preview) has no address of its own to come back to: asking for
its URL again would be a GET to a POST-only route ("Not allowed", shown without the menu, as if
logged out). It goes back to the page that sent the form instead — the Referer, on this site only
— and static/js/language-switch.js puts the user's unsaved values back into its form.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request


def _path_and_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def return_path(request: Request) -> str:
    if request.method in ("GET", "HEAD"):
        return _path_and_query(request.url.path, request.url.query)
    referer = urlsplit(request.headers.get("referer", ""))
    # Only a page of this site (the switch's POST checks the path again with ``safe_next``).
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return "/"
    return _path_and_query(referer.path, referer.query)
