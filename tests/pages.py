"""Reading a page the way its reader does: the text inside <main>, entities decoded."""

from __future__ import annotations

import html

from httpx2 import Response


def main_text(response: Response) -> str:
    text = response.text
    return html.unescape(text[text.index("<main") : text.index("</main>")])
