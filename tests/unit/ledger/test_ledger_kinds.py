"""The ledger's extension point: a kind registered by a test (tests/unit/ledger/memorykind.py)
is resolved at plan, read by plan's state, kept by apply and undone by destroy, with no
other change to seedrunner.  And the HandlerContext's ledger fields: in ``ctx.ledger``,
the old names still readable, with a warning."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy
from seedrunner.commands.status import plan_state
from seedrunner.handlers.base import HandlerContext
from seedrunner.handlers.caps import can_undo, stats, undo_problem
from seedrunner.ledger import base
from seedrunner.ledger.context import LedgerContext
from seedrunner.ledger.spec import LedgerSpec
from tests.integration.shopmodels import REPO
from tests.unit.handlers.handler_support import users_shape
from tests.unit.ledger import memorykind
from tests.unit.ledger.memorykind import MemoryHandler, MemoryLedger

TEXT = f"""version: 1
seed: 3
now: "2026-01-01T00:00:00Z"
python_path: ["{REPO}"]
defaults: {{batch_size: 16}}
targets:
  mem: {{handler: "tests.unit.ledger.memorykind:MemoryHandler"}}
datasets:
  customers:
    model: tests.integration.shopmodels:Customer
    count: 40
    fields:
      phone: {{faker: phone_number}}
    persist: [mem]
"""


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(base._KINDS, "memory", MemoryLedger)  # the one registration line
    for store in (memorykind.WRITTEN, memorykind.LEDGER, memorykind.CONTEXTS):
        store.clear()


def _plan(manifest):  # type: ignore[no-untyped-def]
    return build_plan(load_manifest(manifest(TEXT)))


def test_a_ledger_kind_registered_by_a_test_drives_plan_apply_and_destroy(manifest, memory):
    plan = _plan(manifest)
    (target,) = plan.datasets[0].targets
    assert target.ledger == LedgerSpec("memory", label="memory of mem")
    (before,) = plan_state(plan)
    assert (before.ledger, before.applied, before.to_write) == (True, 0, 40)

    first = apply(plan)
    assert first.ok, first.error
    assert first.resumable
    assert sorted(memorykind.WRITTEN["mem"]) == list(range(1, 41))
    (after,) = plan_state(_plan(manifest))
    assert (after.applied, after.to_write, after.changes) == (40, 0, False)

    again = apply(_plan(manifest))  # the kind's ledger says every row is there
    assert again.ok, again.error
    (persist,) = [s for s in again.steps if s.kind == "persist"]
    assert persist.skipped == 40
    assert len(memorykind.WRITTEN["mem"]) == 40

    (undone,) = destroy(_plan(manifest))  # rows regenerated, deleted through the kind
    assert (undone.status, undone.rows) == ("done", 40)
    assert memorykind.WRITTEN["mem"] == []
    (gone,) = plan_state(_plan(manifest))
    assert (gone.applied, gone.to_write) == (0, 40)


def test_the_runner_tells_a_handler_its_ledger_in_ctx_ledger(manifest, memory):
    plan = _plan(manifest)
    assert apply(plan).ok
    (ctx,) = memorykind.CONTEXTS
    dp = plan.datasets[0]
    assert ctx.ledger is not None
    assert (ctx.ledger.manifest, ctx.ledger.position) == (plan.manifest, 0)
    assert ctx.ledger.fingerprint == dp.fingerprint.digest
    assert ctx.ledger.spec_parts == dict(dp.fingerprint.parts)


def test_a_target_keeping_no_ledger_gets_none(manifest, memory):
    plan = build_plan(
        load_manifest(manifest(TEXT.replace('MemoryHandler"', 'MemoryHandler", ledger: false')))
    )
    assert plan.datasets[0].targets[0].ledger is None
    assert apply(plan).ok
    (ctx,) = memorykind.CONTEXTS
    assert ctx.ledger is None
    (state,) = plan_state(plan)
    assert not state.ledger
    (undone,) = destroy(plan)
    assert (undone.status, undone.note) == (
        "cannot undo",
        "handler tests.unit.ledger.memorykind:MemoryHandler: keeps no ledger",
    )


def test_an_unknown_kind_is_named():
    with pytest.raises(KeyError, match="no ledger of kind 'nope'"):
        base.open_ledger(LedgerSpec("nope"), None)  # type: ignore[arg-type]


def _ctx(ledger: LedgerContext | None) -> HandlerContext:
    return HandlerContext(
        "users", "t", users_shape(), ["id"], 2, 4, "r", 0, Path("."), ledger=ledger
    )


def test_the_old_ledger_fields_of_the_context_still_read_with_a_warning():
    led = LedgerContext("m", 2, "f" * 64, {"spec": "{}"}, 1.5, "seed.yaml:3")
    ctx = _ctx(led)
    expected = {
        "manifest": "m", "position": 2, "fingerprint": "f" * 64, "spec_parts": {"spec": "{}"},
        "lock_timeout": 1.5, "where": "seed.yaml:3",
    }  # fmt: skip
    for name, value in expected.items():
        with pytest.warns(DeprecationWarning, match=f"HandlerContext.{name} moved"):
            assert getattr(ctx, name) == value
    with pytest.raises(AttributeError):
        ctx.fingerprint = "x"  # type: ignore[misc]


def test_a_context_without_a_ledger_reads_blank_ledger_fields():
    ctx = _ctx(None)
    assert ctx.ledger_step == LedgerContext()
    with pytest.warns(DeprecationWarning, match="ledger.fingerprint"):
        assert ctx.fingerprint == ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ctx.ledger_step.position == 0  # the new way: no warning


def test_capabilities_are_protocols_checked_where_used():
    class Plain:
        pass

    class Counting:
        skipped_rows = 3
        retried = 2

    assert stats(Plain()) == (0, 0)
    assert stats(Counting()) == (3, 2)
    assert can_undo(MemoryHandler, None)
    assert undo_problem(MemoryHandler, "memory", None) is None
    assert not can_undo(Plain, None)
    assert undo_problem(Plain, "plain", None) == (
        "handler plain: it has no undo(batch) method, so destroy cannot delete its rows"
    )
