"""The report of every demo candidate, in both languages, is the stored golden output.

A characterisation test: it pins what ``build_report`` returns for the demo's candidates (a
likely client manager, a hunter, the universal type, a type the matrix advises against, the
careless one, one not started, one more completed), one with a decision and checklist ticks,
one who took only the extraversion questionnaire, and the demo team's members whose reports show
what those do not (a call too close between placements, a borderline pole on good answers), so a
refactoring of the report cannot change a word or a number unnoticed. Times are written as
"<time>" (they are the clock's).

When the report is meant to change, write the new golden file and read its diff:
``UPDATE_GOLDEN=1 pytest tests/reports/test_report_golden.py``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from app.candidate.service import finish, record_consent, save_answers
from app.config import LANGUAGES, Settings
from app.db import utcnow
from app.decisions.service import record_decision
from app.invitations.invite import invite_candidate
from app.main import load_questionnaires
from app.models import Invitation, User, Vacancy
from app.reports.build import build_report
from app.reports.checklist import save_checklist
from app.staff.service import create_vacancy
from questionnaires.simulate import leaning_answers
from socionics.portrait import load_portrait
from tests.demoworld import ADMIN_EMAIL, load_demo

GOLDEN = Path(__file__).parent / "golden" / "demo_reports.json"
IE_ONLY = "Extraversion only"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return "<time>"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _ie_only_candidate(db: Session, settings: Settings, admin: User) -> None:
    vacancy = create_vacancy(
        db,
        title=IE_ONLY,
        placement="hunter",
        language="en",
        questionnaire_ids=["introversion_extraversion"],
        created_by=admin,
    )
    new = invite_candidate(db, settings=settings, vacancy=vacancy, name="Ivy", created_by=admin)
    catalog = load_questionnaires()
    now = utcnow()
    record_consent(db, invitation=new.invitation, now=now, version=settings.consent_version)
    q = catalog["introversion_extraversion"]
    answers = leaning_answers(q, {d.scale: True for d in q.dichotomies}, rng=random.Random(3))
    save_answers(db, invitation=new.invitation, questionnaire_id=q.id, answers=answers, now=now)
    finish(db, invitation=new.invitation, catalog=catalog, now=now)


def _shows_more(report: dict[str, Any]) -> bool:
    return report["headline"]["outcome"] == "too_close_to_call" or any(
        q["reason"] == "borderline" for q in report["interview_questions"]
    )


def demo_reports(db: Session, settings: Settings) -> str:
    """The reports described above, as canonical JSON."""
    world = load_demo(db, settings)
    admin = db.exec(select(User).where(User.email == ADMIN_EMAIL)).one()
    _ie_only_candidate(db, settings, admin)
    decided = db.get(Invitation, world.params["invitation_id"])
    assert decided is not None and decided.id is not None
    record_decision(db, invitation=decided, author=admin, decision="advance", note="Strong call")
    traits = load_portrait().traits
    save_checklist(
        db,
        invitation_id=decided.id,
        form={f"checked-{traits[0].id}": "yes", f"comment-{traits[1].id}": "Asked twice"},
        author=admin,
    )
    db.commit()
    ie_only = db.exec(select(Vacancy.id).where(Vacancy.title == IE_ONLY)).one()
    reports: dict[str, Any] = {}
    for invitation in db.exec(select(Invitation).order_by(col(Invitation.id))).all():
        assert invitation.id is not None
        en = _plain(build_report(db, invitation_id=invitation.id, language="en"))
        if invitation.vacancy_id in (world.params["vacancy_id"], ie_only) or _shows_more(en):
            for language in LANGUAGES:
                report = build_report(db, invitation_id=invitation.id, language=language)
                reports[f"{invitation.id}/{language}"] = _plain(report)
    return json.dumps(reports, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def test_every_demo_report_is_the_golden_one(db: Session, settings: Settings) -> None:
    got = demo_reports(db, settings)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(got, encoding="utf-8")
    assert got == GOLDEN.read_text(encoding="utf-8")
