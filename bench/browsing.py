"""What the mixed load drives the app with: a browser that reads forms as a person sees them
(its CSRF token, hidden fields, chosen options) and posts them, and what it measured."""

from __future__ import annotations

import asyncio
import html
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx2

# Between a simulated user's requests: 0 to this many seconds to think.
THINK_SECONDS = 0.2


# Forms as a browser sees them


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # what submitting sends as is
    choices: dict[str, list[str]] = field(default_factory=dict)  # radio, checkbox, select values

    def data(self, **overrides: str | list[str]) -> dict[str, list[str]]:
        sent: dict[str, list[str]] = defaultdict(list)
        for name, value in self.fields:
            if name not in overrides:
                sent[name].append(value)
        for name, override in overrides.items():
            sent[name] = [override] if isinstance(override, str) else list(override)
        return dict(sent)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = Form(a.get("action") or "", (a.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None:
            return
        if tag == "option" and self._select is not None:
            self._select[1].append(a.get("value") or "")
            if "selected" in a:
                self._select[2].append(a.get("value") or "")
        if not name:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                form.choices.setdefault(name, []).append(a.get("value") or "on")
                if "checked" in a:
                    form.fields.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                form.fields.append((name, a.get("value") or ""))
        elif tag == "select":
            self._select = (name, [], [])
        elif tag == "textarea":
            self._textarea = (name, [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif self._form is None:
            return
        elif tag == "select" and self._select is not None:
            name, options, selected = self._select
            self._form.choices[name] = options
            chosen = selected[:1] or options[:1]
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.fields.append((self._textarea[0], "".join(self._textarea[1]).strip("\n")))
            self._textarea = None


def forms(page: str, action: str) -> list[Form]:
    """The page's POST forms whose action matches the regular expression ``action``."""
    parser = _FormParser()
    parser.feed(page)
    return [f for f in parser.forms if f.method == "post" and re.fullmatch(action, f.action)]


def links(page: str, pattern: str) -> list[str]:
    return [html.unescape(found) for found in re.findall(f'href="({pattern})"', page)]


# What was measured


@dataclass
class Recorder:
    samples: list[tuple[str, int, float]] = field(default_factory=list)  # label, status, ms
    writes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (label, outcome)
    actions: Counter[str] = field(default_factory=Counter)  # by role

    def add(self, label: str, status: int, ms: float) -> None:
        self.samples.append((label, status, ms))

    def wrote(self, label: str, outcome: str) -> None:
        self.writes[(label, outcome)] += 1


@dataclass
class MixedFigures:
    backend: str
    workers: int
    users: int
    seconds: float
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    by_class: dict[str, int]  # 2xx, 3xx, 4xx, 5xx, failed (no answer)
    errors_by_route: dict[str, dict[int, int]]  # label -> status (0: no answer) -> count
    writes: dict[str, dict[str, int]]  # label -> ok / refused / failed -> count
    tracebacks: int
    database_locked: int
    log_errors: dict[str, int]  # the exception lines of the server's tracebacks
    log_5xx: dict[str, int]  # the access log's 5xx, by route
    cpu: dict[str, float]  # share of one core: driver, server, other (the rest of the machine)
    # The arrival, before the timed work: staff logging in (requests, p50, p99, errors).
    logins: dict[str, float] = field(default_factory=dict)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# One simulated user


class Browser:
    def __init__(self, base: str, recorder: Recorder, rng: random.Random) -> None:
        self.client = httpx2.AsyncClient(base_url=base, timeout=60.0, follow_redirects=False)
        self.recorder = recorder
        self.rng = rng

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(0, THINK_SECONDS))

    async def request(
        self, method: str, path: str, label: str, *, data: object = None, htmx: bool = False
    ) -> httpx2.Response | None:
        headers = {"HX-Request": "true"} if htmx else {}
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, data=data, headers=headers)  # type: ignore[arg-type]
        except httpx2.HTTPError:
            self.recorder.add(label, 0, (time.perf_counter() - started) * 1000)
            return None
        self.recorder.add(label, response.status_code, (time.perf_counter() - started) * 1000)
        return response

    async def get(self, path: str, label: str) -> str | None:
        """The page's text when it answered 200."""
        response = await self.request("GET", path, label)
        await self.think()
        if response is None or response.status_code != 200:
            return None
        return response.text

    async def submit(
        self, form: Form, label: str, *, htmx: bool = False, **overrides: str | list[str]
    ) -> bool:
        return await self.send(form, label, form.data(**overrides), htmx=htmx)

    async def send(
        self, form: Form, label: str, data: dict[str, list[str]], *, htmx: bool = False
    ) -> bool:
        """Post the form's data; a redirect is followed to its page. Counts the write's outcome."""
        response = await self.request("POST", form.action, "POST " + label, data=data, htmx=htmx)
        await self.think()
        if response is None or response.status_code >= 500:
            self.recorder.wrote(label, "failed")
            return False
        location = response.headers.get("location", "")
        if location.startswith("/login") and label != "logout":
            self.recorder.wrote(label, "refused: sent to the login page")
            return False
        if response.status_code in (302, 303):
            self.recorder.wrote(label, "ok")
            await self.get(location, "GET (after " + label + ")")
            return True
        if htmx and response.status_code == 200:
            self.recorder.wrote(label, "ok")
            return True
        self.recorder.wrote(label, f"refused {response.status_code}")
        return False

    async def log_in(self, email: str, password: str) -> bool:
        page = await self.get("/login", "GET /login")
        found = forms(page or "", "/login")
        return bool(found) and await self.submit(found[0], "login", email=email, password=password)

    async def log_out(self) -> None:
        page = await self.get("/account", "GET /account")
        found = forms(page or "", "/logout")
        if found:
            await self.submit(found[0], "logout")
