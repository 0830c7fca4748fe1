"""The questionnaire format: pydantic models for the YAML files in this folder.

Every instrument the product scores, its own and the validation definitions under
``tests/``, is one YAML file of this shape. ``README.md`` beside this file documents the
format for authors; keep the two in step (a test compares them).

Answer coding, the same for every item kind, so that answers are plain integers:
- agreement: 1..points (1 = the first label, usually "strongly disagree");
- bipolar: 1..5 (1 = the left statement fits fully, 5 = the right one does);
- forced choice: 1 or 2 (the first or the second option);
- self-description (unscored): 1 the low pole, 2 the high pole, 3 "hard to say".
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

LANGUAGES = ("ru", "en")


class Strict(BaseModel):
    """Base for every node: unknown keys are errors, so a typo cannot pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text a person reads, in every language the product speaks."""

    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.ru if language == "ru" else self.en


class ResponseFormat(Strict):
    """An agreement scale: how many points and what each is called."""

    points: int = Field(ge=4, le=7)
    labels: dict[str, list[str]] | None = None  # language -> one label per point

    @model_validator(mode="after")
    def _labels_match_points(self) -> ResponseFormat:
        if self.labels is not None:
            for lang in LANGUAGES:
                got = self.labels.get(lang)
                if got is None:
                    raise ValueError(f"labels lack language {lang!r}")
                if len(got) != self.points:
                    raise ValueError(f"{lang} labels: {len(got)} given for {self.points} points")
        return self


class Scale(Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    name: Text | None = None
    # The reliability assumed until the scale has enough stored complete responses
    # (see questionnaires/README.md, "Uncertainty"); with its source, for reviewers.
    prior_reliability: float = Field(default=0.75, gt=0, lt=1)
    prior_reliability_source: str | None = None


class Pole(Strict):
    code: str = Field(min_length=1, max_length=12)
    name: Text | None = None


class Dichotomy(Strict):
    """A scale read as two poles: raw score above ``cut`` is the high pole."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    scale: str
    low: Pole
    high: Pole
    # On the scale's raw-score metric (the full-length sum). None means the midpoint of
    # the possible range. A score equal to the cut belongs to the low pole.
    cut: float | None = None


class AttentionCheck(Strict):
    expected: int  # the answer code an attentive reader gives


# The value of ``desirable_pole`` for an item whose answer an employer hiring salespeople would
# not prefer either way.
NO_DESIRABLE_POLE = "none"


