"""The rolefit command: it uses the same settings (environment) as the server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from app.cli import DEMO_EMAIL, DEMO_VACANCY, main
from app.config import Settings
from app.models import Candidate, Employee, FitRecord, Invitation, Result, User, Vacancy
from questionnaires import loader


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, db: Session) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BASE_URL", "https://hr.example.com")
    monkeypatch.delenv("ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return tmp_path / "data"


def test_create_user_makes_a_staff_account(env: Path, db: Session, capsys) -> None:
    args = ["create-user", "--email", "Boss@Example.com", "--password", "long enough pw"]
    assert main([*args, "--role", "hiring_manager"]) == 0
    user = db.exec(select(User)).one()
    assert (user.email, user.role) == ("boss@example.com", "hiring_manager")
    assert main([*args, "--role", "admin"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_invite_prints_the_candidate_link(env: Path, db: Session, capsys) -> None:
    main(["demo"])
    vacancy = db.exec(select(Vacancy).where(Vacancy.title == DEMO_VACANCY["ru"])).one()
    capsys.readouterr()
    code = main(["invite", "--vacancy", str(vacancy.id), "--name", "Ivan", "--language", "en"])
    assert code == 0
    link = capsys.readouterr().out.strip()
    assert re.fullmatch(r"https://hr\.example\.com/a/[A-Za-z0-9_-]{43}", link)
    ivan = db.exec(select(Candidate).where(Candidate.name == "Ivan")).one()
    invitation = db.exec(select(Invitation).where(Invitation.candidate_id == ivan.id)).one()
    assert invitation.language == "en"


def test_invite_to_an_unknown_vacancy_fails_cleanly(env: Path, capsys) -> None:
    assert main(["invite", "--vacancy", "999", "--name", "Ivan"]) == 2
    assert "no vacancy with id 999" in capsys.readouterr().err


def test_invite_to_the_team_vacancy_fails_like_an_unknown_one(
    env: Path, db: Session, settings: Settings, capsys
) -> None:
    from tests.factories import make_employee_link

    team_id = make_employee_link(db, settings).invitation.vacancy_id
    assert main(["invite", "--vacancy", str(team_id), "--name", "Ivan"]) == 2
    assert f"no vacancy with id {team_id}" in capsys.readouterr().err
    assert db.exec(select(Candidate).where(Candidate.name == "Ivan")).all() == []


def test_invite_to_a_closed_vacancy_fails_cleanly_and_creates_nothing(
    env: Path, db: Session, capsys
) -> None:
    from app.db import utcnow
    from tests.factories import make_vacancy

    vacancy = make_vacancy(db)
    vacancy.archived_at = utcnow()
    db.add(vacancy)
    db.commit()
    assert main(["invite", "--vacancy", str(vacancy.id), "--name", "Ivan"]) == 2
    assert "is closed and takes no new invitations" in capsys.readouterr().err
    assert db.exec(select(Invitation)).all() == []


def test_demo_is_idempotent_and_prints_the_same_credentials(env: Path, db: Session, capsys) -> None:
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert main(["demo"]) == 0
    second = capsys.readouterr().out
    assert first == second
    assert DEMO_EMAIL in first and "https://hr.example.com/login" in first
    password = re.search(r"password: (\S+)", first)
    assert password and (env / "demo_admin_password").read_text().strip() == password.group(1)
    assert len(db.exec(select(User)).all()) == 1
    assert len(db.exec(select(Vacancy)).all()) == 2  # the demo vacancy and the team's assessment
    vacancy = db.exec(select(Vacancy).where(Vacancy.title == DEMO_VACANCY["ru"])).one()
    invited = db.exec(select(Invitation).where(Invitation.vacancy_id == vacancy.id)).all()
    assert len(invited) == 6  # the demo candidates, once
    assert len(db.exec(select(Employee)).all()) == 40  # the demo team, once


def test_demo_candidates_have_answered_and_have_reports_to_read(
    env: Path, db: Session, capsys
) -> None:
    """Five fictional candidates scored through the real services (their simulated answers
    are consistent, so the type and the placement are the ones they lean to), and one link
    left for trying the candidate's side."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    link = re.search(r"to try their side: (\S+)", out)
    assert link and re.fullmatch(r"https://hr\.example\.com/a/[A-Za-z0-9_-]{43}", link.group(1))
    assert (env / "demo_candidate_link").read_text().strip() == link.group(1)
    vacancy = db.exec(select(Vacancy).where(Vacancy.title == DEMO_VACANCY["ru"])).one()
    mine = select(Invitation.id).where(Invitation.vacancy_id == vacancy.id)
    fits = {
        db.get(Candidate, db.get(Invitation, f.invitation_id).candidate_id).name: f  # type: ignore[union-attr]
        for f in db.exec(select(FitRecord).where(col(FitRecord.invitation_id).in_(mine))).all()
    }
    assert len(fits) == 5
    assert fits["Анна Смирнова"].placement == "farmer"
    assert fits["Игорь Волков"].placement == "hunter"
    results = db.exec(select(Result).where(col(Result.invitation_id).in_(mine))).all()
    assert len(results) == 10  # both questionnaires of each
    # Every careful candidate's answers are good; the careless one's socionics answers carry
    # exactly what is careless about them (app/demo.py), the extraversion answers nothing.
    careless = next(c for c in db.exec(select(Candidate)).all() if c.name == "Павел Орлов")
    careless_ids = {
        i.id
        for i in db.exec(
            select(Invitation).where(
                Invitation.candidate_id == careless.id, Invitation.vacancy_id == vacancy.id
            )
        )
    }
    for r in results:
        flags = {f["code"]: f["severity"] for f in r.data["quality"]["flags"]}
        if r.invitation_id in careless_ids and r.questionnaire_id == "socionics_16":
            assert flags == {
                "too_fast": "doubtful",
                "attention_failed": "unusable",
                "random_like": "unusable",
            }
            assert r.quality_level == "unusable"
        else:
            assert flags == {} and r.quality_level == "good", (r.invitation_id, flags)
        assert r.seconds_taken > 0  # page times recorded as the candidate's pages do
    open_ = db.exec(
        select(Invitation).where(
            col(Invitation.started_at).is_(None), Invitation.vacancy_id == vacancy.id
        )
    ).all()
    assert len(open_) == 1 and open_[0].completed_at is None


