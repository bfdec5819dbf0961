"""A crawler that reads every page a role can reach and submits every form on them, plainly and
with hostile values, cookies and headers, and counts what comes back.

It answers one question: does any input give a 5xx or log an error? Each request is counted by
status class; each 5xx and each logged error becomes a ``Failure`` naming the request's method,
the URL pattern (numbers and tokens replaced), the field and the kind of value, never the value.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi.testclient import TestClient
from httpx2 import Response

from tests.crawler import hostile
from tests.crawler.pages import Form, Page, Submitter, parse

_NUMBER = re.compile(r"(?<=/)\d+(?=/|\.|$)")
_TOKEN = re.compile(r"(?<=/)[A-Za-z0-9_-]{20,}(?=/|\.|$)")
_NOT_FOLLOWED = ("/logout",)
_DIGITS = re.compile(r"\d+")
_URL_VALUE_MAX = 2_000


def pattern(url: str) -> str:
    """The URL with its numbers and tokens replaced and its query's values left out."""
    parts = urlsplit(url)
    path = _TOKEN.sub("{token}", _NUMBER.sub("{id}", parts.path))
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + (f"?{'&'.join(keys)}" if keys else "")


@dataclass(frozen=True)
class Failure:
    method: str
    pattern: str
    probe: str  # what was hostile: "page", "field=name kind=nul", "cookie=...", ...
    status: int
    error: str

    def line(self) -> str:
        return f"{self.method} {self.pattern} [{self.probe}] -> {self.status} {self.error}"


def describe(record: logging.LogRecord) -> str:
    """An error record as its exception type and the deepest frame of our own code."""
    if not record.exc_info or record.exc_info[1] is None:
        return f"logged {record.levelname}: {record.getMessage()[:120]}"
    error = record.exc_info[1]
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/mentor/" in f.filename or "/matching/" in f.filename]
    last = (ours or frames)[-1] if frames else None
    where = (
        f" at {last.filename.split('/work/main/')[-1]}:{last.lineno} ({last.name})" if last else ""
    )
    message = (str(error).splitlines() or [""])[0][:100]
    return f"{type(error).__name__}: {message}{where}"


