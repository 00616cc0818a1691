"""What apply would change, read from the targets' ledgers: the state half of ``plan``.

Read-only: a ledger that does not exist yet means nothing was written; nothing is created.
A target without a ledger would write every row (seedrunner cannot know what is there); a
ledger that cannot be read (server down, bad password) is reported as unknown, with its
error (passwords masked), and counts as a change.
"""

from __future__ import annotations

from dataclasses import dataclass

from seedrunner.commands.rekey import rekeyed
from seedrunner.commands.stepledgers import step_ref
from seedrunner.db.pool import ResourcePool
from seedrunner.handlers.caps import without_ledger
from seedrunner.ledger.base import LedgerState, Recorded, open_ledger
from seedrunner.ledger.fingerprint import changed_since
from seedrunner.ledger.sqlledger import Applied
from seedrunner.plan.growth import known, regrow
from seedrunner.plan.steps import DatasetPlan, Plan, TargetPlan


@dataclass(frozen=True)
class TargetState:
    """One dataset's rows on one target, as the ledger tells them."""

    dataset: str
    target: str
    rows: int  # rows the plan asks for
    ledger: bool  # does this target keep a ledger
    applied: int = 0  # rows already written by this very spec
    other_spec: bool = False  # rows of another fingerprint are there: apply refuses
    changed: tuple[str, ...] = ()  # with other_spec: the fingerprint parts that differ
    undoable: bool = True  # can destroy remove these rows
    undo_note: str = ""  # files: what destroy would do to the file, or why it cannot
    pending: int = 0  # rows sent whose outcome a crash left unknown (sent again by apply)
    error: str | None = None  # the ledger could not be read
    # with other_spec: rows of the earlier spec whose keys this spec finds (only what they
    # read changed, state/rekey.py): destroy deletes them, apply --replace rewrites them
    same_keys: int = 0
    # rows this spec wrote past the plan's count (the count was lowered): apply leaves
    # them, destroy deletes them with the rest (``recorded``)
    over: int = 0
    recorded: int = 0  # every row of this spec on record: what destroy deletes
    end: int = 0  # the row after the last one of this spec on record
    # with other_spec, plan --destroy only: rows of the other spec destroy deletes by the
    # keys the ledger recorded (commands/destroycount.py)
    by_keys: int = 0
    # without a ledger: what applying again does (handlers/caps.without_ledger)
    again: str = ""

    @property
    def to_write(self) -> int:
        return self.rows - self.applied

    @property
    def changes(self) -> bool:
        return self.error is not None or self.other_spec or self.to_write > 0

    @property
    def undoes(self) -> bool:
        """Would destroy change something here (or cannot tell): rows it can undo, a file
        it would remove, or a ledger it could not read."""
        undo = self.recorded or self.applied or self.undo_note or self.same_keys or self.by_keys
        return bool(self.error or (self.undoable and undo))

    def as_dict(self) -> dict[str, object]:
        return {
            "ledger": self.ledger,
            "rows": self.rows,
            "applied": self.applied,
            "to_write": self.to_write,
            "other_spec": self.other_spec,
            "changed": list(self.changed),
            "error": self.error,
            "pending": self.pending,
            "undoable": self.undoable,
            "undo_note": self.undo_note,
            "same_keys": self.same_keys,
            "over": self.over,
            "recorded": self.recorded,
            "by_keys": self.by_keys,
            "without_ledger": self.again,
        }


def plan_state(plan: Plan) -> list[TargetState]:
    """The state of every (dataset, target) step of ``plan``, regrown from its ledgers
    (commands/grown.py: rows written before a parent grew are the plan's)."""
    resources = ResourcePool()
    try:
        out: list[TargetState] = []
        mine: dict[str, frozenset[str]] = {}  # in plan order: parents are regrown first
        for d in plan.datasets:
            read = [_read(plan, d, position, resources) for position in range(len(d.targets))]
            d = regrow(d, [r for r, _ in read if r is not None], mine)
            mine[d.name] = known(d)
            out += [
                _state(plan, d, position, t, found)
                for (position, t), (_, found) in zip(enumerate(d.targets), read, strict=True)
            ]
        return out
    finally:
        resources.close_all()


def _read(
    plan: Plan, d: DatasetPlan, position: int, resources: ResourcePool
) -> tuple[Recorded | None, LedgerState | None]:
    """One step's ledger, read once (a server down costs one connect timeout): what
    regrowing needs (ledgers that find rows by their spec), and the state."""
    spec = d.targets[position].ledger
    if spec is None:
        return None, None
    ledger = open_ledger(spec, resources)
    found = ledger.state(step_ref(plan, d, position))
    if found.error is not None or not ledger.needs_spec:
        return None, found
    return Recorded(found.written, found.specs), found


def _state(
    plan: Plan, d: DatasetPlan, position: int, t: TargetPlan, found: LedgerState | None
) -> TargetState:
    total = d.count.total
    if found is None:
        return TargetState(
            d.name, t.name, total, ledger=False, again=without_ledger(t.handler_cls, total)
        )
    step = step_ref(plan, d, position)
    if found.error is not None:
        return TargetState(
            d.name, t.name, total, ledger=True, error=found.error, undoable=found.undoable,
            undo_note=found.undo_note,
        )  # fmt: skip
    accepted = step.accepted  # specs this one grew from: their rows are its own
    written = found.written.adopted(step.fingerprint, accepted)  # pending ones may be there
    missing = (
        found.applied.adopted(step.fingerprint, accepted).missing(step.fingerprint, 0, total)
        if total
        else []
    )
    others = [p for fp, p in found.specs.items() if fp not in accepted]
    changed = changed_since(d.fingerprint, others) if d.fingerprint else []
    pending = sum(b - a for ranges in found.pending.ranges.values() for a, b in ranges)
    mine = written.present(step.fingerprint, 0, written.end)
    return TargetState(
        d.name, t.name, total, ledger=True, applied=total - sum(b - a for a, b in missing),
        other_spec=bool(written.fingerprints - {step.fingerprint}), changed=tuple(changed),
        undoable=found.undoable, undo_note=found.undo_note, pending=pending,
        same_keys=_same_keys(d, written, found.specs),
        over=_rows(mine, total), recorded=_rows(mine, 0), end=max((b for _, b in mine), default=0),
    )  # fmt: skip


def _same_keys(d: DatasetPlan, applied: Applied, specs: dict[str, str]) -> int:
    """Rows of an earlier spec that ``d``'s keys find (commands/rekey.py), else 0."""
    recorded = rekeyed(d, applied.fingerprints, specs)
    if recorded is None:
        return 0
    return sum(b - a for a, b in applied.present(recorded.digest, 0, applied.end))


def _rows(ranges: list[tuple[int, int]], start: int) -> int:
    """How many rows of ``ranges`` lie at or after row ``start``."""
    return sum(max(0, b - max(a, start)) for a, b in ranges)
