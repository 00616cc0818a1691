"""A dataset's fingerprint: what decides its rows, hashed, so a ledger can tell whether rows
already written are the rows this manifest would write.

Row i of a dataset is a function of its spec (fields, exclusions, transforms, model),
its seed, the run's ``now``, its locales, the model's shape, the data it reads (a fixed-rows
file's rows, the values of a table no dataset seeds: ``data``), the generation code
(``ROWS_VERSION``, bumped whenever a release changes generated values) with the Faker
version (its word lists), and the parents it takes values from (refs, ``count.per``): a
parent's new seed gives its children other foreign keys, so their fingerprint carries
the parents' fingerprints.  A ``ref`` without ``count.per`` picks among all the parent's
rows, so there the parent's count counts too: raising it moves the picks.
``depends_on`` only orders steps; counts, batch sizes, targets and retries do not change
any row: all are left out, so raising a count keeps the fingerprint and only the new
rows are new.  The parts are kept too (``FingerprintParts``), so a refusal can say what
changed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from seedrunner.models.shape import ModelShape

#: bumped when a seedrunner release changes the rows a manifest generates (0.2.0: 2)
ROWS_VERSION = 2
SPEC_EXCLUDED = frozenset({"count", "batch_size", "persist", "retries", "depends_on"})


@dataclass(frozen=True)
class FingerprintParts:
    """The inputs of a fingerprint, each as canonical JSON text."""

    parts: dict[str, str]

    @property
    def digest(self) -> str:
        text = json.dumps(self.parts, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def changed(self, other: FingerprintParts) -> list[str]:
        """The names of the parts that differ (spec, seed, now, locale, model, versions)."""
        names = sorted(set(self.parts) | set(other.parts))
        return [n for n in names if self.parts.get(n) != other.parts.get(n)]


@functools.cache
def faker_version() -> str:
    """Faker's installed version; read once per process (``importlib.metadata`` parses the
    distribution's METADATA file on every call, ~2 ms: a third of planning 100 datasets)."""
    try:
        return version("Faker")
    except PackageNotFoundError:  # pragma: no cover - Faker is a dependency
        return "unknown"


def changed_since(current: FingerprintParts, recorded: Iterable[str]) -> list[str]:
    """The parts of ``current`` that differ from any recorded fingerprint (each recorded
    as the JSON of its parts, as ledgers keep them)."""
    changed: set[str] = set()
    for parts in recorded:
        changed.update(current.changed(FingerprintParts(json.loads(parts))))
    return sorted(changed)


def refusal(
    dataset: str, where: str, label: str, current: dict[str, str], recorded: Iterable[str]
) -> str:
    """Why rows written by another spec are refused: what changed, where, and the ways out.
    ``recorded`` holds the parts of the other fingerprints, as ledgers keep them."""
    changed = changed_since(FingerprintParts(current), recorded)
    what = ", ".join(changed) if changed else "unknown (written before specs were kept)"
    at = f" ({where})" if where else ""
    return (
        f"dataset '{dataset}'{at} was written to {label} by a different "
        f"spec; changed since: {what}. The rows there are not the rows this manifest "
        "would write: restore what changed, or run apply --replace to delete them and "
        "write this spec's rows"
    )


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def dataset_fingerprint(
    spec: Any,
    shape: ModelShape,
    seed: int,
    now: dt.datetime,
    locales: list[str],
    parents: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
) -> FingerprintParts:
    """The fingerprint of one dataset (``spec`` is its manifest ``DatasetSpec``;
    ``parents`` maps each parent it draws values from to that parent's digest; ``data``
    names what else its rows read, each with a digest of it: the rows of a ``from:`` file,
    the values of each lookup table)."""
    dumped = spec.model_dump(mode="json", exclude=set(SPEC_EXCLUDED), exclude_defaults=True)
    fields = [(f.name, repr(f.type)) for f in shape.fields]
    extra = {"parents": _canonical(parents)} if parents else {}
    if data:
        extra["data"] = _canonical(data)
    return FingerprintParts(
        {
            **extra,
            "spec": _canonical(dumped),
            "seed": str(seed),
            "now": now.isoformat(),
            "locale": _canonical(locales),
            "model": _canonical({"name": shape.name, "kind": shape.kind, "fields": fields}),
            "versions": _canonical({"rows": ROWS_VERSION, "faker": faker_version()}),
        }
    )
