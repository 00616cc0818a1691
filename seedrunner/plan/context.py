"""What compiling one dataset's fields needs to know about the rest of the manifest.

Its own module so the compilers that take it (fields, lookups, self-references, guarantees,
joins) import it from below instead of from ``plan.fields``, which imports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seedrunner.errors import ProblemCollector
from seedrunner.generate import columns as C
from seedrunner.generate.locales import FakerPool, resolve_locale
from seedrunner.generate.streams import derive_seed
from seedrunner.manifest import schema as S
from seedrunner.manifest.source import SourceMap
from seedrunner.models.shape import ModelShape
from seedrunner.models.tablevalues import ValuesQuery

LookupKey = tuple[str, str]  # (dataset, field)


@dataclass
class Lookup:
    """One field's lookup: what was asked, and what the table gave (or why nothing)."""

    query: ValuesQuery
    explicit: bool  # written as a ref (else inferred from a foreign key)
    values: list[Any]
    digest: str = ""
    error: str | None = None  # the table could not be read; safe to show
    over_cap: bool = False
    check: bool = False  # read only to check a spec's values against (not picked from)


@dataclass
class DatasetContext:
    """What compiling a dataset's fields needs to know about the rest of the manifest."""

    name: str
    spec: S.DatasetSpec
    shape: ModelShape
    total: int
    base_seed: int
    now: dt.datetime
    manifest: S.ManifestSpec
    source: SourceMap
    fakers: FakerPool
    shapes: Mapping[str, ModelShape]  # every dataset's shape
    tables: Mapping[str, str]  # table name -> dataset
    per: str | None
    var_names: list[str]
    out: ProblemCollector
    warnings: list[str] = field(default_factory=list)
    lookups: Mapping[LookupKey, Lookup] = field(default_factory=dict)  # plan.lookups
    fixed: Mapping[str, C.Column] = field(default_factory=dict)  # fields given by fixed rows

    def seed(self, fname: str, purpose: str = "") -> int:
        return derive_seed(self.base_seed, self.name, fname, purpose)

    def path(self, *parts: str | int) -> tuple[str | int, ...]:
        return ("datasets", self.name, *parts)

    def problem(
        self,
        message: str,
        *parts: str | int,
        hint: str | None = None,
        code: str = "SR-E030",
        prefer_key: bool = False,
    ) -> None:
        problem = self.source.problem(
            message, self.path(*parts), hint=hint, code=code, prefer_key=prefer_key
        )
        self.out.extend([problem])

    def locales(self, fname: str | None, own: str | list[str] | None = None) -> list[str]:
        return resolve_locale(
            dataset=self.name,
            field=fname,
            field_locale=own,
            dataset_locale=self.spec.locale,
            locale_map=self.manifest.locale_map,
            default=self.manifest.locale,
        )
