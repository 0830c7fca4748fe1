"""The dashboard (vacancies with candidate counts by status) and a vacancy's candidate table.

Both are single SQL queries: the counts group by vacancy and status (no query per vacancy);
the table sorts, filters and pages in the database, so a vacancy with 100,000 candidates
answers as fast as one with ten (bench/bench_table.py measures it on SQLite and PostgreSQL).

The recommended placement, fit for the vacancy's role and answer quality come from
``fit_records`` (one row per invitation, written when the socionics result is scored); an
invitation without one (e.g. only the extraversion questionnaire) takes its quality from the
worst of its results.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import Session, col, select

from app.auth.permissions import visible_vacancies_query
from app.invitations.keys import QUALITY_RANK, quality_rank
from app.models import (
    Candidate,
    Decision,
    DecisionKind,
    FitRecord,
    Invitation,
    InvitationStatus,
    Placement,
    Result,
    User,
    Vacancy,
    status_is,
    status_sql,
)
from questionnaires.result import QUALITY_LEVELS
from socionics.recommend import NO_SUITABLE_ROLE, NOT_INTERPRETABLE, Verdict, verdict_of_code

STATUSES = [s.value for s in InvitationStatus]
QUALITIES: list[str] = list(QUALITY_LEVELS)
DECISIONS = [d.value for d in DecisionKind]
# What the table filters by: the placements and the outcomes without one (decide).
PLACEMENTS = [
    *(p.value for p in Placement if p.value not in ("universal", "undecided")),
    NO_SUITABLE_ROLE,
    NOT_INTERPRETABLE,
]
SORTS = ["date", "name", "status", "placement", "fit", "quality", "decision"]
PAGE_SIZE = 50
NO_DECISION = "none"


# --- the dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VacancySummary:
    vacancy: Vacancy
    counts: dict[str, int]  # status -> count, every status present

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _closed_or_open(closed: bool) -> Any:
    archived = col(Vacancy.archived_at)
    return archived.is_not(None) if closed else archived.is_(None)


def vacancy_summaries(
    session: Session, *, user: User, now: datetime, closed: bool = False
) -> list[VacancySummary]:
    """The open (or the closed) vacancies ``user`` may see, newest first (the closed ones:
    last closed first), with candidate counts by status."""
    order = col(Vacancy.archived_at).desc() if closed else col(Vacancy.id).desc()
    vacancies = session.exec(
        visible_vacancies_query(user)
        .where(_closed_or_open(closed), Vacancy.kind == "hiring")
        .order_by(order, col(Vacancy.id).desc())
    ).all()
    ids = [v.id for v in vacancies]
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    if ids:
        status = status_sql(now)
        grouped = session.exec(
            select(Invitation.vacancy_id, status, func.count())
            .where(col(Invitation.vacancy_id).in_(ids))
            .group_by(col(Invitation.vacancy_id), status)
        ).all()
        for vacancy_id, code, n in grouped:
            counts[vacancy_id][code] = n
    return [VacancySummary(vacancy=v, counts=dict(counts[v.id or 0])) for v in vacancies]


def vacancy_count(session: Session, *, user: User, closed: bool) -> int:
    """How many open (or closed) vacancies ``user`` may see."""
    visible = visible_vacancies_query(user).where(_closed_or_open(closed)).subquery()
    return session.exec(select(func.count()).select_from(visible)).one()


# --- the candidate table ----------------------------------------------------------------------


@dataclass(frozen=True)
class TableQuery:
    """What the table was asked for; anything unknown falls back to the default."""

    sort: str = "date"
    descending: bool = True
    status: str = ""
    placement: str = ""
    quality: str = ""
    decision: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: dict[str, str]) -> TableQuery:
        def pick(name: str, allowed: list[str]) -> str:
            value = params.get(name, "")
            return value if value in allowed else ""

        try:
            page = max(1, min(int(params.get("page", "1")), 1_000_000))
        except ValueError:
            page = 1
        return cls(
            sort=pick("sort", SORTS) or "date",
            descending=params.get("dir", "desc") != "asc",
            status=pick("status", STATUSES),
            placement=pick("placement", PLACEMENTS),
            quality=pick("quality", QUALITIES),
            decision=pick("decision", [*DECISIONS, NO_DECISION]),
            page=page,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """Query parameters for a link to this table with ``changes`` applied."""
        values = {
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
            "status": self.status,
            "placement": self.placement,
            "quality": self.quality,
            "decision": self.decision,
            "page": str(self.page),
        }
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v and not (k == "page" and v == "1")}


@dataclass(frozen=True)
class TableRow:
    invitation_id: int
    name: str
    email: str | None
    invited_at: datetime
    completed_at: datetime | None
    status: str
    placement: str | None
    type_code: str | None
    type_probability: float | None
    target_fit: float | None
    best_fit: float | None
    quality: str | None
    decision: str | None
    decision_note: str | None
    best_role: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    too_close: bool | None = None

    @property
    def verdict(self) -> Verdict | None:
        """The stored decision (socionics.recommend.decide), None without a recommendation."""
        return verdict_of_code(self.placement, too_close=bool(self.too_close))

    @property
    def shown_type(self) -> str | None:
        """The type as every surface shows it: none when the answers are not interpretable."""
        v = self.verdict
        return self.type_code if v is None or v.shows_type else None

    @property
    def shown_type_probability(self) -> float | None:
        return self.type_probability if self.shown_type else None


@dataclass(frozen=True)
class TablePage:
    rows: list[TableRow]
    total: int  # matching the filters
    page: int
    pages: int
    query: TableQuery
    counts: dict[str, int] = field(default_factory=dict)


def quality_expr() -> Any:
    """The fit record's quality, else the worst quality among the invitation's results."""
    worst = (
        select(col(Result.quality_level))
        .where(col(Result.invitation_id) == col(Invitation.id))
        .order_by(quality_rank(col(Result.quality_level)).desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(col(FitRecord.quality_level), worst)


def table_columns(now: datetime) -> dict[str, Any]:
    """SQL expressions of the table's columns (also its sort keys)."""
    return {
        "date": col(Invitation.created_at),
        "name": col(Candidate.name),
        "status": status_sql(now),
        "placement": col(FitRecord.placement),
        "fit": col(FitRecord.target_fit),
        "quality": quality_expr(),
        "decision": col(Decision.decision),
    }


