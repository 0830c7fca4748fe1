"""Make ``release_7dda273.json``: a release's database, filled through that release's own code.

Run it with the release checked out (it imports that release's ``app``), from its root:

    git worktree add /tmp/release 7dda273 && cd /tmp/release && make install
    .venv/bin/python /path/to/tests/upgrade/make_release_dump.py /path/to/tests/upgrade/

It migrates an empty SQLite database, loads ``rolefit demo`` (five completed candidates, one
open link), then acts as the demo administrator through the web app with a test client: reads
every report, records decisions and a checklist, edits the role-fit matrix and re-scores,
invites a candidate by email, creates an API key and a webhook to a receiver that is down (one
failed delivery), exports the table, and erases one candidate. Every row of every table is
written out with the Alembic revision, and the facts each report showed, so that
``test_upgrade.py`` can rebuild the same database on SQLite or PostgreSQL at that revision and
upgrade it to head. The file is the release's data; this script records how it was made.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, text
from sqlmodel import Session, select

from app.cli import DEMO_EMAIL, cmd_demo
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.matrix.service import current, form_values
from app.models import Invitation, Result
from app.reports.build import build_report
from app.webhooks.service import deliver_due


def _value(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, date):
        return {"$date": v.isoformat()}
    if isinstance(v, bytes | memoryview):
        return {"$bytes": base64.b64encode(bytes(v)).decode()}
    return v


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no csrf token on the page"
    return m.group(1)


def _report_facts(session: Session, invitation_id: int) -> dict[str, Any]:
    """What a hiring manager reads first, as the release computed it."""
    r = build_report(session, invitation_id=invitation_id, language="en")
    facts: dict[str, Any] = {
        "name": r.candidate.name,
        "questionnaires": [[q.id, q.version, q.quality_level] for q in r.questionnaires],
    }
    if r.extraversion is not None:
        facts["extraversion_score"] = r.extraversion.score
        facts["extraversion_raw"] = r.extraversion.raw
    facts["dichotomies"] = {d.id: d.raw for d in r.dichotomies if d.scored and d.raw is not None}
    facts["type_code"] = r.headline.type_code
    return facts


def main(out_dir: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="rolefit-release-"))
    url = f"sqlite:///{work / 'rolefit.db'}"
    settings = Settings(
        env="development",
        data_dir=work,
        database_url=url,
        secret_key="release-dump-secret-key-0123456789abcdef",
        base_url="http://testserver",
        default_language="ru",
        mail_worker=False,
        webhook_worker=False,
        retention_worker=False,
        _env_file=None,  # type: ignore[call-arg]
    )
    cmd_demo(settings, None)  # type: ignore[arg-type]
    password = (work / "demo_admin_password").read_text().strip()
    engine = make_engine(url)

    with TestClient(create_app(settings)) as client:
        page = client.get("/login")
        r = client.post(
            "/login",
            data={"email": DEMO_EMAIL, "password": password, "csrf_token": _csrf(page.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        csrf = _csrf(client.get("/vacancies/new").text)
        with Session(engine) as session:
            done = session.exec(select(Result.invitation_id).distinct()).all()
            vacancy_id = session.exec(select(Invitation.vacancy_id)).first()
            matrix = form_values(current(session).matrix)
        done = sorted(done)
        for inv in done:
            assert client.get(f"/invitations/{inv}/report").status_code == 200
        for inv, decision in zip(done[:3], ["advance", "hold", "reject"], strict=True):
            r = client.post(
                f"/invitations/{inv}/decision",
                data={"decision": decision, "note": f"note {decision}", "csrf_token": csrf},
                follow_redirects=False,
            )
            assert r.status_code == 303, r.text
        r = client.post(
            f"/invitations/{done[0]}/checklist",
            data={"checked-listener": "yes", "comment-listener": "listens", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert r.status_code in (303, 422), r.text
        key = next(k for k in matrix if k.startswith("fit-ESI-"))
        matrix[key] = str(max(0, int(matrix[key]) - 5))
        r = client.post(
            "/admin/matrix",
            data={**matrix, "note": "release edit", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        r = client.post("/admin/matrix/rescore", data={"csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303, r.text
        r = client.post(
            f"/vacancies/{vacancy_id}/invitations",
            data={
                "name": "Пётр Тестов",
                "email": "petr@example.com",
                "language": "ru",
                "csrf_token": csrf,
            },
            follow_redirects=False,
        )
        assert r.status_code in (200, 201, 303), r.text
        r = client.post(
            "/admin/api-keys", data={"name": "ATS", "scope": "read", "csrf_token": csrf}
        )
        assert r.status_code == 201, r.text
        r = client.post(
            "/admin/webhooks",
            data={
                "url": "http://127.0.0.1:9/hook",
                "events": ["assessment.completed"],
                "csrf_token": csrf,
            },
        )
        assert r.status_code == 201, r.text
        endpoint_id = 1
        r = client.post(
            f"/admin/webhooks/{endpoint_id}/test", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert r.status_code == 303, r.text
        with Session(engine) as session, httpx.Client(timeout=2) as http:
            deliver_due(session, now=datetime.now().astimezone(), client=http)
            session.commit()
        assert client.get(f"/vacancies/{vacancy_id}/export.csv").status_code == 200
        with Session(engine) as session:
            last = session.exec(
                select(Invitation.candidate_id).where(Invitation.id == done[-1])
            ).one()
        r = client.post(
            f"/candidates/{last}/erase",
            data={"confirm": "yes", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text

    with Session(engine) as session:
        reports = {str(inv): _report_facts(session, inv) for inv in done[:-1]}
    meta = MetaData()
    meta.reflect(engine)
    dump: dict[str, Any] = {"tables": {}, "reports": reports}
    with engine.connect() as conn:
        dump["revision"] = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = conn.execute(table.select()).mappings().all()
            dump["tables"][table.name] = [{k: _value(v) for k, v in row.items()} for row in rows]
    out = out_dir / "release_7dda273.json"
    out.write_text(json.dumps(dump, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    counts = {k: len(v) for k, v in dump["tables"].items() if v}
    print(f"wrote {out}: revision {dump['revision']}, rows {counts}")


if __name__ == "__main__":
    os.environ.setdefault("ENV", "development")
    main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent))