def test_demo_refuses_in_production(env: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    assert main(["demo"]) == 2
    assert "production" in capsys.readouterr().err


def test_a_bad_setting_stops_the_command_naming_it(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "fr")
    assert main(["migrate"]) == 2
    assert "DEFAULT_LANGUAGE" in capsys.readouterr().err


def test_a_malformed_questionnaire_stops_serve_naming_file_and_item(
    env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    folder = tmp_path / "qs"
    folder.mkdir()
    broken = folder / "broken.yaml"
    broken.write_text(
        "id: broken\nversion: '1.0'\ntitle: {ru: Т, en: T}\n"
        "response_formats: {a5: {points: 5}}\n"
        "scales: [{id: s}]\n"
        "items:\n"
        "  - {id: ok1, kind: agreement, desirable_pole: none, response: a5, scale: s,"
        " text: {ru: т, en: t}}\n"
        "  - {id: bad2, kind: agreement, response: a5, scale: nowhere, text: {ru: т, en: t}}\n"
    )
    monkeypatch.setattr(loader, "HERE", folder)
    loader.product_questionnaires.cache_clear()
    try:
        assert main(["serve", "--port", "1"]) == 2
    finally:
        # Both caches: questionnaire_version hands out product_questionnaires' objects.
        loader.product_questionnaires.cache_clear()
        loader.questionnaire_version.cache_clear()
    err = capsys.readouterr().err
    assert "broken.yaml" in err and "bad2" in err and "nowhere" in err


def test_python_dash_m_app_is_the_same_command() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "app", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("serve", "migrate", "demo", "create-user", "invite", "db"):
        assert command in out


@pytest.mark.parametrize(
    "argv",
    [["matrix", "--json"], ["matrix"], ["stats"], ["invite", "--vacancy", "1", "--name", "Ivan"]],
    ids=" ".join,
)
def test_a_command_on_a_database_not_migrated_says_to_migrate_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, scratch_url: str, capsys, argv: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", scratch_url)
    monkeypatch.delenv("ENV", raising=False)
    assert main(argv) == 2
    out = capsys.readouterr()
    assert "run `rolefit migrate`" in out.err
    assert "Traceback" not in out.err + out.out
    assert main(["migrate"]) == 0
    assert main(["matrix", "--json"]) == 0


def test_invite_builds_links_on_the_port_the_server_listens_on(
    env: Path, db: Session, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from app.config import load_settings
    from app.invitations.invite import candidate_link

    monkeypatch.delenv("BASE_URL")
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.delenv("HOST", raising=False)
    main(["demo"])
    vacancy = db.exec(select(Vacancy).where(Vacancy.title == DEMO_VACANCY["ru"])).one()
    capsys.readouterr()
    assert main(["invite", "--vacancy", str(vacancy.id), "--name", "Ivan"]) == 0
    link = capsys.readouterr().out.strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:9123/a/[A-Za-z0-9_-]{43}", link)
    # The server builds its links from the same settings.
    assert candidate_link(load_settings(), "t") == "http://127.0.0.1:9123/a/t"


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_demo_vacancy_is_titled_in_the_installs_language(
    env: Path, db: Session, capsys, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", language)
    assert main(["demo"]) == 0
    titles = set(db.exec(select(Vacancy.title)).all())
    assert DEMO_VACANCY[language] in titles
    assert (DEMO_VACANCY["en"] in titles) == (language == "en")
