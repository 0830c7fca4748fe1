"""Hostile strings typed everywhere a user types come back harmless: escaped in HTML,
neutralized in CSV and XLSX (the text kept), plain visible text in the PDF, never a 500.

Where they are typed: vacancy titles and candidate names (staff forms and services), decision
notes, checklist comments, the matrix editor's reasons, the CSV import, the API, the open
registration form (/join/), a staff user's full name, and the login form."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.keys import create_api_key
from app.config import Settings
from app.invitations.invite import invite_candidate
from app.invitations.service import set_open_link
from app.models import PLAIN_TEXT, Candidate, Vacancy
from app.staff.service import create_vacancy
from app.text import strip_bidi
from app.web.forms import FormErrors
from socionics.portrait import load_portrait
from tests.factories import answers_for, ie_questionnaire, make_invitation, make_user, make_vacancy
from tests.fitflow import IE, SOC, answer_questionnaire, finish, ie_answers, socionics_answers
from tests.htmlq import csrf_of, parse
from tests.matrix.matrixhelpers import save_matrix
from tests.webflow import STAFF_PASSWORD, answer_everything, consent, import_csv, login, token_of

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE users; --",
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "ctrl\x01\x07\x1b\x1f end",
    "all " + "".join(chr(c) for c in range(1, 32)) + " controls",
    "rtl \u202egnp.exe",
    "Эмодзи 🚀 Кириллица",
    "N" * 10_000,
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _harmless_html(html: str) -> None:
    root = parse(html)
    for el in root.iter():
        assert not any(name.startswith("on") for name in el.attrs), el.tag
        if el.tag == "script":
            assert (el.get("src") or "").startswith("/static/"), el.attrs
        if el.tag == "img":
            assert el.get("src") != "x"


def _visible(text: str) -> str:
    """The text as a reader sees it: without control and format characters or whitespace
    (pdftotext wraps lines; the RTL override is invisible; the XLSX export shows a control
    character, which XML cannot hold, as U+FFFD)."""
    return "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cf") and not ch.isspace() and ch != "\ufffd"
    )


def _no_active_pdf_content(pdf: bytes) -> None:
    for marker in (b"/JavaScript", b"/JS ", b"/JS(", b"/Launch", b"/OpenAction", b"/AA "):
        assert marker not in pdf, marker


def _check_csv(body: bytes, text: str) -> None:
    cells = [c for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for c in row]
    for cell in cells:
        assert not cell.startswith(FORMULA_START), cell[:40]
    _kept(cells, text)


def _check_xlsx(body: bytes, text: str) -> None:
    cells = []
    for sheet in openpyxl.load_workbook(io.BytesIO(body)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_START), cell.value[:40]
                    cells.append(cell.value)
    _kept(cells, text)


def _kept(cells: list[str], text: str) -> None:
    """The text is still there (behind a neutralizing apostrophe, control characters dropped)."""
    want = _visible(text)[:40]
    assert any(want in _visible(c) for c in cells), want


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_candidate": 10_000})


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:12]))
def test_hostile_text_comes_back_harmless_everywhere(
    text: str, client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, email="hostile@example.com", password=STAFF_PASSWORD, role="admin")
    stored = text  # what the exports must still show
    try:
        vacancy = create_vacancy(
            db, title=text, placement="farmer", language="en", created_by=admin
        )
    except FormErrors:
        # Refused with a message (e.g. too long): harmless. The vacancy gets a plain title.
        vacancy = create_vacancy(db, title="Plain", placement="farmer", language="en")
        stored = "Plain"
    try:
        new = invite_candidate(db, settings=settings, vacancy=vacancy, name=text, email=None)
    except FormErrors:
        new = invite_candidate(db, settings=settings, vacancy=vacancy, name="Plain", email=None)
        assert stored == "Plain"  # both or neither refused: the same length rule
    db.commit()
    token = token_of(new.link)
    consent(client, token)
    answer_everything(client, token, answers_for(ie_questionnaire()))
    login(client, admin.email, STAFF_PASSWORD)
    for path in (
        "/vacancies",
        f"/vacancies/{vacancy.id}",
        f"/invitations/{new.invitation.id}/report",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        _harmless_html(r.text)

    r = client.get(f"/vacancies/{vacancy.id}/export.csv")
    assert r.status_code == 200
    _check_csv(r.content, stored)

    r = client.get(f"/vacancies/{vacancy.id}/export.xlsx")
    assert r.status_code == 200
    _check_xlsx(r.content, stored)

    r = client.get(f"/invitations/{new.invitation.id}/report.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        pdf = Path(settings.data_dir) / "report.pdf"
        pdf.parent.mkdir(parents=True, exist_ok=True)
        pdf.write_bytes(r.content)
        out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
        shown = _visible(out.stdout.decode("utf-8"))
        # The title and the name are shown as the text they are (a long one may be cut short).
        assert _visible(stored)[:40] in shown, (stored[:40], shown[:400])
        _no_active_pdf_content(r.content)


@pytest.mark.parametrize("text", [*HOSTILE, "nul\x00byte"], ids=lambda t: repr(t[:12]))
def test_hostile_text_typed_into_the_staff_forms_never_breaks_a_page(
    text: str, client: TestClient, db: Session
) -> None:
    admin = make_user(db, email="forms@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, admin.email, STAFF_PASSWORD)
    csrf = csrf_of(client.get("/vacancies/new").text)
    data = {"title": text, "placement": "farmer", "language": "en", "csrf_token": csrf}
    r = client.post("/vacancies", data=data)
    # NUL is refused whole (400); other text is stored or refused with a message (400/422).
    assert r.status_code in (200, 400, 422), r.status_code
    _harmless_html(r.text)
    vacancy = make_vacancy(db, title="Forms")
    csrf = csrf_of(client.get(f"/vacancies/{vacancy.id}").text)
    r = client.post(
        f"/vacancies/{vacancy.id}/invitations",
        data={"name": text, "email": "", "language": "en", "csrf_token": csrf},
    )
    assert r.status_code in (200, 400, 422), r.status_code
    _harmless_html(r.text)
    listing = client.get(f"/vacancies/{vacancy.id}")
    assert listing.status_code == 200
    _harmless_html(listing.text)


def _ok(r: Any, where: str) -> None:
    """Stored, or refused with a page that says why; never a server error, never markup."""
    assert r.status_code < 500, (where, r.status_code)
    if r.headers.get("content-type", "").startswith("text/html"):
        _harmless_html(r.text)


def _form_values(html: str, action: str) -> dict[str, str]:
    """Every field of the form posting to ``action``, with the values it shows."""
    form = next(f for f in parse(html).find_all("form") if f.get("action") == action)
    values: dict[str, str] = {}
    for el in form.iter():
        name = el.get("name")
        if not name:
            continue
        if el.tag == "textarea":
            values[name] = el.text
        elif el.tag == "select":
            chosen = [o for o in el.find_all("option") if o.get("selected") is not None]
            options = chosen or el.find_all("option")
            values[name] = options[0].get("value") or ""
        elif el.tag == "input" and el.get("type") not in ("checkbox", "radio", "submit"):
            values[name] = el.get("value") or ""
    return values


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:12]))
def test_hostile_text_typed_everywhere_else_comes_back_harmless(
    text: str, app: FastAPI, client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, email="typist@example.com", password=STAFF_PASSWORD, role="admin")
    vacancy = make_vacancy(db, title="Hostile desk")
    new = make_invitation(db, settings, vacancy=vacancy, name="Plain Person")
    token = token_of(new.link)
    consent(client, token)
    answer_everything(client, token, answers_for(ie_questionnaire()))
    inv_id = new.invitation.id

    # The login form, before logging in: a wrong login answers with the form, not an error.
    csrf = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"email": text, "password": text, "csrf_token": csrf})
    _ok(r, "login")
    login(client, admin.email, STAFF_PASSWORD)

    # A decision with a note.
    page = client.get(f"/invitations/{inv_id}/decision").text
    code = parse(page).find("input", type="radio").get("value")
    data = {"decision": code or "", "note": text, "csrf_token": csrf_of(page)}
    _ok(client.post(f"/invitations/{inv_id}/decision", data=data), "decision")
    _ok(client.get(f"/invitations/{inv_id}/decision"), "decision page")

    # Checklist comments on every trait of the portrait.
    data = {"csrf_token": csrf_of(page)}
    for trait in load_portrait().traits:
        data[f"checked-{trait.id}"] = "yes"
        data[f"comment-{trait.id}"] = text
    _ok(client.post(f"/invitations/{inv_id}/checklist", data=data), "checklist")
    _ok(client.get(f"/invitations/{inv_id}/report"), "report")

    # The matrix editor: every reason and the version note.
    editor = client.get("/admin/matrix").text
    values = _form_values(editor, "/admin/matrix")
    reasons = [name for name in values if name.startswith("reason")]
    assert reasons, "the editor's reason fields were not found"
    values.update({name: text for name in reasons}, note=text)
    _ok(client.post("/admin/matrix", data=values), "matrix")
    _ok(client.get("/admin/matrix"), "matrix page")

    # A staff user's full name.
    data = {
        "email": "new.typist@example.com",
        "full_name": text,
        "role": "recruiter",
        "password": "a sturdy passphrase 4 the typist",
        "csrf_token": csrf_of(client.get("/admin/users").text),
    }
    _ok(client.post("/admin/users", data=data), "users")
    _ok(client.get("/admin/users"), "users page")

    # The CSV import: the text as a name and as an email.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([["name", "email"], [text, "imported@example.com"], ["Plain Two", text]])
    assert vacancy.id is not None
    r = import_csv(client, vacancy.id, buffer.getvalue().encode("utf-8"), "hostile.csv")
    _ok(r, "import")

    # The open registration form (/join/...), as a candidate.
    set_open_link(db, vacancy=vacancy, enabled=True)
    db.commit()
    join = {"name": text, "email": "", "language": "en", "consent": "yes"}
    # Other clients of the running app, without a lifespan of their own (a second one would
    # replace the app's engine and leave the first one's connections open).
    visitor = TestClient(app)
    _ok(visitor.post(f"/join/{vacancy.open_token}", data=join), "join")

    # The API: a vacancy title and candidates' names.
    key = create_api_key(db, name="hostile", scope="read_write", created_by=admin).secret
    db.commit()
    api = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    r = api.post("/api/v1/vacancies", json={"title": text, "language": "en"})
    assert r.status_code < 500 and r.status_code != 400, r.status_code
    api_vacancy = r.json()["id"] if r.status_code == 201 else vacancy.id
    r = api.post(
        f"/api/v1/vacancies/{api_vacancy}/invitations", json={"candidates": [{"name": text}]}
    )
    assert r.status_code < 500, r.status_code
    assert r.status_code in (200, 201, 202, 422), r.status_code
    for path in ("/vacancies", f"/vacancies/{api_vacancy}", f"/vacancies/{vacancy.id}"):
        _ok(client.get(path), path)
    _ok(client.get(f"/vacancies/{vacancy.id}/candidates"), "candidates")

    # The exports of the desk hold the note, the imported and registered names: neutralized,
    # and (unless the text was refused as too long) still there.
    kept = text if len(text) <= 200 else "Plain Person"
    r = client.get(f"/vacancies/{vacancy.id}/export.csv")
    assert r.status_code == 200
    _check_csv(r.content, kept)
    r = client.get(f"/vacancies/{vacancy.id}/export.xlsx")
    assert r.status_code == 200
    _check_xlsx(r.content, kept)
    r = client.get(f"/invitations/{inv_id}/report.pdf")
    assert r.status_code == 200
    _no_active_pdf_content(r.content)


# --- bidirectional controls: stripped when saved, so they never reach a staff page ------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# The controls themselves, or written as character references.
BIDI_ON_PAGE = re.compile(
    r"[\u202a-\u202e\u2066-\u2069]|&#(?:x0*(?:202[a-e]|206[6-9])|0*82(?:3[4-8]|9[4-7]));", re.I
)


def _spoof(place: str) -> str:
    """Text that a page without the fix shows as "<place> exe.png ...": every control once."""
    return f"{place} \u202egnp.exe\u202c \u2067{BIDI}\u2069"


def test_strip_bidi_removes_every_invisible_format_character_and_nothing_else() -> None:
    assert strip_bidi(_spoof("x")) == "x gnp.exe "
    assert all(strip_bidi(ch) == "" for ch in BIDI)
    # Zero-width characters and directional marks make lookalike names: they go too.
    assert strip_bidi("An\u200bna\u200f \u200eIva\u200dnova\u061c\ufeff") == "Anna Ivanova"
    # Visible neighbours and other spaces stay (they are not format characters).
    kept = "\u2029\u202f\u00a0 Анна"
    assert strip_bidi(kept) == kept


def test_bidirectional_controls_typed_anywhere_never_reach_a_staff_page(
    app: FastAPI, client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, email="bidi@example.com", password=STAFF_PASSWORD, role="admin")
    desk = make_vacancy(db, title="Bidi desk", placement="farmer")
    desk.questionnaire_ids = [IE, SOC]
    db.add(desk)
    db.commit()
    new = make_invitation(db, settings, vacancy=desk, name="Plain Person")
    token = token_of(new.link)
    consent(client, token)
    # A type the portrait suits, so the report shows the interview checklist.
    answer_questionnaire(client, token, IE, ie_answers(extravert=False))
    answer_questionnaire(client, token, SOC, socionics_answers("ESI"))
    finish(client, token)
    inv_id = new.invitation.id
    login(client, admin.email, STAFF_PASSWORD)
    candidates = f"/vacancies/{desk.id}/candidates"

    def shown(place: str, path: str) -> None:
        """The page shows what was typed at ``place``, without a single control."""
        r = client.get(path)
        assert r.status_code == 200, path
        assert f"{place} gnp.exe" in r.text, (place, path)
        found = BIDI_ON_PAGE.search(r.text)
        assert found is None, (place, path, found)

    # Staff forms: a vacancy, a candidate, a staff user.
    csrf = csrf_of(client.get("/vacancies/new").text)
    data = {"title": _spoof("vacancy-form"), "placement": "farmer", "language": "en"}
    assert client.post("/vacancies", data=data | {"csrf_token": csrf}).status_code < 400
    shown("vacancy-form", "/vacancies")
    csrf = csrf_of(client.get(f"/vacancies/{desk.id}").text)
    data = {"name": _spoof("invite-form"), "email": "", "language": "en", "csrf_token": csrf}
    assert client.post(f"/vacancies/{desk.id}/invitations", data=data).status_code == 200
    shown("invite-form", candidates)
    data = {
        "email": "bidi.user@example.com",
        "full_name": _spoof("user-form"),
        "role": "recruiter",
        "password": "a sturdy passphrase 4 the typist",
        "csrf_token": csrf_of(client.get("/admin/users").text),
    }
    assert client.post("/admin/users", data=data).status_code < 400
    shown("user-form", "/admin/users")

    # A decision note and checklist comments.
    page = client.get(f"/invitations/{inv_id}/decision").text
    code = parse(page).find("input", type="radio").get("value") or ""
    data = {"decision": code, "note": _spoof("decision-note"), "csrf_token": csrf_of(page)}
    assert client.post(f"/invitations/{inv_id}/decision", data=data).status_code < 400
    shown("decision-note", f"/invitations/{inv_id}/decision")
    data = {"csrf_token": csrf_of(page)}
    for trait in load_portrait().traits:
        data[f"checked-{trait.id}"] = "yes"
        data[f"comment-{trait.id}"] = _spoof("checklist")
    assert client.post(f"/invitations/{inv_id}/checklist", data=data).status_code < 400
    shown("checklist", f"/invitations/{inv_id}/report")

    # The matrix editor's version note (with one reason changed, so a version is stored).
    values = _form_values(client.get("/admin/matrix").text, "/admin/matrix")
    reason = next(name for name in values if name.startswith("reason"))
    values.update({reason: values[reason] + " (edited)"}, note=_spoof("matrix-note"))
    assert save_matrix(client, values).status_code < 400
    shown("matrix-note", "/admin/matrix")

    # The integrations pages: an API key's name, a webhook's description.
    page = client.get("/admin/api-keys").text
    data = {"name": _spoof("key"), "scope": "read_write", "csrf_token": csrf_of(page)}
    assert client.post("/admin/api-keys", data=data).status_code == 201
    shown("key", "/admin/api-keys")
    data = {
        "url": "http://ats.local/hook",
        "events": ["assessment.completed"],
        "description": _spoof("webhook"),
        "csrf_token": csrf_of(client.get("/admin/webhooks").text),
    }
    assert client.post("/admin/webhooks", data=data).status_code == 201
    shown("webhook", "/admin/webhooks")

    # The API: a vacancy title (created, then changed) and a candidate's name.
    key = create_api_key(db, name="bidi", scope="read_write", created_by=admin).secret
    db.commit()
    api = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    r = api.post("/api/v1/vacancies", json={"title": _spoof("api-vacancy"), "language": "en"})
    assert r.status_code == 201
    shown("api-vacancy", "/vacancies")
    r = api.patch(f"/api/v1/vacancies/{r.json()['id']}", json={"title": _spoof("api-patch")})
    assert r.status_code == 200
    shown("api-patch", "/vacancies")
    people = {"candidates": [{"name": _spoof("api-candidate")}]}
    assert api.post(f"/api/v1/vacancies/{desk.id}/invitations", json=people).status_code == 201
    shown("api-candidate", candidates)

    # Open registration, as a candidate.
    set_open_link(db, vacancy=desk, enabled=True)
    db.commit()
    join = {"name": _spoof("join"), "email": "j@example.com", "language": "en", "consent": "yes"}
    visitor = TestClient(app)
    r = visitor.post(f"/join/{desk.open_token}", data=join, follow_redirects=False)
    assert r.status_code == 303
    shown("join", candidates)

    # The CSV import still refuses such a row and says so; nothing of it is stored.
    upload = f"name,email\n{_spoof('csv-import')},csv@example.com\n".encode()
    assert desk.id is not None
    r = import_csv(client, desk.id, upload, "bidi.csv")
    assert r.status_code == 200 and "csv-import" in r.text
    assert "csv-import" not in client.get(candidates).text

    # And the rows themselves: no saved name, title or note holds a control.
    db.expire_all()
    for model, columns in PLAIN_TEXT.items():
        for column in columns:
            for value in db.exec(select(getattr(model, column))).all():
                assert not BIDI_ON_PAGE.search(value or ""), (model.__name__, column, value)


@pytest.mark.parametrize("text", ["\u202e", f" {BIDI} "], ids=["override", "every control"])
def test_a_name_or_title_of_nothing_but_controls_is_refused_as_empty(
    text: str, app: FastAPI, client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, email="empty@example.com", password=STAFF_PASSWORD, role="admin")
    desk = make_vacancy(db, title="Empty desk")
    set_open_link(db, vacancy=desk, enabled=True)
    key = create_api_key(db, name="empty", scope="read_write", created_by=admin).secret
    db.commit()
    join = {"name": text, "email": "j@example.com", "language": "en", "consent": "yes"}
    assert TestClient(app).post(f"/join/{desk.open_token}", data=join).status_code == 422
    login(client, admin.email, STAFF_PASSWORD)
    csrf = csrf_of(client.get("/vacancies/new").text)
    data = {"title": text, "placement": "farmer", "language": "en", "csrf_token": csrf}
    assert client.post("/vacancies", data=data).status_code == 422
    data = {"name": text, "email": "", "language": "en", "csrf_token": csrf}
    assert client.post(f"/vacancies/{desk.id}/invitations", data=data).status_code == 422
    api = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    assert api.post("/api/v1/vacancies", json={"title": text}).status_code == 422
    assert api.patch(f"/api/v1/vacancies/{desk.id}", json={"title": text}).status_code == 422
    people = {"candidates": [{"name": text}]}
    assert api.post(f"/api/v1/vacancies/{desk.id}/invitations", json=people).status_code == 422
    db.expire_all()
    assert db.exec(select(Vacancy.title)).all() == ["Empty desk"]
    assert db.exec(select(Candidate)).all() == []


@pytest.mark.parametrize("token", ["тест-токен", "\u200b" * 3, "x" * 100_000, "é"])
def test_a_non_ascii_or_oversized_csrf_token_is_a_plain_403(client: TestClient, token: str) -> None:
    client.get("/login")
    r = client.post("/login", data={"email": "a@example.com", "password": "x", "csrf_token": token})
    assert r.status_code == 403
    assert "Traceback" not in r.text


def test_staff_and_candidate_pages_are_not_stored_and_static_files_are(
    staff: TestClient,
) -> None:
    for path in ("/vacancies", "/account", "/login"):
        assert staff.get(path).headers["cache-control"] == "no-store", path
    css = staff.get("/static/app.css")
    assert css.status_code == 200 and css.headers.get("cache-control") != "no-store"
