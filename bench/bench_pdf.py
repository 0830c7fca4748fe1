"""Benchmark: one full fit report as a PDF against a one-page WeasyPrint document.

Builds a real report (bench/_report_fixture.py) and checks its PDF first: the text holds the
candidate's Cyrillic name, every section and "стр. 1 из N". Then, in the same process and
interleaved round by round (so a change in the machine's load hits both alike), renders
20 times each:

- the report, with ``app.exports.pdf.render_report_pdf`` (template, charts, WeasyPrint);
- the baseline: ``FULL_PAGE``, one page of text in the report's font, size, line height and
  page margins (a letter: a heading, a date and address, two subheadings, nine paragraphs,
  a signature), checked to be one page with 85-100% of its height used;
- for reference only: ``LETTER``, the same letter without its second half (half a page), and
  ``TINY``, the first baseline (a heading and one sentence). Their ratios are printed too.

Both documents get the same per-process reuse the export has (a ``FontConfiguration`` made
once; the report's parsed stylesheet is cached by ``app.exports.pdf``). Prints the medians of
the wall times (and of the process CPU times, steadier on a shared machine), the ratios and
the load average. Target: report / one full page <= 3.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _report_fixture import completed_invitation
from sqlmodel import Session
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from app.exports.pdf import render_report_pdf
from app.reports.build import build_report

RUNS = 20
TARGET_RATIO = 3.0
LETTER = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Приглашение на собеседование</title>
<style>
@page { size: A4; margin: 18mm 16mm; }
html { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.4; color: #1b1f24; }
h1 { font-size: 16pt; margin: 0 0 4mm; }
p { margin: 0 0 3mm; }
</style></head>
<body>
<p>ООО «Северный торговый дом»<br>Москва, ул. Летниковская, 10</p>
<p>26 ноября 2026 г.</p>
<h1>Приглашение на собеседование</h1>
<p>Уважаемая Анна Петровна!</p>
<p>Благодарим вас за отклик на вакансию клиентского менеджера и за время, которое вы уделили
нашим опросникам. Мы внимательно прочитали ваши ответы и резюме и хотели бы познакомиться с вами
лично.</p>
<p>Предлагаем встретиться во вторник, 1 декабря, в 11:00 в нашем офисе на Летниковской улице.
Разговор займёт около часа: мы расскажем о команде, клиентах и задачах на первые полгода, а вы
сможете задать любые вопросы об условиях работы, графике и обучении. Если время неудобно, ответьте
на это письмо, и мы подберём другое.</p>
<p>На встрече мы попросим вас рассказать о двух-трёх клиентах, с которыми вы работали дольше всего:
как начиналось сотрудничество, что помогало его сохранить и какие трудности приходилось решать.
Заранее готовить презентацию не нужно, достаточно примеров из вашего опыта.</p>
<p>Пожалуйста, возьмите с собой паспорт для оформления пропуска. Вход со стороны двора, на ресепшене
назовите свою фамилию, вас проводят в переговорную на третьем этаже. Ближайшая станция метро —
«Павелецкая», от неё около десяти минут пешком.</p>
<p>Если у вас появятся вопросы до встречи, звоните по телефону +7 495 000-00-00 или пишите на
адрес hr@example.com. Будем рады знакомству.</p>
<p>С уважением,<br>Мария Соколова<br>руководитель отдела подбора</p>
</body></html>
"""
# The same letter grown to fill its page (checked: one page, 85-100% of its height used) -- the
# most literal "one-page document": WeasyPrint's cost for a page of text in the report's style.
FULL_PAGE = LETTER.replace(
    "<p>С уважением,",
    """<h2>Как пройдёт встреча</h2>
<p>Сначала руководитель отдела расскажет, как устроена работа с клиентами: кто ведёт первые
переговоры, кто сопровождает договор и как распределяются обязанности внутри команды. Затем мы
попросим вас описать несколько рабочих ситуаций и вместе обсудим, как бы вы в них поступили.</p>
<p>Во второй части встречи вы познакомитесь с коллегами, с которыми предстоит работать каждый день,
и увидите рабочее место. Мы покажем систему учёта клиентов и отчёты, которые готовит отдел, чтобы
у вас сложилось представление о ежедневных задачах.</p>
<h2>Что будет дальше</h2>
<p>В течение трёх рабочих дней после встречи мы сообщим о нашем решении по электронной почте.
Если мы продолжим общение, следующим шагом станет короткая встреча с директором по продажам и
обсуждение условий. Ваши ответы на опросники хранятся только до завершения подбора и
используются исключительно для этой вакансии.</p>
<p>Если вы решите не продолжать, просто сообщите нам об этом ответным письмом: мы удалим ваши
данные и не будем беспокоить вас повторно.</p>
<p>С уважением,""",
)
TINY = (
    "<html><body style='font-family: DejaVu Sans'><h1>Отчёт</h1>"
    "<p>Одна страница текста для сравнения. One page of text.</p></body></html>"
)
# What the report must show (a few words from each part), checked before timing.
MUST_READ = [
    "Анна Петрова-Щукина",
    "Рекомендуемая позиция",
    "Соответствие целевой роли",
    "Насколько надёжно",
    "Интроверсия (I) 95%",
    "ЭСИ — Хранитель 95%",
    "(+23) · 1.",
    "Явный интроверт",
    "Почему",
    "Ответы даны очень быстро",
    "Чек-лист клиентского менеджера",
    "Вопросы для собеседования",
    "Соционический опросник: 16 типов, версия",
    "Эта рекомендация",
]


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        Path(fh.name).write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", fh.name, "-"], capture_output=True, text=True, check=True
        ).stdout


