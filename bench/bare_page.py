"""The baseline of the web benchmark: as cheap as a FastAPI + Jinja page can be.

    BARE_DATABASE_URL=sqlite:///path/to/bench.sqlite3 uvicorn bench.bare_page:app
    BARE_DATABASE_URL=... .venv/bin/python bench/bare_page.py --port 8899

One route renders a small template (``bare_page.html``) with a table of 50 pupils selected by
primary key — a range that moves on by 50 each request — read with the DB-API driver itself:
``sqlite3`` for ``sqlite:///FILE``, psycopg for ``postgresql://…`` (``postgresql+psycopg://…``
works too: the SQLAlchemy driver suffix is dropped). No ORM, no middleware, no dependencies, no
session, no i18n; the template environment is built once and never checks its file again.

The route is ``async`` on purpose: 50 rows by primary key take a fraction of a millisecond, so it
skips the thread-pool hop a ``def`` route pays, and one connection per process serves every
request in turn. Every page of the app is measured against this one; nothing here may grow.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader

ROWS = 50
QUERY = (
    "SELECT id, first_name, last_name, grade, class_name FROM pupil"
    " WHERE id > {p} ORDER BY id LIMIT {p}"
)


def _connect(url: str) -> tuple[Any, str]:
    """A connection and the query in the driver's parameter style."""
    scheme, _, rest = url.partition("://")
    if scheme == "sqlite":
        # sqlite:///relative.db or sqlite:////absolute.db, as SQLAlchemy spells them.
        path = rest[1:] if rest.startswith("/") else rest
        return sqlite3.connect(path, check_same_thread=False), QUERY.format(p="?")
    if scheme.split("+")[0] in ("postgresql", "postgres"):
        import psycopg

        return psycopg.connect(f"postgresql://{rest}", autocommit=True), QUERY.format(p="%s")
    raise SystemExit(f"BARE_DATABASE_URL: sqlite:///FILE or postgresql[+psycopg]://…, not {url!r}")


_url = os.environ.get("BARE_DATABASE_URL", "sqlite:///bench.sqlite3")
_connection, _query = _connect(_url)
_highest: int = _connection.execute("SELECT coalesce(max(id), 0) FROM pupil").fetchone()[0]
# Where the next request's range starts: all of the table is read in turn, not one cached page.
_starts = itertools.cycle(range(0, max(_highest - ROWS, 0) + 1, ROWS))

_template = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=True,
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
).get_template("bare_page.html")

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/", response_class=HTMLResponse)
async def page() -> HTMLResponse:
    rows = _connection.execute(_query, (next(_starts), ROWS)).fetchall()
    return HTMLResponse(_template.render(rows=rows))


_per_thread = threading.local()


@app.get("/def", response_class=HTMLResponse)
def page_in_thread_pool() -> HTMLResponse:
    """The same page as FastAPI's documentation writes a blocking one: a plain ``def`` route,
    run in the thread pool, with a connection per thread. A reference beside the baseline: the
    app's routes are of this kind."""
    connection = getattr(_per_thread, "connection", None)
    if connection is None:
        connection = _per_thread.connection = _connect(_url)[0]
    rows = connection.execute(_query, (next(_starts), ROWS)).fetchall()
    return HTMLResponse(_template.render(rows=rows))


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the bare page (the benchmark's baseline).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8899)
    arguments = parser.parse_args()
    import uvicorn

    uvicorn.run(
        app, host=arguments.host, port=arguments.port, access_log=False, log_level="warning"
    )


if __name__ == "__main__":
    main()
