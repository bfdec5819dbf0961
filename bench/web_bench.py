"""Every staff page under load, beside a bare FastAPI page, on SQLite and PostgreSQL in one run.

    .venv/bin/python bench/web_bench.py [--backends sqlite,postgresql] [--seconds 8]
        [--connections 20] [--pupils 10000] [--ambassadors 1200] [--meetings 50000]
        [--pages home,pupils,...] [--compare-with REV] [--scale-out 1,2,4] [--mixed]

For each backend it builds the data (``web_setup.prepare``: the follow-up generator's municipality
at full size plus the demo), starts the app with one worker (``mentor serve``, production
settings) and the bare page (``bench/bare_page.py``: 50 rows by primary key through raw DB-API and
Jinja, an ``async`` route: the ratios are to it; the same page as a ``def`` route in the thread
pool, as the app's routes are, is printed beside it), checks that each page answers 200 with
its content, then drives each with wrk (20 connections, 8 s) and prints per page: requests/s,
p50 and p99, errors (non-2xx and socket errors), the ratio to the bare page, and the server's
tracebacks and "database is locked".

``--compare-with REV`` serves the same pages from another revision (a git worktree of REV, run
with this virtual environment) against the same database, after this checkout's figures: the
before and after of a change, measured on one machine in one run. ``--scale-out 1,2,4`` runs a
short mixed load on PostgreSQL with that many workers; ``--mixed`` runs ``mixed_load.py``.

wrk comes from Debian's package (``apt-get install wrk``). Not part of `make test`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.revision import checkout_of
from bench.web_setup import (
    ROOT,
    Prepared,
    Server,
    postgres_database,
    prepare,
    sqlite_database,
)


@dataclass(frozen=True)
class Page:
    name: str
    role: str
    path: Callable[[Prepared], str]
    # Text the answered page must hold: proof that it rendered, not a login page.
    marker: str | None = None


PAGES = [
    Page("counsellor home", "counsellor", lambda p: "/"),
    Page("follow-up dashboard", "counsellor", lambda p: "/followup"),
    Page("queue: unmatched", "counsellor", lambda p: "/followup/queues/unmatched"),
    Page("caseload", "counsellor", lambda p: "/followup/caseload"),
    Page("pupil list", "counsellor", lambda p: "/pupils"),
    Page("pupil search", "counsellor", lambda p: "/pupils?q=jensen"),
    Page("pupil page", "counsellor", lambda p: f"/pupils/{p.ids['pupil']}"),
    Page("matching run preview", "demo_counsellor", lambda p: f"/matching/runs/{p.ids['run']}"),
    Page(
        "export of one school",
        "counsellor",
        lambda p: f"/exports/download?dataset=pupils&school={p.school_code}&format=csv",
    ),
    Page("coordinator home", "coordinator", lambda p: "/"),
    Page("school meetings", "coordinator", lambda p: "/school/meetings"),
    Page("feedback links", "coordinator", lambda p: "/school/feedback"),
    Page("ambassador home", "ambassador", lambda p: "/"),
    Page("ambassador's mentees", "ambassador", lambda p: "/ambassador/mentees"),
    Page("ambassador's meetings", "ambassador", lambda p: "/ambassador/meetings"),
    Page("admin home", "admin", lambda p: "/"),
    Page("admin: ambassadors", "admin", lambda p: "/admin/ambassadors"),
    Page("admin: users", "admin", lambda p: "/admin/users"),
]
BARE = "bare page"
BARE_DEF = "bare page, def route"
COOKIE = "mentor_session"


@dataclass
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, *, cookie: str | None, seconds: int, connections: int) -> Figures:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {COOKIE}={cookie}"]
    output = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _milliseconds(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(n) for n in found.groups())
    return Figures(rps, p50, p99, errors)


def check(url: str, cookie: str | None) -> str:
    """Fetch once: the page must answer 200 (a redirect to the login page would be cheap)."""
    request = urllib.request.Request(url)  # noqa: S310
    if cookie:
        request.add_header("Cookie", f"{COOKIE}={cookie}")
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        if response.status != 200 or response.url != url:
            raise RuntimeError(f"{url} answered {response.status} at {response.url}")
        return str(response.read().decode("utf-8", "replace"))


def _server_trouble(server: Server) -> str:
    log = server.output()
    return (
        f"{log.count('Traceback')} tracebacks, "
        f"{log.count('database is locked')} × database is locked"
    )


def measure_pages(
    label: str,
    prepared: Prepared,
    pages: list[Page],
    *,
    root: Path,
    seconds: int,
    connections: int,
    bare: Figures,
) -> dict[str, Figures]:
    results: dict[str, Figures] = {}
    with Server.app(prepared.url, root=root) as server:
        for page in pages:
            url = server.base + page.path(prepared)
            cookie = prepared.tokens[page.role]
            try:
                check(url, cookie)
            except (OSError, RuntimeError) as error:  # HTTPError is an OSError
                print(f"  {page.name:<26} not measured: {error}", flush=True)
                continue
            results[page.name] = wrk(url, cookie=cookie, seconds=seconds, connections=connections)
            _print_row(page.name, results[page.name], bare)
        print(f"  server ({label}): {_server_trouble(server)}")
    return results


def _print_header(title: str) -> None:
    print(f"\n{title}")
    print(f"  {'page':<26} {'req/s':>8} {'× bare':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")


def _print_row(name: str, figures: Figures, bare: Figures) -> None:
    ratio = figures.requests_per_second / bare.requests_per_second
    print(
        f"  {name:<26} {figures.requests_per_second:>8.0f} {ratio:>6.2f}× "
        f"{figures.p50_ms:>8.1f} {figures.p99_ms:>8.1f} {figures.errors:>7}",
        flush=True,
    )


def run_backend(backend: str, args: argparse.Namespace, pages: list[Page]) -> None:
    url = postgres_database("bench_web") if backend == "postgresql" else sqlite_database()
    prepared = prepare(
        url, pupils=args.pupils, ambassadors=args.ambassadors, meetings=args.meetings
    )
    print(
        f"\n== {backend}: {prepared.sizes['pupils']} pupils, {prepared.sizes['matches']} matches "
        f"(built in {prepared.seconds:.0f} s); {args.connections} connections, "
        f"{args.seconds} s per page, one worker"
    )
    with Server.bare(url) as bare_server:
        check(bare_server.base + "/", None)
        bare = wrk(
            bare_server.base + "/", cookie=None, seconds=args.seconds, connections=args.connections
        )
        check(bare_server.base + "/def", None)
        bare_def = wrk(
            bare_server.base + "/def",
            cookie=None,
            seconds=args.seconds,
            connections=args.connections,
        )
    _print_header(f"{backend}, this checkout")
    _print_row(BARE, bare, bare)
    _print_row(BARE_DEF, bare_def, bare)
    measure_pages(
        "this checkout",
        prepared,
        pages,
        root=ROOT,
        seconds=args.seconds,
        connections=args.connections,
        bare=bare,
    )
    if args.compare_with:
        with checkout_of(args.compare_with) as folder:
            _print_header(f"{backend}, {args.compare_with} (same data, same bare page)")
            measure_pages(
                args.compare_with,
                prepared,
                pages,
                root=folder,
                seconds=args.seconds,
                connections=args.connections,
                bare=bare,
            )
    if args.mixed or (args.scale_out and backend == "postgresql"):
        from bench.mixed_load import run_mixed

        if args.mixed:
            workers = 4 if backend == "postgresql" else 1
            run_mixed(prepared, workers=workers, users=50, seconds=60)
        if args.scale_out and backend == "postgresql":
            for workers in (int(n) for n in args.scale_out.split(",")):
                run_mixed(prepared, workers=workers, users=50, seconds=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--pupils", type=int, default=10_000)
    parser.add_argument("--ambassadors", type=int, default=1_200)
    parser.add_argument("--meetings", type=int, default=50_000)
    parser.add_argument("--pages", help="Comma-separated words; pages whose name holds one.")
    parser.add_argument("--compare-with", help="A git revision to serve the same pages from.")
    parser.add_argument("--scale-out", help="PostgreSQL worker counts, e.g. 1,2,4.")
    parser.add_argument("--mixed", action="store_true", help="Run the mixed load too.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    pages = PAGES
    if args.pages:
        words = args.pages.split(",")
        pages = [page for page in PAGES if any(word in page.name for word in words)]
    for backend in args.backends.split(","):
        run_backend(backend, args, pages)


if __name__ == "__main__":
    main()
