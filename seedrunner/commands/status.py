"""What apply would change, read from the targets' ledgers: the state half of ``plan``.

Read-only: a ledger that does not exist yet means nothing was written; nothing is created.
A target without a ledger would write every row (seedrunner cannot know what is there); a
ledger that cannot be read (server down, bad password) is reported as unknown, with its
error (passwords masked), and counts as a change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from seedrunner.commands.rekey import rekeyed
from seedrunner.db.engines import connect, get_engine, resolve_url
from seedrunner.db.errors import describe
from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError
from seedrunner.handlers.files import AppendableOptions
from seedrunner.handlers.sqlalchemy import SqlAlchemyOptions
from seedrunner.ledger import stored
from seedrunner.ledger.fileledger import FileChanged, FileLedger
from seedrunner.ledger.fingerprint import changed_since
from seedrunner.ledger.locks import sqlite_file
from seedrunner.ledger.sqlledger import (
    Applied,
    StepKey,
    ledger_table,
    read_applied,
    read_specs,
    specs_table,
)
from seedrunner.ledger.storeoptions import keeps_stored_ledger
from seedrunner.plan.steps import DatasetPlan, Plan, TargetPlan
from seedrunner.redact import scrub


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
        undo = self.applied or self.undo_note or self.same_keys
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
        }


def plan_state(plan: Plan) -> list[TargetState]:
    """The state of every (dataset, target) step of ``plan``."""
    resources = ResourcePool()
    try:
        return [
            _state(plan, d, position, t, resources)
            for d in plan.datasets
            for position, t in enumerate(d.targets)
        ]
    finally:
        resources.close_all()


def _state(
    plan: Plan, d: DatasetPlan, position: int, t: TargetPlan, resources: ResourcePool
) -> TargetState:
    options = t.options
    total = d.count.total
    fingerprint = d.fingerprint.digest if d.fingerprint is not None else ""
    if isinstance(options, AppendableOptions) and options.ledger:
        return _file_state(plan, d, t, options, fingerprint)
    if keeps_stored_ledger(options):
        return _stored_state(plan, d, position, t, resources)
    if not isinstance(options, SqlAlchemyOptions) or not options.ledger:
        return TargetState(d.name, t.name, total, ledger=False)
    key = StepKey(plan.manifest, d.name, t.name, position)
    try:
        applied, specs = read_ledger(plan, options, key, resources, fingerprint)
    except Exception as e:  # any failure to read is "unknown", never a crash of plan
        cause = describe(e) if isinstance(e, DBAPIError) else f"{type(e).__name__}: {e}"
        return TargetState(d.name, t.name, total, ledger=True, error=scrub(cause.splitlines()[0]))
    missing = applied.missing(fingerprint, 0, total) if total else []
    done = total - sum(b - a for a, b in missing)
    other = bool(applied.fingerprints - {fingerprint})
    changed = changed_since(d.fingerprint, specs.values()) if d.fingerprint else []
    return TargetState(
        d.name, t.name, total, ledger=True, applied=done, other_spec=other,
        changed=tuple(changed), same_keys=_same_keys(d, applied, specs),
    )  # fmt: skip


def _same_keys(d: DatasetPlan, applied: Applied, specs: dict[str, str]) -> int:
    """Rows of an earlier spec that ``d``'s keys find (state/rekey.py), else 0."""
    recorded = rekeyed(d, applied.fingerprints, specs)
    if recorded is None:
        return 0
    return sum(b - a for a, b in applied.present(recorded.digest, 0, _end(applied)))


def _end(applied: Applied) -> int:
    return max((b for ranges in applied.ranges.values() for _, b in ranges), default=0)


