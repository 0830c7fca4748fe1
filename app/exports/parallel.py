"""PDFs rendered in worker processes for the ZIP export, still streamed in order.

WeasyPrint lays a report out in pure Python (about 80 ms of CPU each, bench/README.md), so one
process cannot use a second core. The request's process keeps the database work
(``build_report``) and sends each ``ReportData`` (a plain, picklable dataclass) to a pool of
``spawn``ed workers: a spawned worker starts clean, with none of the parent's threads, locks or
database connections (``fork`` would copy them mid-use). At most ``in_flight`` reports are
queued or rendering at once, so memory stays flat however many candidates the vacancy has, and
entries come back in the order they were submitted. Closing the generator (the client went away)
cancels what is queued and lets the workers exit.

A small export renders in the request's process: starting workers costs more than one PDF.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

from app.exports.pdf import render_report_pdf
from app.reports.data import ReportData

T = TypeVar("T")

WORKERS = 2
IN_FLIGHT = 4
MIN_PARALLEL = 3


def render_pdfs(
    items: Iterable[tuple[str, ReportData]],
    *,
    count: int,
    workers: int = WORKERS,
    in_flight: int = IN_FLIGHT,
    min_parallel: int = MIN_PARALLEL,
) -> Iterator[tuple[str, bytes]]:
    """(name, PDF) for each (name, report) of ``items``, in order. ``count`` is how many items
    there are: below ``min_parallel`` (or with one worker) no pool is started."""
    if count < min_parallel or workers < 2:
        for name, report in items:
            yield name, render_report_pdf(report)
        return
    yield from ordered_map(render_report_pdf, items, workers=workers, in_flight=in_flight)


def ordered_map(
    render: Callable[[ReportData], T],
    items: Iterable[tuple[str, ReportData]],
    *,
    workers: int,
    in_flight: int,
) -> Iterator[tuple[str, T]]:
    """``render`` applied in a process pool, results yielded in input order, with at most
    ``in_flight`` items submitted and not yet yielded. ``render`` must be a module-level
    function (it is pickled by name)."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    pending: deque[tuple[str, Future[T]]] = deque()
    source = iter(items)
    try:
        exhausted = False
        while True:
            # Fill the window first, then hand out the oldest entry (the ZIP needs order).
            while not exhausted and len(pending) < in_flight:
                item = next(source, None)
                if item is None:
                    exhausted = True
                    break
                name, report = item
                pending.append((name, pool.submit(render, report)))
            if not pending:
                return
            name, future = pending.popleft()
            yield name, future.result()
    finally:
        # Also reached when the consumer stops early (GeneratorExit): drop the queued work and
        # wait only for the (at most ``workers``) reports being drawn, so no process outlives
        # the response.
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
