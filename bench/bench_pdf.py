"""Benchmark: one full fit report as a PDF against a one-page WeasyPrint letter.

Builds a real report (bench/_report_fixture.py) and checks its PDF first: the text holds the
candidate's Cyrillic name, every section and "стр. 1 из N". Then, in the same process and
interleaved round by round (so a change in the machine's load hits both alike), renders
20 times each:

- the report, with ``app.exports.pdf.render_report_pdf`` (template, charts, WeasyPrint);
- the baseline: ``LETTER``, a one-page letter (a heading, a date and address, five
  paragraphs of plain text, a signature; about 200 words, half a page) in the report's font,
  size, line height and page margins, checked to be one page;
- for reference only, ``TINY``: the earlier baseline, a heading and one sentence.

Both documents get the same per-process reuse the export has (a ``FontConfiguration`` made
once; the report's parsed stylesheet is cached by ``app.exports.pdf``). Prints the medians of
the wall times (and of the process CPU times, steadier on a shared machine), the ratios and
the load average. Target: report / letter <= 3.
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
    "Интроверсия (I) >99%",
    "ESI — Хранитель >99%",
    "(+25) · 1.",
    "Явный интроверт",
    "Почему",
    "Ответы даны очень быстро",
    "Чек-лист клиентского менеджера",
    "Вопросы для собеседования",
    "socionics_16 v1.0.0",
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
    pdf = render_report_pdf(report)
    if shutil.which("pdftotext"):
        text = pdf_text(pdf)
        pages = text.count("\f")
        flat = " ".join(text.split())
        missing = [w for w in [*MUST_READ, f"стр. 1 из {pages}"] if w not in flat]
        assert not missing, (missing, flat[:500])
        words = len(pdf_text(HTML(string=LETTER).write_pdf(font_config=fonts)).split())
        print(f"report: {pages} pages, {len(pdf) / 1024:.0f} KB; letter: 1 page, {words} words")
    print(f"load average before: {loadavg()} ({os.cpu_count()} cores)")
    result = medians(
        {
            "report": lambda: render_report_pdf(report),
            "letter": lambda: HTML(string=LETTER).write_pdf(font_config=fonts),
            "tiny": lambda: HTML(string=TINY).write_pdf(font_config=fonts),
        }
    )
    print(f"load average after:  {loadavg()}")
    for name, label in [("report", "full report"), ("letter", "one-page letter"), ("tiny", "tiny")]:
        wall, cpu = result[name]
        print(f"{label:16s} median {wall:6.1f} ms wall, {cpu:6.1f} ms CPU over {RUNS}")
    ratio = result["report"][0] / result["letter"][0]
    cpu_ratio = result["report"][1] / result["letter"][1]
    tiny_ratio = result["report"][0] / result["tiny"][0]
    print(f"report / tiny (reference): {tiny_ratio:.2f}x")
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"report / letter: {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (target <= 3x): {verdict}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
