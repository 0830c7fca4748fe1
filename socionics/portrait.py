"""The client manager's portrait from the book as interview checklist items (``portrait.yaml``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import Field, ValidationError, model_validator

from socionics.model import SocionicsError, Strict, Text

HERE = Path(__file__).resolve().parent
PORTRAIT_FILE = HERE / "portrait.yaml"


class PortraitTrait(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text  # what the hiring manager ticks
    hint: Text  # what to ask or look for in the interview


class Portrait(Strict):
    version: str = Field(min_length=1)
    traits: list[PortraitTrait] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> Portrait:
        ids = [t.id for t in self.traits]
        if len(set(ids)) != len(ids):
            raise ValueError(f"trait ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        return self


@cache
def load_portrait(path: str | Path = PORTRAIT_FILE) -> Portrait:
    path = Path(path)
    try:
        return Portrait.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise SocionicsError(f"{path}: {exc}") from exc
