"""OPTIONS and every 405 name the methods the URL really accepts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def _allow(header: str | None) -> set[str]:
    return {m.strip() for m in (header or "").split(",") if m.strip()}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # Two routes share the path (the form and its POST): both are named.
        ("/login", {"GET", "POST", "OPTIONS"}),
        ("/vacancies", {"GET", "POST", "OPTIONS"}),
        ("/api/v1/vacancies", {"GET", "POST", "OPTIONS"}),
        ("/healthz", {"GET", "OPTIONS"}),
        ("/a/some-token", {"GET", "HEAD", "OPTIONS"}),
        ("/static/app.css", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_options_answers_with_the_true_allow(
    client: TestClient, path: str, expected: set[str]
) -> None:
    r = client.options(path)
    assert r.status_code == 204
    assert _allow(r.headers["allow"]) == expected
    assert r.content == b""


def test_a_405_names_every_method_of_the_path(client: TestClient) -> None:
    r = client.delete("/login")
    assert r.status_code == 405
    assert _allow(r.headers["allow"]) == {"GET", "POST", "OPTIONS"}
    r = client.put("/api/v1/vacancies", headers={"Authorization": "Bearer nothing"})
    assert r.status_code == 405
    assert _allow(r.headers["allow"]) == {"GET", "POST", "OPTIONS"}
    assert r.headers["content-type"].startswith("application/problem+json")


def test_options_on_an_unknown_path_is_a_404(client: TestClient) -> None:
    assert client.options("/no-such-page").status_code == 404


def test_options_answers_carry_the_security_headers(client: TestClient) -> None:
    r = client.options("/login")
    assert "content-security-policy" in r.headers
