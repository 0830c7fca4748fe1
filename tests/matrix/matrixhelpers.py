"""The matrix page's two-step actions as a test takes them: the form, then its confirmation."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.htmlq import form_fields


def save_matrix(client: TestClient, data: dict[str, str], **kw: Any) -> Response:
    """Post the editor's form, then confirm on the page that shows what would change: the
    two steps an admin takes. Answers what the editor answered when there is no page."""
    r = client.post("/admin/matrix", data=data)
    if r.status_code != 200 or 'id="matrix-confirm-form"' not in r.text:
        return r
    fields = form_fields(r.text, id="matrix-confirm-form")
    return client.post("/admin/matrix", data={**fields, "confirm": "yes"}, **kw)


def rescore(client: TestClient, **kw: Any) -> Response:
    """Open the re-score confirmation and confirm it."""
    page = client.get("/admin/matrix/rescore")
    fields = form_fields(page.text, id="rescore-form")
    return client.post("/admin/matrix/rescore", data=fields, **kw)
