"""What the supervision-rule and funds files share: a name in both languages and a cited
source with its confidence (a settlement policy's :class:`safetynet.policy.schema.Source`
requires the confidence; these files' default to ``recalled``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Names(BaseModel):
    """A name as users read it, in English and in Chinese."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class Source(BaseModel):
    """A document a file's figures come from, and how surely they were read in it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str
    document_en: str | None = None
    article: str | None = None
    date: dt.date | None = None
    url: str | None = None
    confidence: Literal["doc", "compiled", "recalled"] = "recalled"
    note: str | None = None
