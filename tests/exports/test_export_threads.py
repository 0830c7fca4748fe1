"""A ZIP export waits about half a second for each PDF; it must wait in its own threads, not in
the request threads every candidate's page needs (Settings.request_threads)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import SimpleNamespace

import anyio
import anyio.to_thread

from app.exports.routes import in_export_threads


def test_a_zip_being_built_leaves_the_request_threads_free() -> None:
    async def main() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1  # one request thread
        next_pdf_ready = threading.Event()

        def chunks() -> Iterator[bytes]:
            yield b"first"
            next_pdf_ready.wait(10)  # the worker processes are still rendering
            yield b"second"

        state = SimpleNamespace(export_limiter=anyio.CapacityLimiter(1))
        request = SimpleNamespace(app=SimpleNamespace(state=state))
        stream = in_export_threads(request, chunks())  # type: ignore[arg-type]
        got = [await stream.__anext__()]

        async def pull() -> None:
            got.append(await stream.__anext__())

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(pull)
            await anyio.sleep(0.05)
            with anyio.fail_after(3):  # a candidate's request gets the request thread meanwhile
                assert await anyio.to_thread.run_sync(lambda: "page") == "page"
            next_pdf_ready.set()
        assert got == [b"first", b"second"]
        assert [chunk async for chunk in stream] == []

    anyio.run(main)
