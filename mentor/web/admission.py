"""At most a few requests at work at once in a worker; the others wait their turn, first come
first served.

A worker runs its routes on threads that share one interpreter lock. With 20 requests at work at
once, each takes the lock in turn every few milliseconds, in no particular order: all of them
are slow, and the unlucky ones very slow (the 99th percentile twice the median). Admitted a few
at a time and in order of arrival, a request waits in line instead, and once admitted runs with
few others beside it: the same throughput or better, and a wait close to the line's length.

A request keeps its place from the moment it is admitted until its response starts (its page is
rendered by then; a streamed export goes on outside the limit, and so do the tasks run after the
response). The thread pool stays larger than the limit, so an admitted request never waits for
a thread that a waiting one holds: the waiting ones hold none.
"""

from __future__ import annotations

import asyncio
from weakref import WeakKeyDictionary

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestAdmission:
    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        # One line per event loop (a test client runs the app on a loop of its own).
        self._slots: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            WeakKeyDictionary()
        )

    def _slots_of_this_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.limit)
        return slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        slots = self._slots_of_this_loop()
        await slots.acquire()
        admitted = True

        def leave() -> None:
            nonlocal admitted
            if admitted:
                admitted = False
                slots.release()

        async def send_and_leave(message: Message) -> None:
            if message["type"] == "http.response.start":
                leave()
            await send(message)

        try:
            await self.app(scope, receive, send_and_leave)
        finally:
            leave()
