"""Helpers that walk the web flow in route tests: staff login, candidate consent and pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import ie_questionnaire
from tests.htmlq import csrf_of

STAFF_PASSWORD = "correct horse battery"
QID = "introversion_extraversion"


def login(client: TestClient, email: str, password: str) -> None:
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def token_of(link: str) -> str:
    match = re.search(r"/a/([A-Za-z0-9_-]+)$", link)
    assert match, link
    return match.group(1)


def consent(client: TestClient, token: str) -> None:
    r = client.post(f"/a/{token}/consent", data={"consent": "yes"}, follow_redirects=False)
    assert r.status_code == 303


def post_page(client: TestClient, token: str, page: int, answers: dict[str, int], go: str):
    data = {f"item-{k}": str(v) for k, v in answers.items()}
    data["go"] = go
    return client.post(f"/a/{token}/q/{QID}/{page}", data=data, follow_redirects=False)


def answer_everything(client: TestClient, token: str, answers: dict[str, int]):
    """Every page of the extraversion questionnaire, then the review's Finish button."""
    pages = ie_questionnaire().pages()
    for n, ids in enumerate(pages, start=1):
        client.get(f"/a/{token}/q/{QID}/{n}")
        go = "review" if n == len(pages) else "next"
        r = post_page(client, token, n, {i: answers[i] for i in ids}, go)
        assert r.status_code == 303, r.text
    r = client.post(f"/a/{token}/finish", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/a/{token}/done", r.text
    return r


def import_csv(client: TestClient, vacancy_id: int, data: bytes, name: str = "list.csv"):
    """Upload a CSV and, if the preview offers it, confirm it (issue 15: nothing is created
    before the confirmation). Returns the last response: the report, or the refused upload."""
    page = client.get(f"/vacancies/{vacancy_id}/import")
    r = client.post(
        f"/vacancies/{vacancy_id}/import",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": (name, data, "text/csv")},
    )
    match = re.search(r'name="upload" value="([^"]+)"', r.text)
    if r.status_code != 200 or match is None:
        return r
    return client.post(
        f"/vacancies/{vacancy_id}/import/confirm",
        data={"csrf_token": csrf_of(r.text), "upload": match.group(1), "known": "skip"},
    )
