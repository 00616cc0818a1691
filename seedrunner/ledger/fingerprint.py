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

Growth: a ``ref`` pick's parent count is a part of the child's fingerprint ("<digest> of N
rows"), yet rows already written keep their values when the parent grows.  A recorded
fingerprint that differs from the plan's only in such counts, each no larger than today's,
is *grown from* (``grown_from``): its rows stay, regenerated with the counts it records,
and new rows pick among the grown parent.  Children carry a parent's ``lineage`` (its
digest with those counts left out), so a grown parent does not change its children.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from seedrunner.models.shape import ModelShape

#: bumped when a seedrunner release changes the rows a manifest generates (0.2.0: 2)
ROWS_VERSION = 2
SPEC_EXCLUDED = frozenset({"count", "batch_size", "persist", "retries", "depends_on"})
#: the part holding ``count.per`` with its bounds: they lay the rows out over the parent's
#: (row i is a child of parent p), so unlike a count they change which rows are which
LAYOUT = "count.per"
#: a parent entry of a seeded pick: the parent's digest and the rows picked among
_PICKS = re.compile(r"^(?P<digest>.*) of (?P<rows>\d+) rows$")


@dataclass(frozen=True)
class FingerprintParts:
    """The inputs of a fingerprint, each as canonical JSON text."""

    parts: dict[str, str]

    @property
    def digest(self) -> str:
        text = json.dumps(self.parts, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    @property
    def lineage(self) -> str:
        """The digest without the parent counts of seeded picks, nor the size of its own
        tree: what children carry, so that a parent growing (rows kept, new rows picking
        among more, or a tree of their own) leaves them as they are.  The same as
        ``digest`` for a dataset that picks from no parent and is no tree."""
        picks = _parents(self)
        bare = {name: _PICKS.sub(r"\g<digest>", v) for name, v in picks.items()}
        if bare == picks:
            return self.digest
        text = json.dumps({**self.parts, "parents": _canonical(bare)}, sort_keys=True)
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
    count = getattr(spec, "count", None)
    if count is not None and not isinstance(count, int):  # which parent row each row is
        extra[LAYOUT] = _canonical(count.model_dump(mode="json", exclude_defaults=True))
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


def _parents(parts: FingerprintParts) -> dict[str, str]:
    text = parts.parts.get("parents")
    return dict(json.loads(text)) if text else {}


def picked_among(parts: FingerprintParts) -> dict[str, int]:
    """Parent -> the rows the dataset's seeded picks chose among, as ``parts`` records."""
    out = {}
    for name, value in _parents(parts).items():
        found = _PICKS.match(value)
        if found is not None and "." not in name:
            out[name] = int(found["rows"])
    return out


def grown_from(
    current: FingerprintParts,
    recorded: FingerprintParts,
    aliases: Mapping[str, Collection[str]] | None = None,
    shrunk: bool = False,
) -> dict[str, int] | None:
    """The parent counts ``recorded`` picked among, when it differs from ``current`` only
    in those, each no larger than today's (the parent grew: its rows are kept, and new
    rows pick among more); None when something else differs or a parent shrank.

    ``aliases``: per parent, digests that stand for the same rows as its lineage today
    (the specs it grew from, and its own digest, which children recorded before they
    carried lineages).  ``shrunk``: a parent may have had more rows then (``--replace``
    regenerating an earlier spec's rows to delete them)."""
    others = set(current.parts) | set(recorded.parts)
    if LAYOUT not in recorded.parts:  # recorded before layouts were (0.2): taken as today's
        others.discard(LAYOUT)
    if any(current.parts.get(n) != recorded.parts.get(n) for n in others - {"parents"}):
        return None
    now, then = _parents(current), _parents(recorded)
    if set(now) != set(then):
        return None
    counts: dict[str, int] = {}
    for name, value in then.items():
        if value == now[name]:
            continue
        old, new = _PICKS.match(value), _PICKS.match(now[name])
        if (old is None) != (new is None):  # a pick's or a tree's count ("a.b": a tree)
            return None
        was, today = (old["digest"], new["digest"]) if old and new else (value, now[name])
        if was != today and was not in (aliases or {}).get(name, ()):
            return None
        if old is not None and new is not None and old["rows"] != new["rows"]:
            if int(old["rows"]) > int(new["rows"]) and not shrunk:
                return None
            counts[name] = int(old["rows"])
    return counts
