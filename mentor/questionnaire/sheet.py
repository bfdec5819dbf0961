"""QR codes for the class sheet: inline SVG, since the CSP allows no data: URIs."""

from __future__ import annotations

import segno
from markupsafe import Markup

from mentor.i18n import gettext


def qr_svg(url: str) -> Markup:
    """An ``<svg>`` of the link that scales with CSS (a viewBox, no fixed size).

    The markup is segno's, made from our own URL (base URL and a url-safe token) and a title
    segno escapes; no user text goes into it, so it may be marked safe.
    """
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr", lineclass=None, title=gettext("QR code")
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - see above
