"""The report charts: well-formed, accessible SVG whose geometry follows the data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jinja2
import pytest
from markupsafe import Markup

from app.charts import (
    DichotomyBar,
    DichotomyLabels,
    GaugeLabels,
    GaugeReading,
    RoleBar,
    RoleLabels,
    TypeBar,
    TypeLabels,
    dichotomy_bars,
    draw,
    gauge,
    role_ranking,
    type_bars,
)
from app.charts.gauge_chart import band_colour

NS = "{http://www.w3.org/2000/svg}"

DICHOTOMY_LABELS = DichotomyLabels(
    title="Dichotomies",
    borderline="borderline",
    zone="Shaded: borderline zone (25–75%)",
    not_scored="not scored",
)
TYPE_LABELS = TypeLabels(title="Most probable types")
ROLE_LABELS = RoleLabels(
    title="Fit by role", target="target role", margin="+N: points ahead of the next role"
)
GAUGE_LABELS = GaugeLabels(
    title="Introversion – extraversion",
    score="Score",
    probability="{pole}: {percent} probability",
    interval="likely range",
    not_scored="not scored",
)
BANDS = [
    (0.0, 0.3, "Clear introvert"),
    (0.3, 0.45, "Moderate introvert"),
    (0.45, 0.55, "Borderline"),
    (0.55, 0.7, "Moderate extravert"),
    (0.7, 1.0, "Clear extravert"),
]


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{NS}svg"
    return root


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in (e.get("class") or "").split()]


def texts(el: ET.Element) -> list[str]:
    return [t.text or "" for t in el.iter(f"{NS}text")]


def desc(root: ET.Element) -> str:
    found = root.find(f"{NS}desc")
    assert found is not None
    return found.text or ""


def width(rect: ET.Element) -> float:
    return float(rect.get("width", "nan"))


def x(rect: ET.Element) -> float:
    return float(rect.get("x", "nan"))


def dich(p: float | None, *, borderline: bool = False) -> DichotomyBar:
    return DichotomyBar("Introversion", "Extraversion", p, borderline)


def gauge_chart(
    value: float | None, interval: tuple[float, float] | None = None, **kw: Any
) -> ET.Element:
    args: dict[str, Any] = {
        "low_label": "Introversion",
        "high_label": "Extraversion",
        "band_label": "Moderate extravert",
        "p_high": 0.86,
        "bands": BANDS,
    }
    args.update(kw)
    reading = GaugeReading(value=value, **args)
    return parse(gauge(reading, interval=interval, labels=GAUGE_LABELS))


def needle_x(root: ET.Element) -> float:
    (needle,) = by_class(root, "rf-needle")
    assert needle.get("x1") == needle.get("x2")
    return float(needle.get("x1", "nan"))


# Every chart kind, with every caller string set to ``s``, for the escaping tests.
def every_chart(s: str) -> list[Markup]:
    return [
        dichotomy_bars(
            [DichotomyBar(s, s, 0.7, True), DichotomyBar(s, s, None, False)],
            labels=DichotomyLabels(title=s, borderline=s, zone=s, not_scored=s),
        ),
        type_bars([TypeBar(s, 0.6), TypeBar(s, 0.3)], labels=TypeLabels(title=s)),
        role_ranking(
            [RoleBar(s, s, 70), RoleBar("b", s, 50)],
            target=s,
            labels=RoleLabels(title=s, target=s, margin=s),
        ),
        gauge(
            GaugeReading(0.6, s, s, s, p_high=0.7, bands=[(0.0, 0.5, s), (0.5, 1.0, s)]),
            interval=(0.5, 0.7),
            labels=GaugeLabels(title=s, score=s, probability=s, interval=s, not_scored=s),
        ),
    ]


def sample_charts(*, fluid: bool = True) -> list[Markup]:
    return [
        dichotomy_bars(
            [dich(0.8), dich(0.4, borderline=True)], labels=DICHOTOMY_LABELS, fluid=fluid
        ),
        type_bars([TypeBar("ESE — Enthusiast", 0.5)], labels=TYPE_LABELS, fluid=fluid),
        role_ranking(
            [RoleBar("hunter", "Hunter", 70), RoleBar("farmer", "Farmer", 40)],
            target="farmer",
            labels=ROLE_LABELS,
            fluid=fluid,
        ),
        gauge(
            GaugeReading(0.6, "I", "E", "B", p_high=0.7, bands=BANDS),
            interval=(0.5, 0.7),
            labels=GAUGE_LABELS,
            fluid=fluid,
        ),
    ]


# --- accessibility and well-formedness -----------------------------------------------


@pytest.mark.parametrize("index", range(4))
def test_every_chart_is_an_accessible_image_named_and_described(index: int) -> None:
    chart = sample_charts()[index]
    assert isinstance(chart, Markup)
    root = parse(chart)
    assert root.get("role") == "img"
    title = root.find(f"{NS}title")
    description = root.find(f"{NS}desc")
    assert title is not None and title.text
    assert description is not None and description.text
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == description.get("id")
    # the title and description come first, as assistive technology expects
    assert [c.tag for c in root][:2] == [f"{NS}title", f"{NS}desc"]


@pytest.mark.parametrize("index", range(4))
def test_a_chart_is_fluid_for_pages_and_sized_for_print(index: int) -> None:
    fluid = parse(sample_charts(fluid=True)[index])
    fixed = parse(sample_charts(fluid=False)[index])
    assert fluid.get("width") == "100%" and fluid.get("height") is None
    _, _, vb_w, vb_h = (float(v) for v in fixed.get("viewBox", "").split())
    assert (float(fixed.get("width", "0")), float(fixed.get("height", "0"))) == (vb_w, vb_h)
    assert fluid.get("viewBox") == fixed.get("viewBox")


def test_ids_are_unique_across_calls_and_references_stay_inside_their_chart() -> None:
    rendered = sample_charts() + sample_charts()
    ids: list[str] = []
    for chart in rendered:
        root = parse(chart)
        own = [e.get("id", "") for e in root.iter() if e.get("id")]
        ids += own
        refs = re.findall(r"url\(#([^)]+)\)", str(chart))
        refs += (root.get("aria-labelledby") or "").split()
        refs += (root.get("aria-describedby") or "").split()
        assert set(refs) <= set(own)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("index", range(4))
def test_charts_use_no_inline_style_script_or_foreign_content(index: int) -> None:
    root = parse(sample_charts()[index])
    for el in root.iter():
        assert el.tag.removeprefix(NS) not in {"script", "style", "foreignObject", "a", "image"}
        assert "style" not in el.attrib
        assert not [a for a in el.attrib if a.lower().startswith("on")]
        assert "var(" not in " ".join(el.attrib.values())


def test_charts_insert_into_an_autoescaping_template_unescaped() -> None:
    env = jinja2.Environment(autoescape=True)
    chart = sample_charts()[1]
    html = env.from_string("<figure>{{ chart }}</figure>").render(chart=chart)
    assert html == f"<figure>{chart}</figure>"


# --- colours ---------------------------------------------------------------------------


def contrast(a: str, b: str = "#ffffff") -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("index", range(4))
def test_text_has_4_5_to_1_contrast_on_what_it_sits_on(index: int) -> None:
    root = parse(sample_charts()[index])
    for t in root.iter(f"{NS}text"):
        fill = t.get("fill", "")
        # white text is only ever written inside a bar
        background = draw.ACCENT if fill == draw.STRIPE else "#ffffff"
        assert contrast(fill, background) >= 4.5, (t.text, fill)
        if background == "#ffffff":
            # text on the light track or zone must still pass
            assert contrast(fill, draw.ZONE) >= 4.5


def test_bars_needles_and_bands_have_3_to_1_contrast_against_white() -> None:
    colours = {draw.ACCENT, draw.INK, draw.EDGE}
    for chart in sample_charts():
        root = parse(chart)
        for el in by_class(root, "rf-bar") + by_class(root, "rf-band"):
            fill = el.get("fill", "")
            colours.add(el.get("stroke", "") if fill.startswith("url(") else fill)
        colours |= {el.get("stroke", "") for el in by_class(root, "rf-needle")}
    for start, end, _ in BANDS:
        colours.add(band_colour(start, end))
    for colour in colours:
        assert contrast(colour) >= 3, colour


# --- dichotomy bars --------------------------------------------------------------------


def test_a_more_probable_pole_draws_a_longer_bar_from_the_centre() -> None:
    root = parse(dichotomy_bars([dich(0.9), dich(0.6), dich(0.2)], labels=DICHOTOMY_LABELS))
    strong, weak, low = by_class(root, "rf-bar")
    centre = draw.X0 + 0.5 * (draw.X1 - draw.X0)
    assert width(strong) > width(weak)
    # proportional to the distance from 0.5: 0.4 vs 0.1
    assert width(strong) / width(weak) == pytest.approx(4, rel=0.02)
    # towards the high pole (right) or the low pole (left)
    assert x(strong) == pytest.approx(centre, abs=0.1)
    assert x(low) + width(low) == pytest.approx(centre, abs=0.1)
    assert x(low) < centre


def test_each_row_writes_the_more_probable_poles_percentage() -> None:
    root = parse(dichotomy_bars([dich(0.9), dich(0.2), dich(0.999)], labels=DICHOTOMY_LABELS))
    rows = by_class(root, "rf-row")
    assert "90%" in texts(rows[0])
    assert "80%" in texts(rows[1])
    assert "95%" in texts(rows[2])  # never a claim of certainty: 5% steps, at most 95%
    assert "Extraversion 90%" in desc(root)
    assert "Introversion – Extraversion: Introversion 80%" in desc(root)


def test_the_description_names_the_poles_in_full_even_when_the_row_shortens_them() -> None:
    low, high = "Статика: описывает состояния", "Динамика: описывает процессы мира"
    root = parse(dichotomy_bars([DichotomyBar(low, high, 0.3, False)], labels=DICHOTOMY_LABELS))
    shown = texts(by_class(root, "rf-row")[0])
    assert any(t.endswith("…") for t in shown)
    assert desc(root).startswith(f"{low} – {high}: {low} 70%")


def test_the_more_probable_pole_is_written_in_bold() -> None:
    root = parse(dichotomy_bars([dich(0.2)], labels=DICHOTOMY_LABELS))
    bold = [t.text for t in root.iter(f"{NS}text") if t.get("font-weight") == "bold"]
    assert "Introversion" in bold and "Extraversion" not in bold


def test_an_unscored_dichotomy_says_so_and_draws_no_bar() -> None:
    root = parse(
        dichotomy_bars([dich(None), dich(float("nan")), dich(0.7)], labels=DICHOTOMY_LABELS)
    )
    first, second, third = by_class(root, "rf-row")
    for row in (first, second):
        assert "not scored" in texts(row)
        assert not by_class(row, "rf-bar")
    assert by_class(third, "rf-bar") and "not scored" not in texts(third)
    assert "Introversion – Extraversion: not scored" in desc(root)


def test_a_borderline_row_is_marked_in_words_and_the_zone_is_shaded() -> None:
    root = parse(dichotomy_bars([dich(0.6, borderline=True), dich(0.9)], labels=DICHOTOMY_LABELS))
    marked, clear = by_class(root, "rf-row")
    assert "borderline" in texts(marked)
    assert "borderline" not in texts(clear)
    assert "Extraversion 60%, borderline" in desc(root)
    zone = [r for r in marked.iter(f"{NS}rect") if r.get("fill") == draw.ZONE]
    (shade,) = zone
    span = draw.X1 - draw.X0
    assert x(shade) == pytest.approx(draw.X0 + 0.25 * span, abs=0.1)
    assert width(shade) == pytest.approx(0.5 * span, abs=0.1)


def test_dichotomy_bars_reject_impossible_probabilities() -> None:
    with pytest.raises(ValueError, match="p_high"):
        dichotomy_bars([dich(1.2)], labels=DICHOTOMY_LABELS)
    with pytest.raises(ValueError, match="at least one"):
        dichotomy_bars([], labels=DICHOTOMY_LABELS)
    with pytest.raises(ValueError, match="zone"):
        dichotomy_bars([dich(0.6)], labels=DICHOTOMY_LABELS, zone=(0.6, 0.9))


# --- type bars -------------------------------------------------------------------------


def test_types_are_drawn_most_probable_first_and_only_the_top_ones() -> None:
    rows = [TypeBar(f"T{i}", p) for i, p in enumerate([0.05, 0.4, 0.1, 0.3, 0.02, 0.13])]
    root = parse(type_bars(rows, labels=TYPE_LABELS, top=4))
    bars = by_class(root, "rf-bar")
    assert len(bars) == 4
    widths = [width(b) for b in bars]
    assert widths == sorted(widths, reverse=True)
    assert [texts(r)[0] for r in by_class(root, "rf-row")] == ["T1", "T3", "T5", "T2"]
    assert texts(by_class(root, "rf-row")[0])[1] == "40%"
    # on an absolute 0..100% scale: 0.4 is twice 0.2, not "the longest bar"
    assert widths[0] / widths[1] == pytest.approx(0.4 / 0.3, rel=0.02)
    assert desc(root) == "T1 40%; T3 30%; T5 15%; T2 10%."  # shown in 5% steps


def test_type_bars_reject_a_missing_probability_and_a_zero_top() -> None:
    with pytest.raises(ValueError):
        type_bars([TypeBar("ESE", float("nan"))], labels=TYPE_LABELS)
    with pytest.raises(ValueError, match="top"):
        type_bars([TypeBar("ESE", 0.5)], labels=TYPE_LABELS, top=0)


# --- role ranking ----------------------------------------------------------------------

ROLES = [
    RoleBar("farmer", "Client manager (farmer)", 60.4),
    RoleBar("hunter", "Hunter", 72.2),
    RoleBar("closer", "Closer", 59.6),
    RoleBar("scout", "Scout", 31.0),
]


def test_the_role_ranked_first_has_the_longest_bar_and_leads_are_written() -> None:
    root = parse(role_ranking(ROLES, target=None, labels=ROLE_LABELS))
    rows = by_class(root, "rf-row")
    widths = [width(by_class(r, "rf-bar")[0]) for r in rows]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[1]
    assert texts(rows[0])[:2] == ["1.", "Hunter"]
    # leads are differences of the shown (rounded) fits: 72-60, 60-60, 60-31
    assert texts(rows[0])[-2:] == ["72", "+12"]
    assert texts(rows[1])[-2:] == ["60", "+0"]
    assert texts(rows[2])[-2:] == ["60", "+29"]
    assert texts(rows[3])[-1] == "31"  # the last has nobody to lead
    assert desc(root).startswith("1. Hunter 72 (+12); 2. Client manager (farmer) 60 (+0);")


def test_the_target_role_is_hatched_outlined_and_labelled() -> None:
    root = parse(role_ranking(ROLES, target="farmer", labels=ROLE_LABELS))
    rows = by_class(root, "rf-row")
    (target,) = by_class(root, "rf-target")
    assert target in list(rows[1].iter())
    assert target.get("fill", "").startswith("url(#")  # a pattern, not just a colour
    assert target.get("stroke") == draw.INK
    assert "target role" in texts(rows[1])
    assert all("target role" not in texts(r) for r in rows if r is not rows[1])
    assert "Client manager (farmer) 60 (+0), target role" in desc(root)
    # the legend explains the pattern and the figures
    assert "target role" in texts(root)[-2:] and ROLE_LABELS.margin in texts(root)[-1:]


def test_several_target_roles_are_all_highlighted_and_none_without_a_target() -> None:
    both = parse(role_ranking(ROLES, target=["farmer", "closer"], labels=ROLE_LABELS))
    assert len(by_class(both, "rf-target")) == 2
    none = parse(role_ranking(ROLES, target=None, labels=ROLE_LABELS))
    assert not by_class(none, "rf-target")
    assert "target role" not in texts(none)
    unknown = parse(role_ranking(ROLES, target="director", labels=ROLE_LABELS))
    assert not by_class(unknown, "rf-target") and "target role" not in texts(unknown)


def test_a_long_name_moves_the_target_tag_to_its_own_line_instead_of_overlapping() -> None:
    rows = [RoleBar("farmer", "Клиентский менеджер (фермер) по ключевым клиентам", 70)]
    root = parse(role_ranking(rows, target="farmer", labels=ROLE_LABELS))
    name = next(t for t in root.iter(f"{NS}text") if (t.text or "").startswith("Клиент"))
    tag = next(t for t in root.iter(f"{NS}text") if t.text == "target role")
    assert float(tag.get("y", "0")) > float(name.get("y", "0"))


def test_role_ranking_rejects_fits_outside_0_to_100() -> None:
    with pytest.raises(ValueError, match="fit"):
        role_ranking([RoleBar("hunter", "Hunter", 101)], target=None, labels=ROLE_LABELS)


# --- gauge -----------------------------------------------------------------------------


def test_the_needle_follows_the_value() -> None:
    xs = [needle_x(gauge_chart(v)) for v in (0.0, 0.25, 0.72, 1.0)]
    assert xs == sorted(xs)
    span = draw.X1 - draw.X0
    for v, nx in zip((0.0, 0.25, 0.72, 1.0), xs, strict=True):
        assert nx == pytest.approx(draw.X0 + v * span, abs=0.1)
    root = gauge_chart(0.72)
    assert "72" in texts(root)
    assert desc(root) == (
        "Introversion – extraversion: Score 72 / 100, Moderate extravert; "
        "Extraversion: 85% probability."
    )


def test_the_gauge_draws_the_callers_bands_and_bolds_the_current_one() -> None:
    root = gauge_chart(0.5, band_label="Borderline")
    bands = by_class(root, "rf-band")
    span = draw.X1 - draw.X0
    assert [round((x(b) - draw.X0) / span, 3) for b in bands] == [0, 0.3, 0.45, 0.55, 0.7]
    bold = [t.text for t in root.iter(f"{NS}text") if t.get("font-weight") == "bold"]
    assert "Borderline" in bold and "Clear introvert" not in bold
    assert {"0", "30", "45", "55", "70", "100"} <= set(texts(root))


def test_the_callers_band_is_bolded_even_where_its_rule_puts_an_edge_differently() -> None:
    # the caller's bands include the upper edge in the lower band: 0.3 is still introvert
    root = gauge_chart(0.3, band_label="Clear introvert")
    bold = [t.text for t in root.iter(f"{NS}text") if t.get("font-weight") == "bold"]
    assert "Clear introvert" in bold and "Moderate introvert" not in bold


def test_edge_numbers_that_would_collide_are_left_out() -> None:
    bands = [(0.0, 0.48, "a"), (0.48, 0.5, "b"), (0.5, 0.97, "c"), (0.97, 1.0, "d")]
    root = gauge_chart(0.5, bands=bands)
    numbers = [t.text for t in root.iter(f"{NS}text") if t.get("font-size") == "12"]
    assert numbers[0] == "0" and numbers[-1] == "100"
    assert "48" in numbers and "50" not in numbers and "97" not in numbers


def test_the_whisker_spans_the_interval() -> None:
    root = gauge_chart(0.6, interval=(0.5, 0.7))
    (whisker,) = by_class(root, "rf-whisker")
    span = draw.X1 - draw.X0
    assert float(whisker.get("x1", "0")) == pytest.approx(draw.X0 + 0.5 * span, abs=0.1)
    assert float(whisker.get("x2", "0")) == pytest.approx(draw.X0 + 0.7 * span, abs=0.1)
    assert "likely range 50–70" in desc(root)
    assert not by_class(gauge_chart(0.6), "rf-whisker")


def test_an_unscored_gauge_says_so_and_has_no_needle() -> None:
    root = gauge_chart(None, p_high=None)
    assert not by_class(root, "rf-needle")
    assert "not scored" in texts(root)
    assert desc(root) == "Introversion – extraversion: not scored."


def test_the_probability_names_the_more_probable_pole() -> None:
    root = gauge_chart(0.3, p_high=0.2, band_label="Moderate introvert")
    assert "Introversion: 80% probability" in texts(root)


def test_gauge_rejects_bands_that_do_not_tile_the_scale() -> None:
    with pytest.raises(ValueError, match="cover"):
        gauge_chart(0.5, bands=[(0.1, 1.0, "x")])
    with pytest.raises(ValueError, match="contiguous"):
        gauge_chart(0.5, bands=[(0.0, 0.4, "a"), (0.5, 1.0, "b")])
    with pytest.raises(ValueError, match="interval"):
        gauge_chart(0.5, interval=(0.7, 0.5))


# --- hostile text ----------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"onload="alert(1)',
    "' onmouseover='alert(1)",
    "Tom & Jerry <b>&amp;</b>",
    "\x00\x1b[31mred\x07\x7f\x85",
    "a\u202eevil\u2066\ufeff\ud800",
    "]]><svg onload=alert(1)>",
    "Ж" * 5000,
]


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("make", range(4))
def test_hostile_labels_come_out_as_harmless_text(hostile: str, make: int) -> None:
    chart = str(every_chart(hostile)[make])
    root = parse(chart)  # still well-formed XML
    for el in root.iter():
        assert el.tag.startswith(NS)
        assert el.tag.removeprefix(NS) not in {"script", "foreignObject", "style", "b"}
        assert not [a for a in el.attrib if a.lower().startswith("on")]
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", chart)
    cleaned = draw.clean(hostile)
    if len(cleaned) < 40:  # a short string survives as visible text, escaped on output
        assert cleaned in texts(root) or cleaned in desc(root)
    assert "<script" not in chart
    # a 5,000-character name is cut down, not laid out in full
    assert len(chart) < 12_000


def test_control_characters_are_removed_and_whitespace_collapsed() -> None:
    assert draw.clean("  Ann\x00a\x1b\tLee\n\u202e ") == "Anna Lee"
    assert draw.clean("Ж" * 5000) == "Ж" * (draw.MAX_TEXT - 1) + "…"


def test_markup_labels_are_drawn_as_the_text_they_show() -> None:
    label = Markup("%s <em>and</em> R&D") % "A & B"  # as a gettext call with a variable gives
    root = parse(type_bars([TypeBar(label, 0.5)], labels=TYPE_LABELS))
    assert texts(root)[0] == "A & B and R&D"


def test_a_label_too_long_for_its_row_is_shortened_with_an_ellipsis() -> None:
    long = "Очень длинное название типа, которое не помещается в строку графика"
    root = parse(type_bars([TypeBar(long, 0.5)], labels=TYPE_LABELS))
    (shown,) = [t for t in texts(root) if t.startswith("Очень")]
    assert shown.endswith("…") and len(shown) < len(long)
    assert long in desc(root)  # the description keeps the whole name


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@pytest.mark.parametrize(
    ("bold", "file"), [(False, "DejaVuSans.ttf"), (True, "DejaVuSans-Bold.ttf")]
)
def test_text_widths_are_the_fonts_advance_widths(bold: bool, file: str) -> None:
    ttlib = pytest.importorskip("fontTools.ttLib")
    if not (DEJAVU / file).exists():
        pytest.skip(f"{DEJAVU / file} is not installed")
    font = ttlib.TTFont(DEJAVU / file)
    cmap, hmtx, upm = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    for code in [*range(0x20, 0x7F), *range(0x400, 0x460), *draw._PUNCTUATION]:
        advance = hmtx[cmap[code]][0] / upm * 100
        assert draw.text_width(chr(code), 100, bold) == pytest.approx(advance, abs=0.5), hex(code)
    # outside the tables: at least as wide as any accented Latin letter
    for code in range(0xC0, 0x180):
        if code in cmap:
            assert draw.text_width(chr(code), 100, bold) >= hmtx[cmap[code]][0] / upm * 100 - 0.5
