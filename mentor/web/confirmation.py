"""Asking before a mass or irreversible action: a page that says what will happen.

The action's GET shows the question; its POST does the work only with the ``confirmed`` field
the question's form sends. A POST without it (a plain button, a form from an old page) answers
with the question, so nothing happens by surprise and nothing needs JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from mentor.i18n import LazyText
from mentor.web.templating import render

CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Confirmation:
    title: LazyText | str  # the question, as the page's heading
    consequences: Sequence[LazyText | str]  # what will happen, one sentence each
    action: str  # where the confirmed form posts
    confirm_label: LazyText | str
    cancel_url: str
    hidden: Mapping[str, str] = field(default_factory=dict)  # fields the action needs


def is_confirmed(fields: Mapping[str, str]) -> bool:
    return fields.get(CONFIRMED) == "1"


def confirmation_page(request: Request, confirmation: Confirmation) -> Response:
    return render(request, "confirm/page.html", {"confirmation": confirmation})
