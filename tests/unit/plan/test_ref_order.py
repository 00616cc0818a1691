"""A ref whose ordering edge is dropped (``depends_on: []``) must still name a dataset that
is written first: plan refuses it, located at the field, instead of apply failing on an
empty parent after earlier datasets were committed."""

from __future__ import annotations

import pytest

from seedrunner import build_plan, load_manifest
from seedrunner.errors import PlanError

TEXT = """\
version: 1
datasets:
  a:
    count: 3
    fields:
      id: {{sequence: null, start: 1}}
      b_id: {{ref: b.id{extra}}}
  b:
    count: 2
    fields:
      id: {{sequence: null, start: 1}}
      a_id: {{ref: a.id}}
"""


def test_a_ref_to_a_dataset_written_later_is_refused_at_the_field(manifest):
    path = manifest(TEXT.format(extra=", depends_on: []"))
    with pytest.raises(PlanError) as exc:
        build_plan(load_manifest(path))
    (problem,) = exc.value.problems
    assert problem.location is not None
    assert problem.location.line == 7
    assert "a.b_id takes its values from b's rows, but b is written after a" in problem.message
    assert problem.hint is not None
    assert "remove depends_on" in problem.hint


def test_without_depends_on_the_ref_is_a_cycle_not_this_problem(manifest):
    with pytest.raises(PlanError) as exc:
        build_plan(load_manifest(manifest(TEXT.format(extra=""))))
    assert "dependency cycle" in str(exc.value)
