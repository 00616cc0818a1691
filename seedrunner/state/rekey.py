"""Rows of an earlier spec that differs only in what it read: their keys are known anyway.

A dataset whose lookup table changed (``ref: {table: ...}``, a foreign key to an unseeded
table) or whose ``from:`` file was edited gets a new fingerprint: ``plan`` shows it and
apply refuses its earlier rows.  Those rows cannot be regenerated (the earlier lookup
values or file are gone), but ``destroy`` only needs their primary keys, and when no key
field reads such data, nor takes its value from another dataset, the keys row ``i`` gets
are the same under both specs.  ``adopt_recorded`` then lets ``apply --replace`` delete
the earlier rows by the current plan's keys, under the recorded fingerprint.
"""

from __future__ import annotations

from seedrunner.plan.steps import DatasetPlan
from seedrunner.state.fingerprint import FingerprintParts

#: parts that change what a dataset's rows read, never how its own keys are made
_READ_PARTS = frozenset({"data", "parents"})


def keys_read_nothing(dp: DatasetPlan) -> bool:
    """Are ``dp``'s primary keys made by its own generators (not fixed rows, lookups or
    another dataset's values)?"""
    keys = {f.name for f in dp.shape.primary_key}
    plans = {f.name: f for f in dp.fields}
    if not keys or not keys <= set(plans):
        return False
    return all(
        plans[k].kind != "ref"
        and plans[k].source != "fixed rows"
        and not plans[k].source.startswith("ref table")
        for k in keys
    )


def adopt_recorded(dp: DatasetPlan, recorded: FingerprintParts) -> bool:
    """Give ``dp`` the ``recorded`` fingerprint when the two differ only in what the rows
    read and its keys read none of it (see the module docstring); True when adopted."""
    if dp.fingerprint is None:
        return False
    changed = set(dp.fingerprint.changed(recorded))
    if not changed or not changed <= _READ_PARTS or not keys_read_nothing(dp):
        return False
    dp.fingerprint = recorded
    return True