def _file_state(
    plan: Plan, d: DatasetPlan, t: TargetPlan, options: AppendableOptions, fingerprint: str
) -> TargetState:
    """A file ledger: the rows it records, when its fingerprint is this spec's.  Destroy
    removes the file whatever spec wrote it, the ledger saying which bytes are seedrunner's."""
    total = d.count.total
    try:
        path = options.output_path(plan.base_dir, dataset=d.name, target=t.name)
        ledger = FileLedger.read(path)
        size = ledger.check(path) if ledger is not None else None
    except HandlerError as e:
        why = scrub(e.short if isinstance(e, FileChanged) else str(e))
        return TargetState(
            d.name, t.name, total, ledger=True, error=why, undoable=False, undo_note=why
        )
    if ledger is None or size is None:
        return TargetState(d.name, t.name, total, ledger=True)
    note = f"delete {ledger.rows:,} rows: remove {path.name} and its ledger"
    if ledger.offset <= ledger.start:  # an interrupted destroy: no rows, the file to remove
        return TargetState(d.name, t.name, total, ledger=True, undo_note=note)
    if ledger.fingerprint != fingerprint:
        return TargetState(d.name, t.name, total, ledger=True, other_spec=True, undo_note=note)
    applied = min(ledger.rows, total)
    return TargetState(d.name, t.name, total, ledger=True, applied=applied, undo_note=note)


def _stored_state(
    plan: Plan, d: DatasetPlan, position: int, t: TargetPlan, resources: ResourcePool
) -> TargetState:
    """A ledger in a state store (HTTP, Redis, plugins); pending batches are to write."""
    total = d.count.total
    fingerprint = d.fingerprint.digest if d.fingerprint is not None else ""
    undoable = stored.can_undo(t.handler_cls, t.options)
    note = "" if undoable else stored.StoredLedger.cannot_undo_reason(t)
    key = StepKey(plan.manifest, d.name, t.name, position)
    try:
        found = stored.read_state(t, plan.base_dir, key, fingerprint, resources)
    except Exception as e:  # any failure to read is "unknown", never a crash of plan
        cause = describe(e) if isinstance(e, DBAPIError) else f"{type(e).__name__}: {e}"
        error = scrub(cause.splitlines()[0])
        return TargetState(
            d.name, t.name, total, ledger=True, error=error, undoable=undoable, undo_note=note
        )
    missing = found.applied.missing(fingerprint, 0, total) if total else []
    written = Applied({k: list(v) for k, v in found.applied.ranges.items()})
    for p in found.pending:  # perhaps written: destroy deletes them too
        written.add(p.fingerprint, p.start, p.stop)
    changed = changed_since(d.fingerprint, found.specs.values()) if d.fingerprint else []
    return TargetState(
        d.name, t.name, total, ledger=True, applied=total - sum(b - a for a, b in missing),
        other_spec=bool(written.fingerprints - {fingerprint}), changed=tuple(changed),
        undoable=undoable, undo_note=note, pending=sum(p.stop - p.start for p in found.pending),
        same_keys=_same_keys(d, written, found.specs),
    )  # fmt: skip


def read_ledger(
    plan: Plan, options: SqlAlchemyOptions, key: StepKey, resources: ResourcePool, current: str
) -> tuple[Applied, dict[str, str]]:
    """The step's ledger ranges, and the recorded parts of fingerprints other than ``current``.

    A SQLite file that does not exist holds no ledger, and is not created by looking."""
    url = resolve_url(options.url, plan.base_dir)
    if url.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if path is not None and not path.exists():
            return Applied(), {}
    engine = get_engine(resources, url)
    table = ledger_table(options.ledger_table, options.schema_)
    specs = specs_table(options.ledger_table, options.schema_)
    link = connect(resources, engine)
    try:
        applied = link.run(lambda conn: read_applied(conn, table, key))
        other = applied.fingerprints - {current}
        return applied, link.run(lambda conn: read_specs(conn, specs, other))
    finally:
        link.close()


def step_ledger(
    plan: Plan, d: DatasetPlan, position: int, resources: ResourcePool
) -> tuple[Applied, dict[str, str]] | None:
    """What a SQL or state-store ledger records for one step (pending batches counted as
    written) and the recorded parts of the fingerprints other than the plan's; None for a
    target with no such ledger (files, none)."""
    t = d.targets[position]
    current = d.fingerprint.digest if d.fingerprint is not None else ""
    key = StepKey(plan.manifest, d.name, t.name, position)
    if keeps_stored_ledger(t.options):
        found = stored.read_state(t, plan.base_dir, key, current, resources)
        for p in found.pending:
            found.applied.add(p.fingerprint, p.start, p.stop)
        return found.applied, found.specs
    if isinstance(t.options, SqlAlchemyOptions) and t.options.ledger:
        return read_ledger(plan, t.options, key, resources, current)
    return None