class ItemBase(Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")
    weight: float = Field(default=1.0, gt=0)
    attention_check: AttentionCheck | None = None
    # A reviewer's judgement: the code of the pole (of the dichotomy reading the item's scale)
    # an employer hiring salespeople would prefer this item to point to, or "none". Required on
    # every scored item of a product instrument; balanced per dichotomy so that a candidate who
    # answers as "the ideal salesperson" lands near the cut (README, "Item-writing rules").
    desirable_pole: str | None = None


class AgreementItem(ItemBase):
    kind: Literal["agreement"] = "agreement"
    response: str  # key into Questionnaire.response_formats
    scale: str | None = None  # None only for attention checks
    reverse: bool = False
    text: Text | None = None


class BipolarItem(ItemBase):
    kind: Literal["bipolar"]
    scale: str | None = None
    reverse: bool = False  # False: 5 (the right statement) scores high on the scale
    left: Text | None = None
    right: Text | None = None


class ChoiceOption(Strict):
    """One side of a forced choice and what choosing it adds to which scale."""

    text: Text | None = None
    scale: str | None = None
    points: float = 1.0


class ForcedChoiceItem(ItemBase):
    kind: Literal["forced_choice"]
    prompt: Text | None = None
    options: tuple[ChoiceOption, ChoiceOption]


Item = Annotated[AgreementItem | BipolarItem | ForcedChoiceItem, Field(discriminator="kind")]


# Answer codes of a self-description question.
SELF_LOW, SELF_HIGH, SELF_UNSURE = 1, 2, 3


class SelfDescription(Strict):
    """An optional, unscored question after the items: which of a dichotomy's poles the person
    says describes them better, or "hard to say". Not an item: it feeds no scale, no answer-
    quality rule, timing or reliability; an installation learns from these answers how its
    own candidates describe themselves (README, "Uncertainty")."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")
    self_description: str  # the dichotomy id
    # Both descriptions are written so that neither is what an employer hiring salespeople
    # would prefer: the only value allowed is "none".
    desirable_pole: Literal["none"]
    low: Text  # a short description of the low pole, in our own words
    high: Text


class ConsistencyPair(Strict):
    """Two items that ask the same thing in opposite directions (one is reverse-keyed)."""

    items: tuple[str, str]


class Questionnaire(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(pattern=r"^\d+\.\d+(\.\d+)?$")
    title: Text | None = None
    description: Text | None = None
    page_size: int = Field(default=8, ge=1, le=50)
    response_formats: dict[str, ResponseFormat] = Field(default_factory=dict)
    scales: list[Scale]
    dichotomies: list[Dichotomy] = Field(default_factory=list)
    items: list[Item]
    consistency_pairs: list[ConsistencyPair] = Field(default_factory=list)
    # Optional, unscored questions shown after the items (``SelfDescription``).
    self_descriptions: list[SelfDescription] = Field(default_factory=list)
    # Validation definitions (tests/) carry ids and keys only; product instruments must
    # carry every text a person reads, in Russian and English.
    texts_required: bool = True

    @model_validator(mode="after")
    def _references_resolve(self) -> Questionnaire:
        scale_ids = [s.id for s in self.scales]
        if len(set(scale_ids)) != len(scale_ids):
            raise ValueError("scale ids repeat")
        item_ids = [i.id for i in self.items]
        dup = {i for i in item_ids if item_ids.count(i) > 1}
        if dup:
            raise ValueError(f"item ids repeat: {sorted(dup)}")
        scale_set = set(scale_ids)
        for item in self.items:
            where = f"item {item.id}"
            scales = (
                [o.scale for o in item.options]
                if isinstance(item, ForcedChoiceItem)
                else [item.scale]
            )
            for s in scales:
                if s is not None and s not in scale_set:
                    raise ValueError(f"{where}: unknown scale {s!r}")
            if item.attention_check is None and all(s is None for s in scales):
                raise ValueError(f"{where}: keyed to no scale and not an attention check")
            if isinstance(item, AgreementItem) and item.response not in self.response_formats:
                raise ValueError(f"{where}: unknown response format {item.response!r}")
            if item.attention_check is not None:
                top = self.points_of(item)
                if not 1 <= item.attention_check.expected <= top:
                    raise ValueError(f"{where}: expected answer outside 1..{top}")
            if self.texts_required:
                missing = _missing_texts(item)
                if missing:
                    raise ValueError(f"{where}: no {missing} text")
            self._check_desirable_pole(item)
        for d in self.dichotomies:
            if d.scale not in scale_set:
                raise ValueError(f"dichotomy {d.id}: unknown scale {d.scale!r}")
        dichotomy_ids = {d.id for d in self.dichotomies}
        seen: set[str] = set()
        for sd in self.self_descriptions:
            if sd.id in item_ids:
                raise ValueError(f"self-description {sd.id}: the id of an item")
            if sd.self_description not in dichotomy_ids:
                raise ValueError(f"self-description {sd.id}: unknown dichotomy")
            if sd.self_description in seen:
                raise ValueError(f"self-description {sd.id}: a second one for its dichotomy")
            seen.add(sd.self_description)
        if len({sd.id for sd in self.self_descriptions}) != len(self.self_descriptions):
            raise ValueError("self-description ids repeat")
        known = {i.id: i for i in self.items}
        for pair in self.consistency_pairs:
            for i in pair.items:
                if i not in known:
                    raise ValueError(f"consistency pair: unknown item {i!r}")
                # A forced choice has no "direction" to contradict; see README, "Quality".
                if isinstance(known[i], ForcedChoiceItem):
                    raise ValueError(f"consistency pair: item {i!r} is a forced choice")
        # A scale must be able to vary, or its normalized score and uncertainty are undefined.
        keyed = {
            s for item in self.items if item.attention_check is None for s in _keyed_scales(item)
        }
        for s in scale_ids:
            if s not in keyed:
                raise ValueError(f"scale {s}: no scored item can move it")
        if self.texts_required and self.title is None:
            raise ValueError("no title")
        return self

    def _check_desirable_pole(self, item: AgreementItem | BipolarItem | ForcedChoiceItem) -> None:
        where = f"item {item.id}"
        given = item.desirable_pole
        if item.attention_check is not None:
            if given is not None:
                raise ValueError(f"{where}: an attention check has no desirable pole")
            return
        if given is None:
            if self.texts_required:
                raise ValueError(
                    f"{where}: no desirable_pole (the pole an employer would prefer, or 'none')"
                )
            return
        allowed = {NO_DESIRABLE_POLE}
        for scale in _keyed_scales(item):
            for d in self.dichotomies:
                if d.scale == scale:
                    allowed |= {d.low.code, d.high.code}
        if given not in allowed:
            raise ValueError(f"{where}: desirable_pole {given!r} is not one of {sorted(allowed)}")

    def desirable_sign(self, item: AgreementItem | BipolarItem | ForcedChoiceItem) -> int:
        """+1 when the employer would prefer the item's answer towards its scale's high pole,
        -1 towards the low pole, 0 when neither (or not reviewed)."""
        given = item.desirable_pole
        if given is None or given == NO_DESIRABLE_POLE:
            return 0
        for scale in _keyed_scales(item):
            for d in self.dichotomies:
                if d.scale == scale and given in (d.low.code, d.high.code):
                    return 1 if given == d.high.code else -1
        return 0

    def points_of(self, item: AgreementItem | BipolarItem | ForcedChoiceItem) -> int:
        """The highest answer code an item accepts (the lowest is always 1)."""
        if isinstance(item, AgreementItem):
            return self.response_formats[item.response].points
        if isinstance(item, BipolarItem):
            return 5
        return 2

    def item(self, item_id: str) -> AgreementItem | BipolarItem | ForcedChoiceItem:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def pages(self) -> list[list[str]]:
        """Item ids in the order shown, cut into pages of ``page_size``."""
        ids = [i.id for i in self.items]
        return [ids[k : k + self.page_size] for k in range(0, len(ids), self.page_size)]


def _missing_texts(item: AgreementItem | BipolarItem | ForcedChoiceItem) -> str | None:
    if isinstance(item, AgreementItem):
        return None if item.text else "statement"
    if isinstance(item, BipolarItem):
        return None if item.left and item.right else "left/right"
    if all(o.text for o in item.options):
        return None
    return "option"


def _keyed_scales(item: AgreementItem | BipolarItem | ForcedChoiceItem) -> list[str]:
    """Scales whose score an answer to this item can change."""
    if isinstance(item, ForcedChoiceItem):
        a, b = item.options
        gain = {s: (0.0, 0.0) for s in (a.scale, b.scale) if s is not None}
        for k, o in enumerate(item.options):
            if o.scale is not None:
                pair = list(gain[o.scale])
                pair[k] += o.points
                gain[o.scale] = (pair[0], pair[1])
        return [s for s, (x, y) in gain.items() if x != y]
    return [item.scale] if item.scale is not None else []