def row_select(columns: dict[str, Any]) -> Any:
    """SELECT of the table's columns for every invitation (add WHERE, ORDER BY, LIMIT)."""
    statement: Any = select(  # type: ignore[call-overload]
        col(Invitation.id),
        col(Candidate.name),
        col(Candidate.email),
        col(Invitation.created_at),
        col(Invitation.completed_at),
        columns["status"],
        col(FitRecord.placement),
        col(FitRecord.type_code),
        col(FitRecord.type_probability),
        col(FitRecord.target_fit),
        col(FitRecord.best_fit),
        columns["quality"],
        col(Decision.decision),
        col(Decision.note),
        col(FitRecord.best_role),
        col(Decision.author_email),
        col(Decision.created_at),
        col(FitRecord.too_close),
    )
    return (
        statement.join(Candidate, col(Candidate.id) == col(Invitation.candidate_id))
        .outerjoin(FitRecord, col(FitRecord.invitation_id) == col(Invitation.id))
        .outerjoin(
            Decision,
            and_(col(Decision.invitation_id) == col(Invitation.id), col(Decision.current)),
        )
    )


# The copied keys on the invitation (app.invitations.keys) that sort the table.
KEY_COLUMNS: dict[str, Any] = {
    "placement": col(Invitation.sort_placement),
    "fit": col(Invitation.sort_fit),
    "quality": col(Invitation.sort_quality),
    "decision": col(Invitation.sort_decision),
}


