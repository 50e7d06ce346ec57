"""The English edition's words a desk gives (desk key ``en``) and the glossary they answer to.

The English edition is written from the same model as the Chinese one: numbers never change,
only words. Names come from data (``instruments.<sym>.name_en``, ``boards[].name_en``,
``firm.*_en``, the rating scale's ``name_en``), never from a translator; the terms of the trade
come from the package's ``glossary.en.yaml``, which a desk may extend (``en.glossary``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

GLOSSARY_FILE = Path(__file__).with_name("glossary.en.yaml")


class Term(BaseModel):
    """One glossary entry: the English term and the variants an English sentence must not use."""

    model_config = ConfigDict(extra="forbid")

    en: str
    never: list[str] = Field(default_factory=list)


class FirmEnglish(BaseModel):
    """The firm's texts in the English edition (``firm.*_en``); empty: the project's template."""

    name_en: str = ""
    analyst_statement_en: str = ""
    disclaimer_en: str = ""
    special_statement_en: str = ""
    copyright_en: str = ""


class English(BaseModel):
    """Desk key ``en``: what the English edition says where the desk's Chinese says it."""

    model_config = ConfigDict(extra="forbid")

    series: str = ""  # the series' English title (empty: "Weekly")
    industry: str = ""
    risks: list[str] = Field(default_factory=list)  # in place of the desk's risks
    up: Literal["green", "red"] = "green"  # the colour of a rise in tables and charts
    glossary: dict[str, Term] = Field(default_factory=dict)  # added to the package's terms
    # the data's own words (tracker series, groups, units, sources) -> English
    names: dict[str, str] = Field(default_factory=dict)


@cache
def package_glossary() -> dict[str, Term]:
    """The package's glossary: Chinese term -> English term and its forbidden variants."""
    data = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8")) or {}
    return {str(k): Term.model_validate(v) for k, v in data["terms"].items()}


def glossary(english: English) -> dict[str, Term]:
    """The package's terms with the desk's own on top (a desk's entry replaces the package's)."""
    return {**package_glossary(), **english.glossary}
