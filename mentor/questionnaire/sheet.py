"""QR codes for the class sheet: inline SVG, since the CSP allows no data: URIs."""

from __future__ import annotations

from functools import lru_cache

import segno
from markupsafe import Markup

from mentor.i18n import gettext


def qr_svg(url: str) -> Markup:
    """An ``<svg>`` of the link that scales with CSS (a viewBox, no fixed size).

    The markup is segno's, made from our own URL (base URL and a url-safe token) and a title
    segno escapes; no user text goes into it, so it may be marked safe.
    """
    return Markup(_svg(url, gettext("QR code")))  # noqa: S704 - see above


# A link's code is the same every time the page is shown and takes ~5 ms to draw: a page of
# feedback links draws up to a few hundred. Kept a process: 2,000 codes of ~2.5 KB.
@lru_cache(maxsize=2000)
def _svg(url: str, title: str) -> str:
    code = segno.make(url, error="m", micro=False)
    svg: str = code.svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr", lineclass=None, title=title
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)