@dataclass
class Crawler:
    client: TestClient
    # A client with no cookies of its own, for requests that bring their own Cookie header.
    bare: TestClient
    records: Callable[[], list[logging.LogRecord]]
    today: date
    relogin: Callable[[], None] | None = None
    own_user_id: int | None = None
    # Where the database holds the CPR number the crawler types (table, column): checked after
    # each form that took it, since the next submission may overwrite what one saved.
    cpr_stored: Callable[[], set[tuple[str, str]]] | None = None
    max_pages: int = 150
    per_pattern: int = 2
    stats: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    pages: dict[str, Page] = field(default_factory=dict)
    sessions_lost: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    _seen_records: int = 0
    _generation: int = 0
    _token: tuple[int, str | None] | None = None
    _forms_seen: set[tuple[str, str, tuple[str, ...]]] = field(default_factory=set)

    # --- sending ---------------------------------------------------------------------------

    def send(
        self, method: str, url: str, *, probe: str = "page", use_bare: bool = False, **kwargs: Any
    ) -> Response:
        client = self.bare if use_bare else self.client
        started = time.perf_counter()
        response = client.request(method, url, **kwargs)
        key = f"{method} {pattern(url)}"
        self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started
        self.stats[f"{response.status_code // 100}xx"] += 1
        self.stats["requests"] += 1
        errors = [r for r in self.records()[self._seen_records :] if r.levelno >= logging.ERROR]
        self._seen_records = len(self.records())
        if response.status_code >= 500 or errors:
            error = "; ".join(dict.fromkeys(describe(r) for r in errors)) or "(nothing logged)"
            self.failures.append(Failure(method, pattern(url), probe, response.status_code, error))
        if not use_bare and self._logged_out(response):
            self.sessions_lost.append(f"{method} {pattern(url)} [{probe}]")
            self.relogin()  # type: ignore[misc]
            self._generation += 1
        return response

    def _logged_out(self, response: Response) -> bool:
        location = response.headers.get("location", "")
        return self.relogin is not None and location.startswith("/login")

    # --- pages -----------------------------------------------------------------------------

    def crawl(self, start: Iterable[str]) -> None:
        queue = deque(start)
        counts: Counter[str] = Counter()
        while queue and len(self.pages) < self.max_pages:
            url = queue.popleft()
            key = pattern(url)
            if (
                url in self.pages
                or counts[key] >= self.per_pattern
                or url.startswith(_NOT_FOLLOWED)
            ):
                continue
            counts[key] += 1
            response = self.send("GET", url)
            if counts[key] == 1:
                self.send("GET", url, headers={"HX-Request": "true"}, probe="hx-request")
                self.send("HEAD", url, probe="head")
            page = Page(url=url)
            if response.is_redirect:
                queue.append(response.headers["location"])
            elif "text/html" in response.headers.get("content-type", ""):
                page = parse(url, response.text)
                queue.extend([*page.links, *page.htmx_gets])
            self.pages[url] = page
        for url in {u for page in self.pages.values() for u in page.htmx_gets}:
            self.send("GET", url, headers={"HX-Request": "true"}, probe="hx-get")

    def hostile_urls(self) -> None:
        """Ids past any column in paths, and odd values in every query parameter seen."""
        by_pattern: dict[str, str] = {}
        for url in self.pages:
            by_pattern.setdefault(pattern(url).split("?")[0], url)
        keys: dict[str, set[str]] = {}
        for url in [*self.pages, *(link for p in self.pages.values() for link in p.links)]:
            parts = urlsplit(url)
            keys.setdefault(parts.path, set()).update(k for k, _ in parse_qsl(parts.query))
        for path_pattern, url in sorted(by_pattern.items()):
            path = urlsplit(url).path
            for kind in ("int31", "int63") if "{id}" in path_pattern else ():
                self.send("GET", _NUMBER.sub(hostile.VALUES[kind], path), probe=f"path id {kind}")
            # A list's parameters (and its page number, when it has any).
            for key in sorted(keys.get(path, set()) | ({"page"} if keys.get(path) else set())):
                for kind in ("int31", "int63"):
                    query = urlencode({key: hostile.VALUES[kind]})
                    self.send("GET", f"{path}?{query}", probe=f"query {key} {kind}")

    # --- forms -----------------------------------------------------------------------------

    def _new_forms(self, page: Page) -> list[tuple[Form, str | None, int]]:
        """The page's forms not seen before (by method, action pattern and field names)."""
        found = []
        for form in page.forms:
            names = tuple(sorted({f.name for f in form.fields}))
            key = (form.method, pattern(form.action), names)
            if not self._skipped(form) and key not in self._forms_seen:
                self._forms_seen.add(key)
                found.append((form, page.csrf_token, self._generation))
        return found

    def _skipped(self, form: Form) -> bool:
        path = urlsplit(form.action).path
        if path.startswith(_NOT_FOLLOWED):
            return True
        # Forms about the crawling user itself (disable, change role) would end its crawl.
        return self.own_user_id is not None and path.startswith(f"/admin/users/{self.own_user_id}")

    def submit_all(self) -> None:
        """Every form of the pages crawled, and the forms their plausible answers lead to (an
        import's preview, a confirmation): those a crawl of links never reaches."""
        queue = deque(form for page in self.pages.values() for form in self._new_forms(page))
        while queue:
            form, token, generation = queue.popleft()
            lost = len(self.sessions_lost)
            for overrides, submitter, probe in self._probes(form):
                response = self.submit(form, token, generation, overrides, submitter, probe)
                if len(self.sessions_lost) > lost:
                    break  # a form that ends the crawler's own session (log out, end session)
                html = "text/html" in response.headers.get("content-type", "")
                if probe == "plausible" and response.status_code == 200 and html:
                    url = str(response.url).removeprefix("https://testserver")
                    queue.extend(self._new_forms(parse(url, response.text)))

    @staticmethod
    def _probes(form: Form) -> Iterator[tuple[dict[str, str], Submitter, str]]:
        """Every field hostile at once, each field on its own, then plausible values last: a
        pupil's link takes one answer, and a deletion leaves nothing to probe."""
        submitters = [s for s in form.submitters if s.name or s.action][:3] or [Submitter()]
        for kind in hostile.EVERY_FIELD:
            yield {f.name: hostile.VALUES[kind] for f in form.fields}, submitters[0], f"all {kind}"
        # Each field on its own, except in a filter (GET) form, where nothing is saved; of the
        # fields named alike (a checkbox a row), only the first.
        names: set[str] = set()
        for one in form.fields if form.method == "POST" else ():
            name = _DIGITS.sub("0", one.name)
            if name in names:
                continue
            names.add(name)
            if one.kind == "file":
                for name in hostile.FILES:
                    yield {}, submitters[0], f"file {name}"
                continue
            for kind in hostile.PER_FIELD[hostile.field_class(one)]:
                yield {one.name: hostile.VALUES[kind]}, submitters[0], f"{one.name} {kind}"
        for submitter in submitters:
            yield {}, submitter, "plausible"

    def submit(
        self,
        form: Form,
        token: str | None,
        generation: int,
        overrides: dict[str, str],
        submitter: Submitter,
        probe: str,
    ) -> Response:
        if form.method == "POST" and (generation != self._generation or token is None):
            token = self._token_now()
        pairs: list[tuple[str, str]] = []
        files: dict[str, tuple[str, bytes, str]] = {}
        # A careful user picks one of each group of radio buttons and ticks at least one box.
        chosen = {f.name for f in form.fields if f.kind in ("checkbox", "radio") and f.checked}
        for one in form.fields:
            if one.kind in ("checkbox", "radio") and not one.checked and one.name not in chosen:
                chosen.add(one.name)
                one = replace(one, checked=True)
            if one.kind == "file":
                name = probe.split()[-1] if probe.startswith("file ") else "csv_plausible"
                files[one.name] = hostile.FILES[name]
            elif one.name in overrides:
                pairs.append((one.name, overrides[one.name]))
            elif one.kind in ("checkbox", "radio") and not one.checked:
                continue
            else:
                pairs.append((one.name, hostile.plausible(one, self.today)))
        if submitter.name:
            pairs.append((submitter.name, submitter.value))
        action = submitter.action or form.action
        headers = {"HX-Request": "true"} if form.htmx else {}
        if form.method == "GET":
            # A server takes a request line of some kilobytes (h11: 16 KiB in all), not 20,000
            # characters a field: a long value in a URL is as long as one can be.
            pairs = [(name, value[:_URL_VALUE_MAX]) for name, value in pairs]
            path = urlsplit(action).path
            return self.send("GET", f"{path}?{urlencode(pairs)}", probe=probe, headers=headers)
        data: dict[str, Any] = {}
        for name, value in [*pairs, ("csrf_token", token or "")]:
            data.setdefault(name, []).append(value)
        response = self.send(
            "POST", action, probe=probe, headers=headers, data=data, files=files or None
        )
        if probe.split()[-1] == "cpr" and response.status_code < 400:  # taken, not refused
            self._check_no_cpr_stored(action, probe, response.status_code)
        location = response.headers.get("location", "")
        flash = "mentor_flash=" in response.headers.get("set-cookie", "")
        inside = location.startswith("/") and not location.startswith("/login")
        if inside and (flash or probe == "plausible"):
            # The next page shows what the submission left behind (a message, a new form).
            return self.send("GET", location, probe=f"after {probe}")
        return response

    def _check_no_cpr_stored(self, action: str, probe: str, status: int) -> None:
        if self.cpr_stored is not None and (stored := self.cpr_stored()):
            where = ", ".join(f"{table}.{column}" for table, column in sorted(stored))
            self.failures.append(
                Failure("POST", pattern(action), probe, status, f"CPR number stored in {where}")
            )

    def _token_now(self) -> str | None:
        """The token of the session as it is now (one page read per new session)."""
        if self._token is None or self._token[0] != self._generation:
            self._token = (self._generation, self.current_token())
        return self._token[1]

    def current_token(self) -> str | None:
        page = parse("/", self.send("GET", "/", probe="token").text)
        return page.csrf_token

    # --- cookies, headers and bodies -----------------------------------------------------------

    def hostile_requests(self, urls: list[str], post: str | None) -> None:
        """Each hostile cookie and header beside the role's own cookies, on a few pages."""
        own = "; ".join(f"{name}={value}" for name, value in self.client.cookies.items()).encode()
        for url in urls:
            for name, raw in hostile.RAW_COOKIES.items():
                cookie = b"; ".join(part for part in (own, raw) if part)
                self.send("GET", url, use_bare=True, headers={"Cookie": cookie}, probe=name)
            for name, headers in hostile.HEADERS.items():
                self.send("GET", url, use_bare=True, headers={"Cookie": own, **headers}, probe=name)
        if post is None:
            return
        token = self.current_token() or ""
        for name, raw in hostile.RAW_COOKIES.items():
            self.send(
                "POST",
                post,
                use_bare=True,
                headers={"Cookie": b"; ".join(part for part in (own, raw) if part)},
                data={"csrf_token": token},
                probe=name,
            )
        for name, (content_type, body) in hostile.BODIES.items():
            headers = {"Cookie": own, "Content-Type": content_type}
            self.send("POST", post, use_bare=True, headers=headers, content=body, probe=name)
        odd_token = {"X-CSRF-Token": (token + "ø").encode()}
        self.send("POST", post, headers=odd_token, probe="csrf header non-ascii")

    def report(self, title: str) -> str:
        lines = [f"{title}: {dict(sorted(self.stats.items()))}, pages {len(self.pages)}"]
        slowest = sorted(self.seconds.items(), key=lambda item: -item[1])[:6]
        lines.append("  slowest: " + ", ".join(f"{key} {sec:.1f} s" for key, sec in slowest))
        for failure, count in Counter(self.failures).most_common():
            lines.append(f"  {count} x {failure.line()}")
        return "\n".join(lines)
