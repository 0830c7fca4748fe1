"""The candidate table's sort and filter keys kept on the invitation row.

The candidate's name, placement, fit for the vacancy's role, answer quality and the current
decision live in other tables (candidates, fit_records, results, decisions). Sorting 100,000
joined rows by them took up to 0.9 s; copied onto ``invitations`` with a (vacancy_id, key, id)
index each, a page is one index range (bench/bench_table.py). ``sync_table_keys`` is the one
writer: every service that creates an invitation, changes a candidate's name (erasure) or
changes a fit record, a result or a decision calls it in the same transaction, and it
recomputes all five keys from the source rows (so a caller cannot copy a wrong value).

The keys are a rule of the data, not of the table page: they live here, below both the
services that write them and the read model that sorts by them (``app.dashboard``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, case, func, update
from sqlmodel import Session, col, select

from app.models import Candidate, Decision, FitRecord, Invitation, Result
from questionnaires.result import QUALITY_LEVELS

QUALITY_RANK: dict[str, int] = {level: rank for rank, level in enumerate(QUALITY_LEVELS)}
KEYS = ["sort_name", "sort_placement", "sort_fit", "sort_quality", "sort_decision"]


def quality_rank(level: Any) -> Any:
    return case(*((level == name, rank) for name, rank in QUALITY_RANK.items()), else_=None)


def _sync_statement() -> Any:
    own = col(Invitation.id)

    def fit(column: Any) -> Any:
        return select(column).where(col(FitRecord.invitation_id) == own).scalar_subquery()

    worst_result = (
        select(func.max(quality_rank(col(Result.quality_level))))
        .where(col(Result.invitation_id) == own)
        .scalar_subquery()
    )
    return (
        update(Invitation)
        .where(own.in_(bindparam("ids", expanding=True)))
        .values(
            sort_name=select(col(Candidate.name))
            .where(col(Candidate.id) == col(Invitation.candidate_id))
            .scalar_subquery(),
            sort_placement=fit(col(FitRecord.placement)),
            sort_fit=fit(col(FitRecord.target_fit)),
            sort_quality=func.coalesce(
                fit(quality_rank(col(FitRecord.quality_level))), worst_result
            ),
            sort_decision=select(col(Decision.decision))
            .where(col(Decision.invitation_id) == own, col(Decision.current))
            .scalar_subquery(),
        )
        .execution_options(synchronize_session=False)
    )


# Built once: every finished assessment runs it, inside the writer's batch, and building it
# cost more than running it.
_SYNC = _sync_statement()


def sync_table_keys(session: Session, *, invitation_ids: list[int]) -> None:
    """Recompute the copied keys of these invitations from their candidate's name, fit record,
    results and current decision (the fit record's quality, else the worst result's).

    Flushes first: the keys are read from the database, so pending changes (a new name) must
    be there."""
    if not invitation_ids:
        return
    session.flush()
    session.execute(_SYNC, {"ids": list(invitation_ids)})
    # Loaded Invitation objects would otherwise keep the old keys until refreshed.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Invitation) and obj.id in invitation_ids:
            session.expire(obj, KEYS)
