"""A real fit report for the PDF and ZIP benchmarks: a throwaway SQLite database, the real
migrations, and one candidate who answers both questionnaires through the web flow (the same
helpers as the tests), so the report has every part: charts, explanation, checklist, questions.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.main import create_app  # noqa: E402
from app.migrations import upgrade  # noqa: E402
from app.models import Organisation  # noqa: E402


@contextmanager
def completed_invitation() -> Iterator[tuple[Engine, int]]:
    """(engine, invitation id) of a completed candidate with a Cyrillic name."""
    from tests.conftest import TEST_ORGANISATION
    from tests.factories import make_invitation, make_vacancy
    from tests.fitflow import IE, SOC, answer_questionnaire, finish, ie_answers, socionics_answers
    from tests.webflow import consent, token_of

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        settings = Settings(
            env="development",
            data_dir=Path(tmp) / "data",
            database_url=url,
            secret_key="bench-secret-key-0123456789-0123456789-abc",
            base_url="http://testserver",
            mail_worker=False,
            _env_file=None,  # type: ignore[call-arg]
        )
        engine = make_engine(url)
        with TestClient(create_app(settings)) as client, Session(engine) as db:
            # Candidate links open only once the employer is set (issue 15).
            db.add(Organisation(id=1, **TEST_ORGANISATION))
            db.commit()
            vacancy = make_vacancy(db, title="Клиентский менеджер", placement="farmer")
            vacancy.questionnaire_ids = [IE, SOC]
            db.add(vacancy)
            db.commit()
            new = make_invitation(
                db, settings, vacancy=vacancy, name="Анна Петрова-Щукина", language="ru"
            )
            token = token_of(new.link)
            consent(client, token)
            answer_questionnaire(client, token, IE, ie_answers(extravert=False))
            answer_questionnaire(client, token, SOC, socionics_answers("ESI"))
            finish(client, token)
            assert new.invitation.id is not None
            invitation_id = new.invitation.id
            _doubtful(db, invitation_id)
        try:
            yield engine, invitation_id
        finally:
            engine.dispose()


def _doubtful(db: Session, invitation_id: int) -> None:
    """Mark the answers doubtful (too fast), so the report has every part: the quality
    findings and interview questions on every dichotomy. The web flow's candidate answers at
    once but unviewed pages carry no time (tests/fitflow.py), so nothing flags it by itself."""
    from sqlmodel import select

    from app.models import Invitation, Result
    from app.scoring.service import update_fit

    for row in db.exec(select(Result).where(Result.invitation_id == invitation_id)).all():
        data = dict(row.data)
        quality = dict(data["quality"])
        quality["level"] = "doubtful"
        quality["flags"] = [{"code": "too_fast", "severity": "doubtful", "detail": ""}]
        data["quality"] = quality
        row.data = data
        row.quality_level = "doubtful"
        db.add(row)
    invitation = db.get(Invitation, invitation_id)
    assert invitation is not None
    update_fit(db, invitation=invitation)
    db.commit()
