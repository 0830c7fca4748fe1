"""API keys (scopes, revocation, hashing) and RFC 9457 problem responses."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.keys import hash_key, revoke_api_key
from app.models import ApiKey
from tests.clock import Clock, client_on

PROBLEM = "application/problem+json"


def assert_problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"].startswith("urn:rolefit:problem:")
    return body


def test_a_request_without_a_key_is_a_401_problem_with_a_challenge(client: TestClient) -> None:
    r = client.get("/api/v1/vacancies")
    body = assert_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert body["instance"] == "/api/v1/vacancies"


def test_an_unknown_key_is_refused(client: TestClient, write_key: str) -> None:
    r = client.get("/api/v1/vacancies", headers={"Authorization": f"Bearer {write_key}x"})
    assert_problem(r, 401)
    assert 'error="invalid_token"' in r.headers["www-authenticate"]


def test_a_revoked_key_is_refused(api: TestClient, db: Session, write_key: str) -> None:
    assert api.get("/api/v1/vacancies").status_code == 200
    key = db.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(write_key))).one()
    assert key.id is not None
    revoke_api_key(db, key_id=key.id)
    db.commit()
    assert_problem(api.get("/api/v1/vacancies"), 401)


def test_only_the_hash_and_a_prefix_of_a_key_are_stored(db: Session, write_key: str) -> None:
    key = db.exec(select(ApiKey)).one()
    assert key.key_hash == hash_key(write_key) and write_key not in key.key_hash
    assert write_key.startswith(key.prefix) and len(key.prefix) == 8


def test_a_read_key_reads_but_cannot_write(reader: TestClient) -> None:
    assert reader.get("/api/v1/vacancies").status_code == 200
    r = reader.post("/api/v1/vacancies", json={"title": "Hunter"})
    body = assert_problem(r, 403)
    assert "read_write" in body["detail"]
    assert_problem(reader.post("/api/v1/vacancies/1/close"), 403)
    assert_problem(reader.patch("/api/v1/vacancies/1", json={"title": "x"}), 403)


def test_using_a_key_records_when(api: TestClient, db: Session) -> None:
    api.get("/api/v1/vacancies")
    db.expire_all()
    assert db.exec(select(ApiKey)).one().last_used_at is not None


def test_a_validation_error_names_each_field(api: TestClient) -> None:
    vacancy = api.post("/api/v1/vacancies", json={"title": "Hunter", "language": "en"}).json()
    r = api.post(
        f"/api/v1/vacancies/{vacancy['id']}/invitations",
        json={"candidates": [{"name": "Ann"}, {"name": "Bob", "email": "not-an-email"}]},
    )
    body = assert_problem(r, 422)
    assert [e["field"] for e in body["errors"]] == ["candidates[1].email"]
    assert "candidates[1].email" in body["detail"]
    # All or nothing: the valid first entry was not invited either.
    assert api.get("/api/v1/candidates").json()["data"] == []


def test_unknown_fields_and_bad_query_values_are_named(api: TestClient) -> None:
    body = assert_problem(api.post("/api/v1/vacancies", json={"title": "x", "colour": 1}), 422)
    assert [e["field"] for e in body["errors"]] == ["colour"]
    body = assert_problem(api.get("/api/v1/candidates?limit=0"), 422)
    assert [e["field"] for e in body["errors"]] == ["limit"]
    body = assert_problem(
        api.post("/api/v1/vacancies", content=b"{", headers={"Content-Type": "application/json"}),
        422,
    )
    assert body["errors"]


def test_missing_resources_and_methods_are_problems(api: TestClient) -> None:
    body = assert_problem(api.get("/api/v1/vacancies/999"), 404)
    assert "999" in body["detail"]
    assert_problem(api.get("/api/v1/nothing-here"), 404)
    assert_problem(api.delete("/api/v1/vacancies"), 405)


def test_html_pages_keep_their_error_pages(client: TestClient) -> None:
    r = client.get("/no-such-page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


def test_a_crash_is_a_500_problem_without_internals(app: FastAPI, write_key: str) -> None:
    from app.api import service

    def boom(*_a, **_k):
        raise RuntimeError("secret internals")

    original = service.list_vacancies
    service.list_vacancies = boom  # type: ignore[assignment]
    try:
        with TestClient(
            app, headers={"Authorization": f"Bearer {write_key}"}, raise_server_exceptions=False
        ) as c:
            r = c.get("/api/v1/vacancies")
    finally:
        service.list_vacancies = original  # type: ignore[assignment]
    body = assert_problem(r, 500)
    assert "secret" not in r.text and "Traceback" not in r.text
    assert body["title"] == "Internal error"


def test_the_schema_lists_only_the_api(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert all(p.startswith("/api/v1/") for p in schema["paths"])
    assert "/api/v1/candidates/{candidate_id}/results" in schema["paths"]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/openapi.json").status_code == 404


def test_an_unreadable_body_is_a_422_on_body(api: TestClient) -> None:
    r = api.patch(
        "/api/v1/vacancies/1", content=b"\xff+", headers={"Content-Type": "application/json"}
    )
    body = assert_problem(r, 422)
    assert [e["field"] for e in body["errors"]] == ["body"]


def test_a_nul_character_is_a_422_problem_not_an_html_page(api: TestClient) -> None:
    r = api.post("/api/v1/vacancies", json={"title": "a\u0000b"})
    body = assert_problem(r, 422)
    assert [e["field"] for e in body["errors"]] == ["body"]
    body = assert_problem(api.get("/api/v1/candidates?cursor=%00"), 422)
    assert [e["field"] for e in body["errors"]] == ["query"]


def test_the_rate_limit_answers_with_a_problem(settings, db, write_key: str) -> None:
    from app.main import create_app

    limited = settings.model_copy(update={"rate_limit_api": 1})
    auth = {"Authorization": f"Bearer {write_key}"}
    with client_on(Clock(), create_app(limited), headers=auth) as c:
        c.get("/api/v1/vacancies")
        r = c.get("/api/v1/vacancies")
    body = assert_problem(r, 429)
    assert body["type"].endswith("rate-limited") and int(r.headers["Retry-After"]) > 0


def test_an_unknown_query_parameter_is_a_422_naming_it(api: TestClient) -> None:
    body = assert_problem(api.get("/api/v1/candidates?stauts=expired"), 422)
    assert [e["field"] for e in body["errors"]] == ["stauts"]
    assert api.get("/api/v1/candidates?status=expired").status_code == 200


def test_the_schema_declares_the_patterns_the_api_checks(api: TestClient) -> None:
    import re

    schema = api.get("/api/v1/openapi.json").json()
    candidate = schema["components"]["schemas"]["CandidateIn"]["properties"]
    name_pattern = candidate["name"]["pattern"]
    assert candidate["name"]["maxLength"] == 200
    # A name of nothing visible breaks the pattern, and the API refuses it as the pattern says.
    for name, allowed in [("Anna", True), (" \u200b\u00ad ", False), ("\u0007Anna", False)]:
        assert bool(re.search(name_pattern, name)) is allowed
        r = api.post("/api/v1/vacancies", json={"title": name})
        assert (r.status_code == 201) is allowed, (name, r.text)


def test_a_cursor_past_the_largest_id_is_a_422_not_a_database_error(api: TestClient) -> None:
    assert api.get("/api/v1/candidates?cursor=2147483647").status_code == 200
    body = assert_problem(api.get("/api/v1/candidates?cursor=2147483648"), 422)
    assert [e["field"] for e in body["errors"]] == ["cursor"]
