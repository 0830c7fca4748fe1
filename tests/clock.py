"""A clock the test moves by hand, for the rate limiter (``RateLimiter(clock=...)``): counts
fall in fixed windows of the clock, so with a clock that stands still no window ends in the
middle of a test's requests, and a test starts the next window by moving it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@contextmanager
def client_on(clock: Clock, app: FastAPI, **kwargs: Any) -> Iterator[TestClient]:
    """A started client of ``app`` whose rate limiter reads ``clock``."""
    with TestClient(app, **kwargs) as client:
        # The limiter is made when the app starts (app.main's lifespan), before any request.
        app.state.limiter.clock = clock
        yield client