def page_fill(html: str) -> tuple[int, float]:
    """Pages of ``html``, and how much of the first page's height its lines use."""
    doc = HTML(string=html).render()
    box = doc.pages[0]._page_box

    def boxes(b: object):
        yield b
        for child in getattr(b, "children", None) or []:
            yield from boxes(child)

    top = box.content_box_y()
    bottom = max(b.position_y + b.height for b in boxes(box) if type(b).__name__ == "LineBox")
    return len(doc.pages), (bottom - top) / box.height


def medians(fns: dict[str, Callable[[], object]]) -> dict[str, tuple[float, float]]:
    """Median wall and CPU milliseconds of each function, run in turn RUNS times."""
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()  # warm-up: fonts, caches, the stylesheet
    for _ in range(RUNS):
        for name, fn in fns.items():
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name].append((time.perf_counter() - w0) * 1000)
            cpu[name].append((time.process_time() - c0) * 1000)
    return {k: (statistics.median(wall[k]), statistics.median(cpu[k])) for k in fns}


def main() -> int:
    with completed_invitation() as (engine, invitation_id), Session(engine) as session:
        report = build_report(session, invitation_id=invitation_id, language="ru")
    fonts = FontConfiguration()
    letter_pages = len(HTML(string=LETTER).render(font_config=fonts).pages)
    assert letter_pages == 1, f"the baseline letter has {letter_pages} pages"
    full_pages, fill = page_fill(FULL_PAGE)
    assert full_pages == 1 and 0.85 <= fill <= 1, (full_pages, fill)
    pdf = render_report_pdf(report)
    if shutil.which("pdftotext"):
        text = pdf_text(pdf)
        pages = text.count("\f")
        flat = " ".join(text.split())
        missing = [w for w in [*MUST_READ, f"стр. 1 из {pages}"] if w not in flat]
        assert not missing, (missing, flat[:500])
        words = len(pdf_text(HTML(string=LETTER).write_pdf(font_config=fonts)).split())
        print(
            f"report: {pages} pages, {len(pdf) / 1024:.0f} KB; one full page: {fill:.0%} of its"
            f" height used; letter: half a page, {words} words"
        )
    print(f"load average before: {loadavg()} ({os.cpu_count()} cores)")
    result = medians(
        {
            "report": lambda: render_report_pdf(report),
            "full page": lambda: HTML(string=FULL_PAGE).write_pdf(font_config=fonts),
            "letter": lambda: HTML(string=LETTER).write_pdf(font_config=fonts),
            "tiny": lambda: HTML(string=TINY).write_pdf(font_config=fonts),
        }
    )
    print(f"load average after:  {loadavg()}")
    labels = {
        "report": "full report",
        "full page": "one full page",
        "letter": "half-page letter",
        "tiny": "tiny",
    }
    for name, label in labels.items():
        wall, cpu = result[name]
        print(f"{label:17s} median {wall:6.1f} ms wall, {cpu:6.1f} ms CPU over {RUNS}")
    for name in ("letter", "tiny"):
        print(f"report / {labels[name]} (reference): {result['report'][0] / result[name][0]:.2f}x")
    ratio = result["report"][0] / result["full page"][0]
    cpu_ratio = result["report"][1] / result["full page"][1]
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"report / one full page: {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (target <= 3x): {verdict}"
    )
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
