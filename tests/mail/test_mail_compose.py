"""The invitation and reminder emails, in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from babel.dates import format_date

from app.mail.compose import last_full_day, render_invitation_email
from tests.mail.mailhelpers import EXPIRES, LINK, invitation


class _Links(HTMLParser):
    """Collects hrefs and the visible text of an HTML part."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [value or "" for name, value in attrs if name == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("kind", ["invitation", "reminder"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_each_email_has_the_link_vacancy_and_expiry_in_its_language(
    language: str, kind: str
) -> None:
    content = invitation(language, kind=kind)
    expected_date = format_date(last_full_day(EXPIRES), format="long", locale=language)
    vacancy = "Менеджер по работе с клиентами" if language == "ru" else "Key account manager"
    for part in (content.text, content.html):
        assert vacancy in part
        assert expected_date in part
        assert "20" in part  # how long it takes
        assert "hr@northwind.example" in part
    assert LINK in content.text
    html = parse_html(content.html)
    assert LINK in html.hrefs
    assert "mailto:hr@northwind.example" in html.hrefs
    assert vacancy in content.subject
    assert "\n" not in content.subject


def test_the_expiry_date_is_written_the_way_each_language_writes_dates() -> None:
    # EXPIRES is 15 December 09:30 UTC: the last whole day is the 14th.
    assert (
        "до 14 декабря 2026\u202fг. включительно"
    )  # babel: a narrow no-break space in invitation("ru").text
    assert "until December 14, 2026 inclusive" in invitation("en").text


@pytest.mark.parametrize(
    ("expires_at", "day"),
    [
        (datetime(2026, 12, 15, 0, 0, tzinfo=UTC), date(2026, 12, 14)),
        (datetime(2026, 12, 15, 23, 59, tzinfo=UTC), date(2026, 12, 14)),
        (datetime(2026, 12, 16, 2, 0, tzinfo=timezone(timedelta(hours=3))), date(2026, 12, 14)),
        (datetime(2026, 12, 15, 12, 0), date(2026, 12, 14)),  # naive: taken as UTC
    ],
)
def test_the_announced_day_never_outlasts_the_link(expires_at: datetime, day: date) -> None:
    assert last_full_day(expires_at) == day


def test_russian_and_english_texts_differ_and_say_the_essentials() -> None:
    ru, en = invitation("ru"), invitation("en")
    assert "Здравствуйте, Анна Смирнова!" in ru.text
    assert "согласия" in ru.text and "около 21 минуты" in ru.text
    assert "Hello Anna Smith," in en.text
    assert "consent" in en.text and "about 21 minutes" in en.text
    assert not any("\u0400" <= ch <= "\u04ff" for ch in en.text.replace("Anna Smith", ""))


def test_a_reminder_is_not_worded_as_a_first_invitation() -> None:
    assert "Напоминаем" in invitation("ru", kind="reminder").text
    assert "reminder" in invitation("en", kind="reminder").subject.lower()
    assert "Напоминаем" not in invitation("ru").text


def test_without_a_contact_email_the_candidate_is_sent_to_the_recruiter() -> None:
    content = invitation("en", contact_email=None)
    assert "recruiter" in content.text
    assert not any(h.startswith("mailto:") for h in parse_html(content.html).hrefs)


def test_a_hostile_vacancy_title_is_escaped_in_html_and_flattened_in_text() -> None:
    title = '<script>alert("x")</script> & <a href="https://evil.example">Hunter</a>\r\nBcc: x'
    content = invitation("en", vacancy_title=title, candidate_name="Eve\x00\x1b[31m")
    html = parse_html(content.html)
    assert "script" not in html.tags
    assert "https://evil.example" not in html.hrefs
    assert "&lt;script&gt;" in content.html
    assert '<script>alert("x")</script>' in "".join(html.text)  # shown as text, literally
    # Plain text is not HTML: the title reads as typed, on one line, without control characters.
    assert '<script>alert("x")</script> & <a href="https://evil.example">Hunter</a> Bcc: x' in (
        content.text
    )
    assert "\nBcc:" not in content.text
    assert "\x00" not in content.text and "\x1b" not in content.text
    assert "\n" not in content.subject and "\r" not in content.subject


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "/relative/path", "https://x.example/a b", "https://x\n.ex"]
)
def test_only_absolute_web_links_are_accepted(link: str) -> None:
    with pytest.raises(ValueError, match="link"):
        invitation("ru", link=link)


def test_an_unknown_language_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="language"):
        render_invitation_email(
            language="de",
            candidate_name="A",
            vacancy_title="B",
            company_name="C",
            link=LINK,
            expires_at=datetime(2026, 1, 1, tzinfo=UTC),
            contact_email=None,
            kind="invitation",
            minutes=21,
        )
