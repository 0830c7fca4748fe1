"""What a questionnaire page shows: items as plain view objects for the template."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from app.i18n import N_
from questionnaires.schema import (
    SELF_HIGH,
    SELF_LOW,
    SELF_UNSURE,
    AgreementItem,
    BipolarItem,
    Questionnaire,
)

BIPOLAR_LABELS = [
    N_("The first statement fits fully"),
    N_("The first statement fits better"),
    N_("Both fit equally"),
    N_("The second statement fits better"),
    N_("The second statement fits fully"),
]


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class ItemView:
    id: str
    number: int  # position in the whole questionnaire, from 1
    kind: str
    legend: str
    statements: list[str]  # bipolar: the two statements; otherwise empty
    options: list[Option]
    value: int | None
    missing: bool

    @property
    def field(self) -> str:
        return f"item-{self.id}"


def item_views(
    q: Questionnaire,
    item_ids: list[str],
    *,
    lang: str,
    answers: Mapping[str, int],
    missing: Collection[str],
    gettext: Callable[[str], str],
) -> list[ItemView]:
    position = {item.id: n for n, item in enumerate(q.items, start=1)}
    views = []
    for item_id in item_ids:
        item = q.item(item_id)
        statements: list[str] = []
        if isinstance(item, AgreementItem):
            fmt = q.response_formats[item.response]
            labels = (fmt.labels or {}).get(lang) or [str(n) for n in range(1, fmt.points + 1)]
            legend = item.text.get(lang) if item.text else item.id
            options = [Option(n, label) for n, label in enumerate(labels, start=1)]
        elif isinstance(item, BipolarItem):
            statements = [t.get(lang) for t in (item.left, item.right) if t is not None]
            legend = gettext("Which statement fits you better?")
            options = [Option(n, gettext(label)) for n, label in enumerate(BIPOLAR_LABELS, 1)]
        else:
            legend = item.prompt.get(lang) if item.prompt else gettext("Choose one")
            options = [
                Option(n, o.text.get(lang) if o.text else str(n))
                for n, o in enumerate(item.options, start=1)
            ]
        views.append(
            ItemView(
                id=item.id,
                number=position[item.id],
                kind=item.kind,
                legend=legend,
                statements=statements,
                options=options,
                value=answers.get(item.id),
                missing=item.id in missing,
            )
        )
    return views


@dataclass(frozen=True)
class SelfDescriptionView:
    """One optional "which describes you better?" question (``schema.SelfDescription``)."""

    id: str
    options: list[Option]  # the low pole's description, the high pole's, "hard to say"
    value: int | None

    @property
    def field(self) -> str:
        return f"item-{self.id}"


def self_description_views(
    q: Questionnaire, *, lang: str, answers: Mapping[str, int], gettext: Callable[[str], str]
) -> list[SelfDescriptionView]:
    return [
        SelfDescriptionView(
            id=sd.id,
            options=[
                Option(SELF_LOW, sd.low.get(lang)),
                Option(SELF_HIGH, sd.high.get(lang)),
                Option(SELF_UNSURE, gettext("Hard to say")),
            ],
            value=answers.get(sd.id),
        )
        for sd in q.self_descriptions
    ]
