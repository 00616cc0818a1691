"""Rows of an earlier spec that differs only in what it read: their keys are known anyway.

A dataset whose lookup table changed (``ref: {table: ...}``, a foreign key to an unseeded
table) or whose ``from:`` file was edited gets a new fingerprint: ``plan`` shows it and
apply refuses its earlier rows.  Those rows cannot be regenerated (the earlier lookup
values or file are gone), but ``destroy`` only needs their primary keys, and when no key
field reads such data, nor takes its value from another dataset, the keys row ``i`` gets
are the same under both specs.  The three users of the rule: ``apply --replace`` deletes
the earlier rows by the current plan's keys (``adopt_recorded``), ``destroy`` deletes them
the same way (``rekeyed``), and ``plan`` says both will (state/status.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from seedrunner.ledger.fingerprint import FingerprintParts
from seedrunner.plan.steps import DatasetPlan, FieldPlan

#: parts that change what a dataset's rows read, never how its own keys are made
_READ_PARTS = frozenset({"data", "parents"})
#: dataset transforms that never compute a field from another one
_PLAIN_TRANSFORMS = frozenset({"drop", "rename", "hash"})


def keys_read_nothing(dp: DatasetPlan) -> bool:
    """Are ``dp``'s primary keys made by its own generators (not fixed rows, lookups or
    another dataset's values, nor a template over such a field)?"""
    keys = {f.name for f in dp.shape.primary_key}
    plans = {f.name: f for f in dp.fields}
    if not keys or not keys <= set(plans):
        return False
    if any(t.kind not in _PLAIN_TRANSFORMS for t in dp.transforms):
        return False  # a computed transform may write a key from any field
    return all(_reads_nothing(plans, k, set()) for k in keys)


def _reads_nothing(plans: Mapping[str, FieldPlan], name: str, seen: set[str]) -> bool:
    plan = plans.get(name)
    if plan is None or name in seen:
        return plan is not None
    if plan.kind == "ref" or plan.source == "fixed rows" or plan.source.startswith("ref table"):
        return False
    if plan.kind == "template":
        template = plan.template
        if template is None or template.parent_attrs:
            return False
        seen.add(name)
        return all(_reads_nothing(plans, dep, seen) for dep in template.deps)
    return True


def same_keys(dp: DatasetPlan, recorded: FingerprintParts) -> bool:
    """Do ``dp`` and the ``recorded`` spec differ only in what the rows read, with ``dp``'s
    keys reading none of it (so row i has the same key under both)?"""
    if dp.fingerprint is None:
        return False
    changed = set(dp.fingerprint.changed(recorded))
    return bool(changed) and changed <= _READ_PARTS and keys_read_nothing(dp)


def rekeyed(
    dp: DatasetPlan, fingerprints: set[str], specs: Mapping[str, str]
) -> FingerprintParts | None:
    """The one earlier spec a step's ledger holds rows of (``fingerprints``, with the
    recorded parts in ``specs``), when ``dp``'s keys find those rows; else None."""
    current = dp.fingerprint.digest if dp.fingerprint is not None else ""
    if len(fingerprints) != 1 or current in fingerprints:
        return None
    text = specs.get(next(iter(fingerprints)))
    if not text:
        return None
    recorded = FingerprintParts(json.loads(text))
    return recorded if same_keys(dp, recorded) else None


def adopt_recorded(dp: DatasetPlan, recorded: FingerprintParts) -> bool:
    """Give ``dp`` the ``recorded`` fingerprint when the two differ only in what the rows
    read and its keys read none of it (see the module docstring); True when adopted."""
    if not same_keys(dp, recorded):
        return False
    dp.fingerprint = recorded
    return True
