"""docs/example_client.py runs against the app, so the documented client cannot rot."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Invitation
from tests.api.helpers import complete

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example_client.py"


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_client", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["example_client"] = module
    spec.loader.exec_module(module)
    return module


def test_the_example_invites_and_reads_the_result(
    example: ModuleType, app: FastAPI, write_key: str, db: Session
) -> None:
    real = example.make_client("http://rolefit.example", write_key)
    assert str(real.base_url) == "http://rolefit.example/api/v1/"
    assert real.headers["Authorization"] == f"Bearer {write_key}"
    real.close()
    # The same configuration, talking to the app in-process instead of over a socket.
    auth = {"Authorization": f"Bearer {write_key}"}
    with TestClient(app, base_url="http://testserver/api/v1", headers=auth) as client:
        vacancy = example.find_or_create_vacancy(client, title="Hunter", placement="hunter")
        again = example.find_or_create_vacancy(client, title="Hunter", placement="hunter")
        assert again["id"] == vacancy["id"]
        new = example.invite(client, vacancy_id=vacancy["id"], name="Anna", email=None)
        assert new["link"].startswith("http://testserver/a/")
        assert client.get(new["link"]).status_code == 200
        pending = example.wait_for_results(client, candidate_id=new["id"], every=0, max_polls=1)
        assert pending is None
        invitation = db.get(Invitation, new["id"])
        assert invitation is not None
        complete(db, invitation)
        body = example.wait_for_results(client, candidate_id=new["id"], every=0, max_polls=1)
        assert body is not None and body["complete"]
        assert "introversion_extraversion" in example.summary(body)


def test_the_example_reports_api_problems(example: ModuleType, app: FastAPI) -> None:
    auth = {"Authorization": "Bearer rf_wrong"}
    with (
        TestClient(app, base_url="http://testserver/api/v1", headers=auth) as client,
        pytest.raises(example.ApiError) as caught,
    ):
        example.results(client, candidate_id=1)
    assert caught.value.status == 401 and "Invalid API key" in str(caught.value)
