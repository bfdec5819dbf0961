"""What a crawler reads on a page: links, htmx requests and forms (with their fields and buttons).

Parsed with the standard library's HTMLParser, the way a browser would submit them: disabled
fields are left out, a select sends its selected option (else its first), a checkbox or radio
button only when checked, a submit button's name and value only for the button pressed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

TEXT_TYPES = frozenset({"text", "search", "email", "tel", "url", "password", "textarea"})
NUMBER_TYPES = frozenset({"number", "range"})
DATE_TYPES = frozenset({"date", "datetime-local", "time", "month", "week"})
CHOICE_TYPES = frozenset({"select", "radio", "checkbox", "hidden"})
_IGNORED_INPUTS = frozenset({"submit", "button", "reset", "image"})


@dataclass
class Field:
    name: str
    kind: str  # an input type, or "select" / "textarea"
    value: str = ""
    checked: bool = False
    required: bool = False
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass(frozen=True)
class Submitter:
    """A button that submits its form: its name/value pair, and where it sends the form."""

    name: str | None = None
    value: str = ""
    action: str | None = None


@dataclass
class Form:
    method: str
    action: str
    enctype: str = "application/x-www-form-urlencoded"
    htmx: bool = False
    fields: list[Field] = field(default_factory=list)
    submitters: list[Submitter] = field(default_factory=list)

    @property
    def multipart(self) -> bool:
        return self.enctype.startswith("multipart/")


@dataclass
class Page:
    url: str
    links: list[str] = field(default_factory=list)
    htmx_gets: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    csrf_token: str | None = None


class _Parser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page(url=url)
        self._form: Form | None = None
        self._select: Field | None = None
        self._option_value: str | None = None
        self._option_text: list[str] = []
        self._option_selected = False
        self._textarea: Field | None = None
        self._button: dict[str, str | None] | None = None
        self._hx_inside_form: list[str] = []

    def _absolute(self, href: str) -> str | None:
        url = urljoin(f"https://testserver{self.page.url}", href.strip())
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: (value or "") for name, value in attrs}
        if "hx-get" in a and tag != "form":
            target = self._absolute(a["hx-get"])
            if target is not None:
                (self._hx_inside_form if self._form else self.page.htmx_gets).append(target)
        if tag == "body" and '"X-CSRF-Token"' in a.get("hx-headers", ""):
            self.page.csrf_token = a["hx-headers"].split('"')[-2]
        if tag == "a" and a.get("href"):
            target = self._absolute(a["href"])
            if target is not None:
                self.page.links.append(target)
        elif tag == "form":
            self._start_form(a)
        elif self._form is None:
            return
        elif tag == "input":
            self._input(a)
        elif tag == "select" and "disabled" not in a and a.get("name"):
            self._select = Field(a["name"], "select", required="required" in a)
            self._select.multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value") if "value" in a else None
            self._option_text = []
            self._option_selected = "selected" in a
        elif tag == "textarea" and "disabled" not in a and a.get("name"):
            self._textarea = Field(a["name"], "textarea", required="required" in a)
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._button = {
                "name": a.get("name") or None,
                "value": a.get("value", ""),
                "action": self._absolute(a["formaction"]) if a.get("formaction") else None,
            }

    def _start_form(self, a: dict[str, str]) -> None:
        method = a.get("method", "get").upper()
        action = a.get("action") or self.page.url
        if a.get("hx-post"):
            method, action = "POST", a["hx-post"]
        elif a.get("hx-get"):
            method, action = "GET", a["hx-get"]
        target = self._absolute(action)
        self._form = Form(
            method=method,
            action=target or "",
            enctype=a.get("enctype", "application/x-www-form-urlencoded"),
            htmx=bool(a.get("hx-post") or a.get("hx-get")),
        )
        if target is None:
            self._form = None

    def _input(self, a: dict[str, str]) -> None:
        assert self._form is not None
        kind = a.get("type", "text").lower()
        name = a.get("name")
        if kind in _IGNORED_INPUTS or not name or "disabled" in a:
            if kind in ("submit", "image"):
                self._form.submitters.append(Submitter(name or None, a.get("value", "")))
            return
        if name == "csrf_token":
            self.page.csrf_token = a.get("value", "")
            return
        self._form.fields.append(
            Field(
                name,
                kind,
                value=a.get("value", "on" if kind in ("checkbox", "radio") else ""),
                checked="checked" in a,
                required="required" in a,
            )
        )

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option_value is None and self._select is not None:
            self._option_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._select is not None:
            value = self._option_value
            if value is None:
                value = "".join(self._option_text).strip()
            self._select.options.append(value)
            if self._option_selected and not self._select.value:
                self._select.value = value
            self._option_value = None
        elif tag == "select" and self._select is not None and self._form is not None:
            if not self._select.value and self._select.options and not self._select.multiple:
                self._select.value = self._select.options[0]
            self._form.fields.append(self._select)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append(self._textarea)
            self._textarea = None
        elif tag == "button" and self._button is not None and self._form is not None:
            self._form.submitters.append(
                Submitter(self._button["name"], self._button["value"] or "", self._button["action"])
            )
            self._button = None
        elif tag == "form" and self._form is not None:
            self._end_form(self._form)
            self._form = None

    def _end_form(self, form: Form) -> None:
        self.page.forms.append(form)
        # An element inside the form that asks for a fragment with the form's fields (hx-include).
        for target in self._hx_inside_form:
            self.page.forms.append(
                Form(method="GET", action=target, htmx=True, fields=list(form.fields))
            )
        self._hx_inside_form = []


def parse(url: str, html: str) -> Page:
    parser = _Parser(url)
    parser.feed(html)
    parser.close()
    return parser.page
