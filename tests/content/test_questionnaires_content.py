"""Content rules of the product's two questionnaires, checked on the YAML files themselves.

The schema (questionnaires/schema.py) guarantees the format; these tests guard what a reviewer
agreed on: balanced keying, every text in both languages, attention checks the candidate can
actually pass, consistency pairs that really oppose each other, an honest time estimate.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import groupby
from pathlib import Path

import pytest

from questionnaires import Questionnaire, load_questionnaire
from questionnaires.engine import item_gain, score
from questionnaires.schema import AgreementItem, BipolarItem, ForcedChoiceItem, Text
from questionnaires.timing import questionnaire_minutes

HERE = Path(__file__).resolve().parents[2] / "questionnaires"
IE_PATH = HERE / "introversion_extraversion.yaml"
SOCIONICS_PATH = HERE / "socionics_16.yaml"

AnyItem = AgreementItem | BipolarItem | ForcedChoiceItem

# Seconds a candidate needs per item kind: a five-point statement is read and answered in about
# 10 s; a bipolar pair or a forced choice means reading two statements, about 15 s.
SECONDS_PER_KIND = {"agreement": 10, "bipolar": 15, "forced_choice": 15}

# The socionics engineer relies on these ids and pole codes: (scale, low, high).
SOCIONICS_DICHOTOMIES = {
    "EI": ("extraversion_s", "I", "E"),
    "SN": ("intuition", "S", "N"),
    "LF": ("logic", "F", "L"),
    "RI": ("rationality", "P", "J"),
}

# Well-known statements of public inventories (IPIP Big Five markers, NPI, OEJTS and the
# usual Russian renderings). A cheap guard: none of our texts may contain them.
PUBLIC_PHRASES = [
    "i am the life of the party",
    "life of the party",
    "i don't talk a lot",
    "i feel comfortable around people",
    "i start conversations",
    "i keep in the background",
    "i have little to say",
    "i don't mind being the center of attention",
    "i am quiet around strangers",
    "i talk to a lot of different people at parties",
    "i like to be the center of attention",
    "i am going to be a great person",
    "makes lists",
    "relies on memory",
    "hard to get to know",
    "душа компании",
    "люблю быть в центре внимания",
    "чувствую себя комфортно среди людей",
    "мне есть что сказать",
]

# What the desirability review (2.0.0) took out, so it does not creep back: comfort and
# working-condition demands, admitted procrastination, "deal terms are secondary", and calling vs
# writing (questionnaires/README.md, "Item-writing rules"). A cheap guard, not the review itself.
REVIEWED_OUT = [
    "тихом кабинете",
    "отдельном кабинете",
    "quiet room of my own",
    "хороший стул",
    "good chair",
    "температур",
    "temperature",
    "удобная гостиница",
    "comfortable hotel",
    "рывками",
    "in bursts",
    "перед сроком",
    "before the deadline",
    "вторичн",
    "come second",
    "чем написать",
    "чем позвонить",
    "than write to",
    "than phone them",
]

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# Negations that would make a reverse-keyed statement a double negative to disagree with.
NEGATION_RU = re.compile(r"(?<![А-Яа-яЁё])(не|ни|нет)(?![А-Яа-яЁё])", re.IGNORECASE)
NEGATION_EN = re.compile(r"\b(not|no|never|nobody|nothing)\b|n't\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def ie() -> Questionnaire:
    return load_questionnaire(IE_PATH)


@pytest.fixture(scope="module")
def soc() -> Questionnaire:
    return load_questionnaire(SOCIONICS_PATH)


def scale_of(item: AnyItem) -> str | None:
    if isinstance(item, ForcedChoiceItem):
        scales = {o.scale for o in item.options if o.scale is not None}
        assert len(scales) <= 1, f"{item.id}: a forced choice between two scales"
        return scales.pop() if scales else None
    return item.scale


def scored(q: Questionnaire) -> list[AnyItem]:
    return [i for i in q.items if i.attention_check is None]


def keyed_high(q: Questionnaire, item: AnyItem) -> bool:
    """Whether the item's 'first' reading points to the high pole.

    Agreement: agreeing scores high. Bipolar: the right statement scores high. Forced choice:
    the first option scores high. Balanced keying means half the items of a scale each way.
    """
    scale = scale_of(item)
    assert scale is not None
    gains = item_gain(q, item, scale)
    return gains[-1] > gains[0] if not isinstance(item, ForcedChoiceItem) else gains[0] > gains[1]


def texts(item: AnyItem) -> list[Text]:
    if isinstance(item, AgreementItem):
        return [t for t in [item.text] if t is not None]
    if isinstance(item, BipolarItem):
        return [t for t in [item.left, item.right] if t is not None]
    found = [item.prompt] if item.prompt is not None else []
    return found + [o.text for o in item.options if o.text is not None]


def all_texts(q: Questionnaire) -> list[Text]:
    found = [t for t in [q.title, q.description] if t is not None]
    for s in q.scales:
        if s.name is not None:
            found.append(s.name)
    for d in q.dichotomies:
        found += [p.name for p in (d.low, d.high) if p.name is not None]
    for item in q.items:
        found += texts(item)
    return found


def page_of(q: Questionnaire, item_id: str) -> int:
    for n, page in enumerate(q.pages()):
        if item_id in page:
            return n
    raise KeyError(item_id)


def estimated_minutes(q: Questionnaire) -> float:
    return sum(SECONDS_PER_KIND[i.kind] for i in q.items) / 60


def answers_leaning(q: Questionnaire, high: dict[str, bool], *, strong: bool) -> dict[str, int]:
    """A respondent who leans to one pole on every scale, passing every attention check.

    ``strong`` answers at the end of each item; otherwise one step in from it (forced choices
    have no such step and always take the pole's option).
    """
    answers: dict[str, int] = {}
    for item in q.items:
        if item.attention_check is not None:
            answers[item.id] = item.attention_check.expected
            continue
        scale = scale_of(item)
        assert scale is not None
        gains = item_gain(q, item, scale)
        codes = sorted(range(1, len(gains) + 1), key=lambda c: gains[c - 1], reverse=high[scale])
        answers[item.id] = codes[0] if strong or len(codes) == 2 else codes[1]
    return answers


def normalized(s: str) -> str:
    return " ".join(re.sub(r"[^\w'’ ]+", " ", s.lower().replace("’", "'")).split())


@pytest.mark.parametrize("path", [IE_PATH, SOCIONICS_PATH], ids=lambda p: p.stem)
def test_the_questionnaire_file_loads(path: Path) -> None:
    q = load_questionnaire(path)
    assert q.id == path.stem
    assert q.version == {"introversion_extraversion": "2.1.0", "socionics_16": "2.1.0"}[q.id]


@pytest.mark.parametrize("path", [IE_PATH, SOCIONICS_PATH], ids=lambda p: p.stem)
def test_every_text_is_given_in_russian_and_english(path: Path) -> None:
    q = load_questionnaire(path)
    assert q.title is not None and q.description is not None
    for text in all_texts(q):
        assert text.ru.strip() and text.en.strip()
        assert CYRILLIC.search(text.ru), f"Russian text without Cyrillic: {text.ru!r}"
        assert not CYRILLIC.search(text.en), f"English text with Cyrillic: {text.en!r}"
    for fmt in q.response_formats.values():
        assert fmt.labels is not None
        assert all(CYRILLIC.search(label) for label in fmt.labels["ru"])
        assert not any(CYRILLIC.search(label) for label in fmt.labels["en"])
        assert len(set(fmt.labels["ru"])) == len(set(fmt.labels["en"])) == fmt.points


def test_no_text_repeats_within_or_across_questionnaires(
    ie: Questionnaire, soc: Questionnaire
) -> None:
    for lang in ("ru", "en"):
        seen = Counter(
            normalized(t.get(lang)) for q in (ie, soc) for item in q.items for t in texts(item)
        )
        repeated = [t for t, n in seen.items() if n > 1]
        assert not repeated, f"{lang}: {repeated}"


@pytest.mark.parametrize("path", [IE_PATH, SOCIONICS_PATH], ids=lambda p: p.stem)
def test_no_item_contains_a_well_known_public_statement(path: Path) -> None:
    q = load_questionnaire(path)
    for item in q.items:
        for text in texts(item):
            for lang in ("ru", "en"):
                body = normalized(text.get(lang))
                hits = [p for p in PUBLIC_PHRASES if normalized(p) in body]
                assert not hits, f"{item.id} ({lang}) repeats public items: {hits}"


@pytest.mark.parametrize("path", [IE_PATH, SOCIONICS_PATH], ids=lambda p: p.stem)
def test_no_item_brings_back_what_the_desirability_review_removed(path: Path) -> None:
    q = load_questionnaire(path)
    for item in q.items:
        for text in texts(item):
            for lang in ("ru", "en"):
                body = text.get(lang).lower()
                hits = [p for p in REVIEWED_OUT if p.lower() in body]
                assert not hits, f"{item.id} ({lang}): {hits}"


@pytest.mark.parametrize("path", [IE_PATH, SOCIONICS_PATH], ids=lambda p: p.stem)
def test_reverse_keyed_statements_hold_no_negation(path: Path) -> None:
    q = load_questionnaire(path)
    for item in scored(q):
        if isinstance(item, AgreementItem) and item.reverse:
            assert item.text is not None
            assert not NEGATION_RU.search(item.text.ru), f"{item.id}: {item.text.ru}"
            assert not NEGATION_EN.search(item.text.en), f"{item.id}: {item.text.en}"


@pytest.mark.parametrize("path", [IE_PATH, SOCIONICS_PATH], ids=lambda p: p.stem)
def test_every_scored_item_spans_the_same_four_point_range(path: Path) -> None:
    # A forced choice then weighs like a five-point item, and the midpoint cut (cut: null) is
    # the neutral point of the whole scale.
    q = load_questionnaire(path)
    for item in scored(q):
        scale = scale_of(item)
        assert scale is not None
        gains = item_gain(q, item, scale)
        assert max(gains) - min(gains) == 4, f"{item.id}: gains {gains}"
    for d in q.dichotomies:
        assert d.cut is None


@pytest.mark.parametrize("path", [IE_PATH, SOCIONICS_PATH], ids=lambda p: p.stem)
def test_attention_checks_name_the_answer_they_expect(path: Path) -> None:
    q = load_questionnaire(path)
    checks = [i for i in q.items if i.attention_check is not None]
    for item in checks:
        assert scale_of(item) is None, f"{item.id}: an attention check must not be scored"
        expected = item.attention_check.expected if item.attention_check else 0
        if isinstance(item, AgreementItem):
            labels = q.response_formats[item.response].labels
            assert labels is not None and item.text is not None
            assert labels["ru"][expected - 1] in item.text.ru
            assert labels["en"][expected - 1] in item.text.en
            # A straight-liner at either end, or one always answering in the middle, fails it.
            assert expected not in (1, 3, q.points_of(item))
        elif isinstance(item, BipolarItem):
            assert expected in (1, 5), "a bipolar check asks for one end"
    pages = [page_of(q, i.id) for i in checks]
    assert len(set(pages)) == len(pages), "attention checks share a page"
    assert 0 not in pages, "no attention check on the first page"


@pytest.mark.parametrize("path", [IE_PATH, SOCIONICS_PATH], ids=lambda p: p.stem)
def test_consistency_pairs_oppose_items_of_one_scale_from_different_pages(path: Path) -> None:
    q = load_questionnaire(path)
    used: list[str] = []
    for pair in q.consistency_pairs:
        a, b = (q.item(i) for i in pair.items)
        assert a.attention_check is None and b.attention_check is None
        assert scale_of(a) == scale_of(b) is not None, pair.items
        assert keyed_high(q, a) != keyed_high(q, b), f"{pair.items} are keyed the same way"
        assert page_of(q, a.id) != page_of(q, b.id), f"{pair.items} on one page"
        used += pair.items
    assert len(set(used)) == len(used), "an item is in two consistency pairs"


@pytest.mark.parametrize("path", [IE_PATH, SOCIONICS_PATH], ids=lambda p: p.stem)
def test_the_time_estimate_is_the_items_at_the_documented_pace(path: Path) -> None:
    q = load_questionnaire(path)
    assert questionnaire_minutes(q) == math.ceil(estimated_minutes(q))


@pytest.mark.parametrize("strong", [True, False], ids=["strong", "moderate"])
def test_a_consistent_extravert_or_introvert_is_typed_so_without_flags(
    ie: Questionnaire, strong: bool
) -> None:
    for is_e, pole in ((True, "E"), (False, "I")):
        result = score(ie, answers_leaning(ie, {"extraversion": is_e}, strong=strong))
        assert result.dichotomies["EI"].pole == pole
        assert not result.quality.flags


# --- introversion / extraversion ---


def test_ie_has_at_least_24_statements_exactly_half_reversed(ie: Questionnaire) -> None:
    items = scored(ie)
    assert len(items) >= 24
    assert all(isinstance(i, AgreementItem) and i.scale == "extraversion" for i in items)
    keys = Counter(keyed_high(ie, i) for i in items)
    assert keys[True] == keys[False] == len(items) / 2


def test_ie_keying_alternates_irregularly(ie: Questionnaire) -> None:
    keys = [keyed_high(ie, i) for i in scored(ie)]
    runs = [len(list(g)) for _, g in groupby(keys)]
    assert max(runs) <= 3, "more than three statements in a row keyed the same way"
    assert max(runs) > 1, "a strict alternation is a pattern a candidate can learn"
    # Each half of the questionnaire is balanced too, so a candidate who stops early or
    # drifts over time is not pushed to one pole.
    half = len(keys) // 2
    assert abs(sum(keys[:half]) - half / 2) <= 1


def test_ie_has_three_attention_checks_and_one_dichotomy(ie: Questionnaire) -> None:
    # Three, so that a random clicker of this questionnaire alone is unusable at least 95% of
    # the time (with two, 88-90%: bench/README.md, bench_quality.py).
    checks = [i for i in ie.items if i.attention_check is not None]
    assert [i.id for i in checks] == ["ie_ac1", "ie_ac2", "ie_ac3"]
    assert [(d.id, d.scale, d.low.code, d.high.code) for d in ie.dichotomies] == [
        ("EI", "extraversion", "I", "E")
    ]
    assert all(re.fullmatch(r"ie\d{2}", i.id) for i in scored(ie))
    assert 4 <= len(ie.consistency_pairs) <= 6
    assert ie.page_size in (7, 8)


# --- socionics ---


def test_socionics_has_the_four_dichotomies_with_the_agreed_codes(soc: Questionnaire) -> None:
    got = {d.id: (d.scale, d.low.code, d.high.code) for d in soc.dichotomies}
    assert got == SOCIONICS_DICHOTOMIES
    assert {s.id for s in soc.scales} == {v[0] for v in SOCIONICS_DICHOTOMIES.values()}
    for s in soc.scales:
        assert s.prior_reliability_source, f"{s.id}: prior reliability without its reasoning"


@pytest.mark.parametrize("dichotomy", sorted(SOCIONICS_DICHOTOMIES))
def test_socionics_dichotomy_is_long_balanced_and_mixed(soc: Questionnaire, dichotomy: str) -> None:
    scale = SOCIONICS_DICHOTOMIES[dichotomy][0]
    items = [i for i in scored(soc) if scale_of(i) == scale]
    assert len(items) >= 16
    keys = Counter(keyed_high(soc, i) for i in items)
    assert abs(keys[True] - keys[False]) <= 1, f"{dichotomy} keying {keys}"
    agreement = [i for i in items if isinstance(i, AgreementItem)]
    agree_keys = Counter(keyed_high(soc, i) for i in agreement)
    assert abs(agree_keys[True] - agree_keys[False]) <= 1, f"{dichotomy} agreement {agree_keys}"
    kinds = Counter(i.kind for i in items)
    assert len(kinds) >= 2
    assert kinds["agreement"] <= len(items) * 0.6, f"{dichotomy} kinds {kinds}"
    prefix = dichotomy.lower()
    assert all(i.id.startswith(prefix) for i in items)


def test_socionics_item_ids_name_their_dichotomy(soc: Questionnaire) -> None:
    # Numbers were in order of appearance in 1.0.0; a rewritten item takes the next free number
    # (an id never changes its text, see test_an_item_id_keeps_its_text_across_versions).
    prefixes = {d.lower(): v[0] for d, v in SOCIONICS_DICHOTOMIES.items()}
    for item in scored(soc):
        assert re.fullmatch(r"[a-z]{2}\d{2}", item.id), item.id
        assert prefixes[item.id[:2]] == scale_of(item), item.id


def test_socionics_never_shows_two_items_of_one_dichotomy_in_a_row(soc: Questionnaire) -> None:
    sequence = [scale_of(i) for i in scored(soc)]
    repeats = [k for k in range(1, len(sequence)) if sequence[k] == sequence[k - 1]]
    assert not repeats, [soc.items[k].id for k in repeats]


def test_socionics_kinds_are_spread_through_the_questionnaire(soc: Questionnaire) -> None:
    kinds = [i.kind for i in soc.items]
    runs = [len(list(g)) for _, g in groupby(kinds)]
    assert max(runs) <= 4, "a long run of one item kind"
    for page in soc.pages()[:-1]:
        assert len({soc.item(i).kind for i in page}) >= 2


def test_socionics_has_three_attention_checks_one_of_them_bipolar(soc: Questionnaire) -> None:
    checks = [i for i in soc.items if i.attention_check is not None]
    assert len(checks) == 3
    assert Counter(i.kind for i in checks) == {"agreement": 2, "bipolar": 1}


@pytest.mark.parametrize("dichotomy", sorted(SOCIONICS_DICHOTOMIES))
def test_socionics_dichotomy_has_two_or_three_consistency_pairs(
    soc: Questionnaire, dichotomy: str
) -> None:
    scale = SOCIONICS_DICHOTOMIES[dichotomy][0]
    pairs = [p for p in soc.consistency_pairs if scale_of(soc.item(p.items[0])) == scale]
    assert 2 <= len(pairs) <= 3


@pytest.mark.parametrize("strong", [True, False], ids=["strong", "moderate"])
def test_every_one_of_the_16_pole_combinations_is_recovered(
    soc: Questionnaire, strong: bool
) -> None:
    # End to end through the engine: the keys in the file point where the texts say.
    for combo in range(16):
        wanted = {d: bool(combo >> n & 1) for n, d in enumerate(sorted(SOCIONICS_DICHOTOMIES))}
        high = {SOCIONICS_DICHOTOMIES[d][0]: h for d, h in wanted.items()}
        result = score(soc, answers_leaning(soc, high, strong=strong))
        for d, h in wanted.items():
            assert result.dichotomies[d].pole == SOCIONICS_DICHOTOMIES[d][2 if h else 1]
        assert not result.quality.flags


def test_socionics_takes_between_12_and_18_minutes(soc: Questionnaire) -> None:
    assert 12 <= estimated_minutes(soc) <= 18
    assert soc.page_size == 8
