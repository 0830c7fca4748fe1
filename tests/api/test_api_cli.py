"""``rolefit api-key``: create (printed once), list, revoke — and the printed key works."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.cli import main


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, db: Session) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)


def test_api_key_create_list_revoke(env: None, app: FastAPI, capsys) -> None:
    assert main(["api-key", "create", "--name", "ATS", "--scope", "read_write"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("rf_")
    with TestClient(app, headers={"Authorization": f"Bearer {secret}"}) as c:
        assert c.post("/api/v1/vacancies", json={"title": "From the CLI"}).status_code == 201
        assert main(["api-key", "list"]) == 0
        listed = capsys.readouterr().out
        assert secret[:8] in listed and secret not in listed and "active" in listed
        key_id = listed.split("\t")[0]
        assert main(["api-key", "revoke", key_id]) == 0
        assert c.get("/api/v1/vacancies").status_code == 401


def test_api_key_errors_are_clean(env: None, capsys) -> None:
    assert main(["api-key", "create", "--name", "   "]) == 2
    assert "name" in capsys.readouterr().err
    assert main(["api-key", "revoke", "999"]) == 2
    assert "no API key with id 999" in capsys.readouterr().err