def candidate_table(
    session: Session,
    *,
    vacancy_id: int,
    query: TableQuery,
    now: datetime,
    page_size: int = PAGE_SIZE,
) -> TablePage:
    """One page of the table. Filters and sorts use only ``invitations`` columns (the copied
    keys), so counting and picking the page's ids walk one (vacancy, key, id) index; the 50
    rows are then joined to their candidate, fit record and decision by id."""
    where = [col(Invitation.vacancy_id) == vacancy_id, *_filters(query, now)]
    total = _count(session, where)
    pages = max(1, -(-total // page_size))
    page = min(query.page, pages)
    ids = _page_ids(session, where, query, now, offset=(page - 1) * page_size, limit=page_size)
    rows: list[TableRow] = []
    if ids:
        columns = table_columns(now)
        found = session.exec(row_select(columns).where(col(Invitation.id).in_(ids))).all()
        by_id = {r[0]: _table_row(r) for r in found}
        rows = [by_id[i] for i in ids if i in by_id]
    return TablePage(rows=rows, total=total, page=page, pages=pages, query=query)


def _count(session: Session, where: list[Any]) -> int:
    return int(session.exec(select(func.count()).select_from(Invitation).where(*where)).one())


def _segments(query: TableQuery, now: datetime) -> list[tuple[list[Any], list[Any]]]:
    """The sort as consecutive segments (extra WHERE, ORDER BY), each one index range:
    a key's non-empty values then its empty ones (empty sorts last in both directions), or
    the statuses one after another."""

    def by(column: Any) -> Any:
        return column.desc() if query.descending else column.asc()

    newest = by(col(Invitation.id))
    if query.sort == "date":
        return [([], [by(col(Invitation.created_at)), newest])]
    if query.sort == "name":
        return [([], [by(col(Invitation.sort_name)), newest])]
    if query.sort == "status":
        codes = sorted(STATUSES, reverse=query.descending)
        return [([status_is(code, now)], [newest]) for code in codes]
    if query.sort in KEY_COLUMNS:
        key = KEY_COLUMNS[query.sort]
        return [([key.is_not(None)], [by(key), newest]), ([key.is_(None)], [newest])]
    raise ValueError(query.sort)


def _page_ids(
    session: Session, where: list[Any], query: TableQuery, now: datetime, *, offset: int, limit: int
) -> list[int]:
    # A key's segment is read before it is counted: the read is a range of its own index, and
    # a count reads the whole range, so the pages that start inside the segment (page 1 above
    # all) skip the count. A status segment is counted first: its count reads the status
    # index alone, while reading an empty one in id order can walk the whole vacancy.
    count_first = query.sort == "status"
    ids: list[int] = []
    segments = _segments(query, now)
    for n, (extra, order) in enumerate(segments):
        last = n == len(segments) - 1
        if count_first and not last:
            size = _count(session, [*where, *extra])
            if offset >= size:
                offset -= size
                continue
        statement = (
            select(col(Invitation.id))
            .where(*where, *extra)
            .order_by(*order)
            .offset(offset)
            .limit(limit - len(ids))
        )
        found = [i for i in session.exec(statement).all() if i is not None]
        ids.extend(found)
        if len(ids) >= limit or last:
            break
        if not found and offset > 0:
            # The page starts past this segment: only now is it counted (max: a row added
            # since the read must not make the offset negative).
            offset = max(0, offset - _count(session, [*where, *extra]))
            continue
        offset = 0  # the page began inside this segment and goes on at the next one's start
    return ids


def _table_row(r: Any) -> TableRow:
    return TableRow(
        invitation_id=r[0],
        name=r[1],
        email=r[2],
        invited_at=r[3],
        completed_at=r[4],
        status=r[5],
        placement=r[6],
        type_code=r[7],
        type_probability=r[8],
        target_fit=r[9],
        best_fit=r[10],
        quality=r[11],
        decision=r[12],
        decision_note=r[13],
        best_role=r[14],
        decided_by=r[15],
        decided_at=r[16],
        too_close=r[17],
    )


def all_rows(
    session: Session, *, vacancy_id: int, now: datetime, batch: int = 500
) -> Iterator[TableRow]:
    """Every candidate of the vacancy, oldest invitation first, read in batches by id (the
    exports stream these rather than load a big vacancy at once)."""
    columns = table_columns(now)
    after = 0
    while True:
        chunk = session.exec(
            row_select(columns)
            .where(col(Invitation.vacancy_id) == vacancy_id, col(Invitation.id) > after)
            .order_by(col(Invitation.id))
            .limit(batch)
        ).all()
        for r in chunk:
            yield _table_row(r)
        if len(chunk) < batch:
            return
        after = chunk[-1][0]


def _filters(query: TableQuery, now: datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.status:
        conditions.append(status_is(query.status, now))
    if query.placement:
        conditions.append(col(Invitation.sort_placement) == query.placement)
    if query.quality:
        conditions.append(col(Invitation.sort_quality) == QUALITY_RANK[query.quality])
    if query.decision == NO_DECISION:
        conditions.append(col(Invitation.sort_decision).is_(None))
    elif query.decision:
        conditions.append(col(Invitation.sort_decision) == query.decision)
    return conditions
