"""`rolefit deals import`: a CRM export from the command line, whole or not at all."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from app.cli import main
from app.models import AuditEvent, Deal
from app.outcomes.service import add_employee

EXPORT = (
    "ID;Название;Бюджет;Ответственный;Статус;Компания;Дата создания;Дата закрытия\n"
    "11;A;15 000;Ольга Белова;Успешно реализовано;ООО Лес;01.03.2026;05.03.2026\n"
    "12;B;0;Пётр Иванов;Закрыто и не реализовано;ООО Поле;02.03.2026;06.03.2026\n"
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, db: Session) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("ENV", raising=False)
    add_employee(
        db, name="Ольга Белова", email=None, role="hunter", team="", started_on=date(2025, 1, 1)
    )
    db.commit()
    return tmp_path


def test_it_imports_an_amocrm_export_once_and_lists_unmatched_names(
    env: Path, db: Session, capsys
) -> None:
    (env / "leads.csv").write_bytes(EXPORT.encode("cp1251"))
    assert main(["deals", "import", "leads.csv", "--mapping", "amocrm"]) == 0
    out = capsys.readouterr().out
    assert "2 new, 0 updated, 0 unchanged" in out and "Пётр Иванов (1 deal)" in out
    assert main(["deals", "import", "leads.csv", "--mapping", "amocrm"]) == 0
    assert "0 new, 0 updated, 2 unchanged" in capsys.readouterr().out
    assert db.exec(select(func.count()).select_from(Deal)).one() == 2
    audit = db.exec(select(AuditEvent).where(AuditEvent.action == "deals.import")).all()
    assert len(audit) == 2 and audit[0].details["created"] == 2


def test_it_refuses_a_broken_file_naming_the_row_and_imports_nothing(
    env: Path, db: Session, capsys
) -> None:
    broken = "13;C;дорого;Ольга Белова;Успешно реализовано;;x;\n14;D;100;;Успешно реализовано;;;\n"
    (env / "leads.csv").write_text(EXPORT + broken)
    assert main(["deals", "import", "leads.csv", "--mapping", "amocrm"]) == 2
    err = capsys.readouterr().err
    assert "nothing imported" in err and "Row 4: " in err
    # Each problem reads as a sentence of its own: no ".;" where two messages meet.
    assert ".;" not in err and ". Row " in err and err.rstrip().endswith(".")
    assert db.exec(select(func.count()).select_from(Deal)).one() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "--mapping", "amocrm"], "cannot read missing.csv"),
        (["leads.csv", "--mapping", "salesforce"], "no mapping named 'salesforce'"),
    ],
)
def test_it_explains_what_it_cannot_do(env: Path, capsys, args, message) -> None:
    (env / "leads.csv").write_text(EXPORT)
    assert main(["deals", "import", *args]) == 2
    assert message in capsys.readouterr().err
