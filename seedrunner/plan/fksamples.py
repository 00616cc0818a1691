"""A template's or faker's values on a foreign-key column, drawn at plan for a sample of rows.

A constant, a choice or a sequence lists its values; a template or a faker does not, but
row i's value is a function of the row (its streams and index), so plan can draw it as
apply will: the first rows, the last ones (where an ``index`` arithmetic runs past the
parent's keys) and a seeded spread between.  A value that reads what plan cannot know (a
ref's pick, ``parent`` under ``count.per``) leaves the field to the warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seedrunner.generate.streams import derive_seed, new_rng
from seedrunner.plan.steps import DatasetPlan, FieldPlan

FIRST, LAST, SPREAD = 10, 3, 12  # rows drawn: the first, the last and a seeded spread


def sample_rows(dp: DatasetPlan, field: str) -> list[int]:
    """The row indexes drawn at plan, ascending (streams then move forward only)."""
    total = dp.count.total
    rng = new_rng(derive_seed(dp.seed, dp.name, field, "foreign key sample"))
    spread = rng.sample(range(total), min(SPREAD, total))
    return sorted({*range(min(FIRST, total)), *range(max(0, total - LAST), total), *spread})


def sampled_values(
    dp: DatasetPlan, field: str, now: Any, variables: Mapping[str, Any]
) -> list[tuple[int, Any]] | None:
    """(row, value) of ``field`` for the sampled rows, as apply writes them; None when the
    value reads something plan cannot know, or fails (apply reports it, per row)."""
    plans = {f.name: f for f in dp.fields}
    needed = _needed(plans, field, set())
    if needed is None:
        return None
    ordered = [f for f in dp.fields if f.name in needed]  # columns first, then templates
    base = {"vars": variables, "now": now}
    out = []
    try:
        for row in sample_rows(dp, field):
            out.append((row, _row(dp, ordered, row, base)[field]))
    except Exception:  # a template's error is reported by the template sample or apply
        return None
    return out


def _needed(plans: Mapping[str, FieldPlan], name: str, seen: set[str]) -> set[str] | None:
    """``name`` and the fields it reads, or None when one of them is drawn at apply."""
    plan = plans.get(name)
    if plan is None or plan.kind == "ref" or plan.tree is not None:
        return None
    seen.add(name)
    if plan.kind == "column":
        return seen if plan.column is not None else None
    t = plan.template
    if t is None or t.parent_attrs or "parent" in t.reads:
        return None
    for dep in t.deps - seen:
        if _needed(plans, dep, seen) is None:
            return None
    return seen


def _row(
    dp: DatasetPlan, fields: list[FieldPlan], row: int, base: dict[str, Any]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    child_index = None
    if dp.count.cumulative is not None:
        parent = dp.count.parent_of(range(row, row + 1))[0]
        child_index = [row - (dp.count.cumulative[parent - 1] if parent else 0)]
    for f in fields:
        if f.kind == "column":
            assert f.column is not None
            values[f.name] = f.column.values(row, 1)[0]
            continue
        assert f.template is not None
        value = f.template.render([dict(values)], row, base, None, child_index)[0]
        if f.null_column is not None and f.null_column.values(row, 1)[0] < f.null_probability:
            value = None
        values[f.name] = value
    return values
