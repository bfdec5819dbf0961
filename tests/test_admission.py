"""A worker admits a few requests at a time, in order of arrival (mentor.web.admission), and a
served app keeps the garbage collector out of the way of its pages.

The middleware is driven as the server drives it, by ASGI calls on one event loop, around a
small app that says when each request is at work; the real app under load is in
``test_concurrent_reads.py`` (20 readers at once, all answered, with the default limit).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Message, Receive, Scope, Send

from mentor.app import GC_THRESHOLDS, create_app
from mentor.config import Environment, Settings
from mentor.web.admission import RequestAdmission

T = TypeVar("T")


class Work:
    """An ASGI app whose requests take a few turns of the loop before they answer (a streamed
    ``/export`` then waits for ``release`` before its body), noting how many are at work at
    once and in which order they began."""

    def __init__(self, *, stream: bool = False, fail: bool = False) -> None:
        self.at_work = 0
        self.most_at_work = 0
        self.began: list[str] = []
        self.stream = stream
        self.fail = fail
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.began.append(scope["path"])
        self.at_work += 1
        self.most_at_work = max(self.most_at_work, self.at_work)
        try:
            for _ in range(5):
                await asyncio.sleep(0)
            if self.fail:
                raise RuntimeError("the page failed")
            await send({"type": "http.response.start", "status": 200, "headers": []})
            if self.stream and scope["path"] == "/export":
                # The body goes on after the response started: outside the limit.
                await self.release.wait()
            await send({"type": "http.response.body", "body": b"ok"})
        finally:
            self.at_work -= 1


async def _request(app: Any, path: str) -> int:
    scope = {"type": "http", "method": "GET", "path": path, "headers": []}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    try:
        await app(scope, receive, send)
    except RuntimeError:
        return 500
    return int(sent[0]["status"])


def _run(scenario: Coroutine[Any, Any, T]) -> T:
    """``scenario`` on an event loop of its own, in a thread of its own: the test process may
    already run a loop in this thread (the browser tests' Playwright leaves one)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, scenario).result()


async def _all(app: Any, paths: list[str]) -> list[int]:
    return list(await asyncio.gather(*(_request(app, path) for path in paths)))


@pytest.mark.parametrize("limit", [1, 2, 4])
def test_no_more_than_the_limit_at_work_and_in_order_of_arrival(limit: int) -> None:
    inner = Work()
    paths = [f"/{n}" for n in range(12)]
    statuses = _run(_all(RequestAdmission(inner, limit=limit), paths))
    assert statuses == [200] * 12
    assert inner.most_at_work == limit
    assert inner.began == paths


def test_no_limit_when_it_is_zero() -> None:
    inner = Work()
    _run(_all(RequestAdmission(inner, limit=0), [f"/{n}" for n in range(12)]))
    assert inner.most_at_work == 12


def test_a_request_leaves_its_place_once_its_response_starts() -> None:
    inner = Work(stream=True)
    admission = RequestAdmission(inner, limit=1)

    async def scenario() -> list[int]:
        streaming = asyncio.create_task(_request(admission, "/export"))
        # The export has started its response and is still sending: the next page gets in.
        page = await asyncio.wait_for(_request(admission, "/page"), timeout=5)
        inner.release.set()
        return [page, await streaming]

    assert _run(scenario()) == [200, 200]


def test_a_failed_request_gives_its_place_back() -> None:
    inner = Work(fail=True)
    admission = RequestAdmission(inner, limit=1)
    statuses = _run(asyncio.wait_for(_all(admission, ["/a", "/b", "/c"]), timeout=5))
    assert statuses == [500, 500, 500]
    assert inner.began == ["/a", "/b", "/c"]


def test_the_app_is_served_through_the_limit_set_in_the_settings(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    limited = settings.model_copy(update={"max_concurrent_requests": 1})
    app = create_app(limited, session_factory=session_factory)
    assert any(
        cast(object, middleware.cls) is RequestAdmission and middleware.kwargs == {"limit": 1}
        for middleware in app.user_middleware
    )
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200


def test_a_served_app_settles_the_garbage_collector_and_the_tests_do_not(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    before = gc.get_threshold()
    with TestClient(create_app(settings, session_factory=session_factory)):
        assert gc.get_threshold() == before
    served = settings.model_copy(update={"env": Environment.DEVELOPMENT})
    try:
        with TestClient(create_app(served, session_factory=session_factory)):
            assert gc.get_threshold() == GC_THRESHOLDS
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
