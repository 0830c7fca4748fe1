"""The ZIP export's worker pool: entries in input order, a bounded window of work in flight,
workers gone once the consumer stops, and the route using the pool for bigger exports."""

from __future__ import annotations

import io
import multiprocessing
import zipfile
from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.exports import parallel
from tests.exports.test_exports import complete, vacancy_with_both
from tests.factories import make_invitation


def test_results_come_back_in_input_order_with_a_bounded_window() -> None:
    pulled: list[str] = []

    def source() -> Iterator[tuple[str, str]]:
        for n in range(10):
            pulled.append(f"n{n}")
            yield f"n{n}", f"word {n}"

    out = parallel.ordered_map(str.upper, source(), workers=2, in_flight=3)  # type: ignore[arg-type]
    first = next(out)
    assert first == ("n0", "WORD 0")
    assert len(pulled) == 3  # the window, not the whole input
    rest = list(out)
    assert [name for name, _ in [first, *rest]] == [f"n{n}" for n in range(10)]
    assert [value for _, value in rest] == [f"WORD {n}" for n in range(1, 10)]
    assert multiprocessing.active_children() == []


def test_closing_early_stops_pulling_and_ends_the_workers() -> None:
    pulled: list[int] = []

    def source() -> Iterator[tuple[str, str]]:
        for n in range(1000):
            pulled.append(n)
            yield str(n), "x"

    out = parallel.ordered_map(str.upper, source(), workers=2, in_flight=4)  # type: ignore[arg-type]
    next(out)
    out.close()  # what happens when the client of a streamed response goes away
    assert len(pulled) <= 5
    assert multiprocessing.active_children() == []


def test_a_small_export_starts_no_pool(monkeypatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> Iterator[tuple[str, bytes]]:
        raise AssertionError("a pool was started for a small export")

    monkeypatch.setattr(parallel, "ordered_map", no_pool)
    monkeypatch.setattr(parallel, "render_report_pdf", lambda report: b"%PDF-" + report)
    items = [("a.pdf", b"1"), ("b.pdf", b"2")]
    assert list(parallel.render_pdfs(items, count=2)) == [  # type: ignore[arg-type]
        ("a.pdf", b"%PDF-1"),
        ("b.pdf", b"%PDF-2"),
    ]


def test_the_zip_of_three_reports_is_drawn_by_the_pool_in_order(
    staff: TestClient, db: Session, settings
) -> None:
    vacancy = vacancy_with_both(db)
    ids = [complete(staff, db, settings, vacancy, name=f"Кандидат {n}") for n in range(3)]
    make_invitation(db, settings, vacancy=vacancy, name="Ещё не ответил")
    r = staff.get(f"/vacancies/{vacancy.id}/export.zip")
    assert r.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None
    assert archive.namelist() == [f"Кандидат_{n}-{i}.pdf" for n, i in enumerate(ids)]
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())
    assert multiprocessing.active_children() == []
