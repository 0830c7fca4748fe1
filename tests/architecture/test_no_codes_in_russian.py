"""No internal codes on a Russian staff page: every staff page, with the demo's data, is read
as a person would read it (text and the labels a screen reader says, outside ``code`` elements
and outside the fields a person edits) and may not show

- snake_case or dotted.names (a questionnaire id, an audit action, a scale's id);
- a Latin type code (LSI) without its Cyrillic one (ЛСИ) right beside it;
- an English code of the product's own vocabulary (farmer, doubtful, not_for_sales, advance...).

Allowed: file names (role_fit.yaml), version numbers (v2.0.0), environment variables (SMTP_HOST),
email addresses and links.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.audit.service import OBJECT_NAMES, OBJECT_TYPES
from app.config import Settings
from app.main import load_questionnaires
from app.models import DecisionKind, EmailStatus, EmployeeRole, InvitationStatus, Placement, Role
from socionics.matrix import GROUP_NAMES, ROLES
from socionics.model import types
from socionics.recommend import NO_SUITABLE_ROLE, NOT_INTERPRETABLE, PLACEMENT_NAMES, TOO_CLOSE
from tests.demoworld import ADMIN_EMAIL, ADMIN_PASSWORD, DemoWorld, load_demo
from tests.htmlq import Element, parse
from tests.webflow import login

# What a person never reads: code, the page's machinery, and what they type themselves.
UNREAD = {"code", "script", "style", "head", "textarea"}
READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")
LINKS = re.compile(r"\S+@\S+|https?://\S+|/[\w./{}-]+")
FILE = re.compile(r"\.(yaml|md|csv|xlsx|pdf|zip|json|eml|txt)$")
CODE_LIKE = re.compile(r"\b[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+\b")
VERSION = re.compile(r"^v?\d+(\.\d+)*$")
CYRILLIC = {t.code: t.cyrillic for t in types()}
LATIN_TYPE = re.compile(r"\b(" + "|".join(CYRILLIC) + r")\b")
VOCABULARY = (
    {*ROLES, *GROUP_NAMES, *PLACEMENT_NAMES, NO_SUITABLE_ROLE, NOT_INTERPRETABLE, TOO_CLOSE}
    | {e.value for kind in (Role, Placement, InvitationStatus, DecisionKind) for e in kind}
    | {e.value for kind in (EmailStatus, EmployeeRole) for e in kind}
    | {"good", "doubtful", "unusable"}
    | set(OBJECT_NAMES)
    | {q.id for q in load_questionnaires().values()}
    | {s.id for q in load_questionnaires().values() for s in q.scales}
)
ENGLISH_CODE = re.compile(r"\b(" + "|".join(sorted(VOCABULARY, key=len, reverse=True)) + r")\b")


def read_text(el: Element) -> list[str]:
    if el.tag in UNREAD:
        return []
    out = [el.attrs[a] for a in READ_ATTRIBUTES if el.attrs.get(a)]
    for child in el.children:
        out += [child] if isinstance(child, str) else read_text(child)
    return out


def codes_in(text: str) -> list[str]:
    text = LINKS.sub(" ", text)
    found = [
        m
        for m in CODE_LIKE.findall(text)
        if not FILE.search(m) and not VERSION.match(m) and not m.startswith("v")
    ]
    for m in LATIN_TYPE.finditer(text):
        around = text[max(0, m.start() - 6) : m.end() + 6]
        if CYRILLIC[m.group(1)] not in around:
            found.append(m.group(1))
    found += ENGLISH_CODE.findall(text)
    return found


def test_the_scan_finds_each_kind_of_code() -> None:
    found = codes_in("Опросник socionics_16, действие report.view, шкала logic")
    assert set(found) == {"socionics_16", "report.view", "logic"}
    assert codes_in("Тип LSI, 90%") == ["LSI"]
    assert codes_in("Тип ЛСИ (LSI), 90%") == []
    assert set(codes_in("Позиция: farmer, качество doubtful")) == {"farmer", "doubtful"}
    assert codes_in("из файла role_fit.yaml, v2.0.0, SMTP_HOST, ada@example.com") == []


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"default_language": "ru"})


@pytest.fixture
def demo(db: Session, settings: Settings) -> DemoWorld:
    return load_demo(db, settings)


def test_no_russian_staff_page_shows_an_internal_code(
    client: TestClient, settings: Settings, demo: DemoWorld
) -> None:
    login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    client.get("/vacancies?lang=ru")
    found: dict[str, list[str]] = {}
    urls = demo.staff_urls(settings)
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        page = parse(r.text)
        html = page.find("html")
        assert html is not None and html.get("lang") == "ru", url
        codes = codes_in(" ".join(read_text(page)))
        if codes:
            found[url] = sorted(set(codes))
    assert found == {}


def test_every_recorded_object_type_has_a_name() -> None:
    """The audit page names each object in words: every object_type the code records is in
    OBJECT_NAMES (the helper's OBJECT_TYPES, and the literals in the source)."""
    root = Path(__file__).resolve().parents[2] / "app"
    recorded = set(OBJECT_TYPES.values()) | {
        m
        for path in root.rglob("*.py")
        for m in re.findall(r'object_type="(\w+)"', path.read_text(encoding="utf-8"))
    }
    assert "vacancy" in recorded and "webhook_endpoint" in recorded
    assert recorded - set(OBJECT_NAMES) == set(), "name these in app.audit.service.OBJECT_NAMES"


def candidate_pages(client: TestClient, demo: DemoWorld) -> dict[str, str]:
    """Every page a candidate reads, in Russian: the open link's landing, the invitation's
    landing, a question page after consent, the review, the thank-you page, a link that does
    not work and a page that does not exist."""
    pages: dict[str, str] = {}

    def read(name: str, url: str, status: int = 200) -> None:
        r = client.get(url)
        assert r.status_code == status, (name, url, r.status_code)
        pages[name] = r.text

    read("open link", f"/join/{demo.open_token}")
    read("landing", f"/a/{demo.fresh_token}")
    r = client.post(f"/a/{demo.fresh_token}/consent", data={"consent": "yes"})
    assert r.status_code == 200 and "/q/" in str(r.url), r.url
    pages["questions"] = r.text
    read("review", f"/a/{demo.fresh_token}/review")
    read("thank-you", f"/a/{demo.done_token}/done")
    read("broken link", "/a/not-a-real-link-at-all-0000000000000000", 404)
    read("no such page", "/no-such-page", 404)
    return pages


def test_no_russian_candidate_page_shows_an_internal_code(
    client: TestClient, demo: DemoWorld
) -> None:
    found: dict[str, list[str]] = {}
    pages = candidate_pages(client, demo)
    assert len(pages) == 7
    for name, text in pages.items():
        page = parse(text)
        html = page.find("html")
        assert html is not None and html.get("lang") == "ru", name
        codes = codes_in(" ".join(read_text(page)))
        if codes:
            found[name] = sorted(set(codes))
    assert found == {}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_the_russian_pdf_shows_no_internal_code(
    client: TestClient, demo: DemoWorld, tmp_path: Path
) -> None:
    login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    r = client.get(f"/invitations/{demo.params['invitation_id']}/report.pdf?lang=ru")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "Соответствие по ролям" in flat and "стр. 1 из" in flat  # the report, in Russian
    assert codes_in(flat) == []
