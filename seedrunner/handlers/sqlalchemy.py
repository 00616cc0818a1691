"""The ``sqlalchemy`` handler: batches into any SQLAlchemy URL, sync or async.

``transaction`` decides when rows commit: ``dataset`` (default) once when the step ends,
``batch`` after every batch, ``run`` once at the end of the whole run (one connection per
URL shared by every dataset).  A failed step rolls back what its transaction held.

Every error message goes through ``seedrunner.redact`` and keeps only the first line of
the driver's message (duplicate keys are rewritten to name the constraint), so neither the
password nor row values reach the output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

import sqlalchemy as sa
from pydantic import ConfigDict, Field
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from seedrunner.db.engines import Link, connect, get_engine, resolve_url
from seedrunner.db.errors import (
    conflict_message,
    describe,
    duplicate_key,
    is_permission_denied,
    is_transient,
    sqlstate,
)
from seedrunner.errors import HandlerError, TransientHandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.handlers.sqlcopy import can_copy, copy_rows
from seedrunner.handlers.sqlkeys import advance_sequence, insert_returning
from seedrunner.handlers.sqlrun import RunScope, run_scope
from seedrunner.handlers.sqltypes import build_table, type_error_columns
from seedrunner.handlers.sqlupdate import (
    ColumnUpdate,
    delete_by_key,
    delete_in_order,
    light_table,
    run_update,
    set_constraints_deferred,
)
from seedrunner.handlers.sqlwrite import TupleInsert, check_conflict_on, insert_statement
from seedrunner.ledger import locks
from seedrunner.ledger.fingerprint import refusal
from seedrunner.ledger.spec import LedgerSite, LedgerSpec
from seedrunner.ledger.sqlledger import (
    DEFAULT_TABLE,
    Applied,
    StepKey,
    forget,
    forget_keys,
    keys_table,
    ledger_table,
    read_applied,
    read_keys,
    read_specs,
    record,
    record_keys,
    record_spec,
    specs_table,
)
from seedrunner.models.shape import ModelShape
from seedrunner.redact import redact_url

T = TypeVar("T")

# Re-exported: tests and plugins import these from here.
__all__ = [
    "SqlAlchemyHandler",
    "SqlAlchemyOptions",
    "describe",
    "insert_statement",
    "is_transient",
    "resolve_url",
]


class SqlAlchemyOptions(HandlerOptions):
    handler: str = Field(default="sqlalchemy", description="Which handler this target uses.")
    url: str = Field(
        description="SQLAlchemy database URL; the driver picks sync or async "
        "(postgresql+psycopg_async://, mysql+aiomysql://, sqlite+aiosqlite://). A relative "
        "SQLite file resolves against the manifest's folder. Shown with its password masked.",
    )
    create_tables: bool = Field(
        default=False,
        description="Create the dataset's table if missing (committed before its rows; with "
        "transaction: run, inside the run's transaction where the database allows DDL there).",
    )
    table: str | None = Field(
        default=None,
        description="Table name for models without a table (default: the model's table name, "
        "else the dataset name).",
    )
    schema_: str | None = Field(
        default=None, alias="schema", description="Database schema holding the table."
    )
    on_conflict: Literal["error", "ignore", "update"] = Field(
        default="error",
        description="On a duplicate key: fail naming the constraint, keep the existing row, "
        "or overwrite it (SQLite, PostgreSQL, MySQL/MariaDB).",
    )
    conflict_on: list[str] | None = Field(
        default=None,
        description="Columns of the unique key that detects a conflict (default: the primary "
        "key); must be one of the table's unique keys. MySQL/MariaDB match any unique key.",
    )
    transaction: Literal["batch", "dataset", "run"] = Field(
        default="dataset",
        description="Commit after each batch, once per dataset step, or once at the end of "
        "the run (every dataset written to this URL commits or rolls back together).",
    )
    copy_: bool = Field(
        default=True,
        alias="copy",
        description="On PostgreSQL through psycopg, write new rows with COPY when no conflict "
        "clause or returned key is needed (much faster than INSERT).",
    )
    echo: bool = Field(default=False, description="Log SQL statements (never their parameters).")
    ledger: bool = Field(
        default=True,
        description="Keep a run ledger in the target database (written in the same "
        "transaction as the rows): apply skips rows already written by the same dataset "
        "spec, so a second apply writes nothing and an interrupted one finishes the job. "
        "On by default; false writes every row on every apply (and needs no tables of "
        "seedrunner's own in the database).",
    )
    ledger_table: str = Field(
        default=DEFAULT_TABLE, description="The ledger's table name (in the target's schema)."
    )

    # 'schema' and 'copy' would shadow BaseModel methods, so the fields are schema_ and
    # copy_ with aliases;
    # dumps (plan display, JSON) use the alias, as the manifest does.
    model_config = ConfigDict(serialize_by_alias=True)

    def __repr_args__(self) -> Any:
        for key, value in super().__repr_args__():
            yield key, (redact_url(value) if key == "url" and isinstance(value, str) else value)

    def ledger_place(self, base_dir: Path) -> LedgerSpec:
        """Where this target's ledger tables are (kept or not: a stored ledger's ``state``)."""
        return LedgerSpec(
            "sql", restartable=self.transaction != "run", url=self.url, base_dir=base_dir,
            table=self.ledger_table, schema=self.schema_, label=redact_url(self.url),
        )  # fmt: skip

    def ledger_spec(self, site: LedgerSite) -> LedgerSpec | None:
        """A ``sql`` ledger beside the rows, unless ``ledger: false``."""
        return self.ledger_place(site.base_dir) if self.ledger else None


class SqlAlchemyHandler:
    """Write batches with COPY, executemany or INSERT ... RETURNING (see ``sqlwrite``).

    Keys: when the batch lacks the table's autoincrement primary key (``{skip: true}`` or an
    identity column), the database assigns it, ``write`` returns the batch with the
    assigned keys, and children read those.  Explicit integer keys move PostgreSQL's
    sequence past them before the commit, so the application's next insert does not
    collide.  In ``dataset`` and ``run`` modes a lost connection loses the transaction: the
    error is transient, but only a retry of the step can cure it, so further writes are
    refused.
    """

    name: ClassVar[str] = "sqlalchemy"
    Options: ClassVar[type[HandlerOptions]] = SqlAlchemyOptions

    def __init__(self, options: SqlAlchemyOptions) -> None:
        self.options = options
        self.table: sa.Table | None = None
        self._engine: Any = None
        self._link: Link | None = None
        self._scope: RunScope | None = None
        self._statements: dict[tuple[str, ...], Any] = {}
        self._tuple_inserts: dict[tuple[str, ...], TupleInsert | None] = {}
        self._renames: dict[str, str] = {}
        self._returning: list[sa.Column[Any]] = []
        self._explicit_keys = False
        self._lost = False
        self._dataset = "?"
        self._ctx: HandlerContext | None = None
        self._ledger: sa.Table | None = None
        self._applied = Applied()
        self._step: StepKey | None = None
        self.retried = 0  # batches tried again after a lost connection or a deadlock
        self._at_commit = False  # did the last failure hit COMMIT (outcome unknown)
        self.skipped_rows = 0  # rows the ledger showed as already written (not written again)
        self._specs: sa.Table | None = None
        self._spec_recorded = False
        self._updates: list[ColumnUpdate] = []  # a cycle's deferred columns, set at commit
        self._wrote = False  # any row written by this step (not all in the ledger)
        self._updated = False  # the deferred columns were set (transaction: batch)

    def __repr__(self) -> str:
        return f"SqlAlchemyHandler({redact_url(self.options.url)!r})"

    # -- protocol ---------------------------------------------------------------------

    def open(self, ctx: HandlerContext) -> None:
        self._dataset, self._ctx = ctx.dataset, ctx
        url = resolve_url(self.options.url, ctx.base_dir)
        self._engine = get_engine(ctx.resources, url, self.options.echo)
        self.table = self._table_for(ctx)
        self._renames = _attribute_columns(ctx.model)
        if self.options.conflict_on:
            check_conflict_on(self.table, self.options.conflict_on)
        self._plan_keys(ctx)
        try:
            if self.options.ledger:  # before anything is written, tables included
                self._run("take the database's apply lock", lambda: self._lock(ctx))
            if self.options.transaction == "run":
                self._scope = self._run("connect to the database", lambda: self._join_run(ctx))
                self._link = self._scope.link
            else:
                self._link = self._run(
                    "connect to the database", lambda: connect(ctx.resources, self._engine)
                )
                if self.options.create_tables:
                    self._run("create the table", self._create_table_committed)
            if self.options.ledger:
                self._run("read the run ledger", lambda: self._open_ledger(ctx))
            if self._scope is None and self.options.transaction == "dataset":
                self._run("begin a transaction", self.link.begin)
        except BaseException as e:  # the executor only closes handlers that opened
            self.close(e)
            raise

    def write(self, batch: Batch) -> Batch | None:
        if self._lost:
            raise HandlerError(
                f"the transaction of dataset '{self._dataset}' on {self._label} was lost with "
                "its connection; the whole step must be retried"
            )
        if self._scope is not None and self._scope.failed:
            raise HandlerError(f"the run's transaction on {self._label} was rolled back")
        if batch.size == 0:  # executemany with no rows would insert one row of defaults
            return None
        names = self._column_names(batch)
        todo = self._todo(batch)
        self.skipped_rows += batch.size - sum(b - a for a, b in todo)
        if not todo:  # every row of this batch is already in the database
            return self._with_keys(batch, [], []) if self._returning else None
        self._wrote = True
        what = f"write batch {batch.index}"
        written: list[tuple[int, int]] = []

        def write(conn: Connection, todo: list[tuple[int, int]]) -> list[tuple[Any, ...]]:
            nonlocal written
            columns = [batch.columns[n] for n in batch.names]
            if todo != [(batch.start, batch.stop)]:
                columns = _rows(columns, batch.start, todo)
            keys = self._insert(conn, names, columns)
            if self._ledger is not None:
                self._record(conn, todo, keys)
            if self._final(batch):  # the parent's last batch completes a cycle, with it
                done = self._with_keys(batch, todo, keys) if self._returning else batch
                self._complete_updates(conn, done)
            written = todo
            return keys

        if self.options.transaction != "batch":
            keys = self._run(what, lambda: self.link.run(lambda conn: write(conn, todo)))
        else:
            keys = self._batch_retrying(batch, what, todo, write)
        if not self._returning:
            return None
        return self._with_keys(batch, written if keys else [], keys)

    def _with_keys(
        self, batch: Batch, written: list[tuple[int, int]], keys: list[tuple[Any, ...]]
    ) -> Batch:
        """``batch`` with the keys the database assigned: just returned for the rows in
        ``written``, and for the rest (written by an earlier apply) as the ledger recorded
        them, so children of skipped rows still get their parents' keys."""
        by_row: dict[int, Any] = {}
        returned = iter(keys)
        for a, b in written:
            for i in range(a, b):
                by_row[i] = next(returned)
        if len(by_row) < batch.size:
            by_row.update(self._recorded_keys(batch.start, batch.stop))
        lost = [i for i in range(batch.start, batch.stop) if i not in by_row]
        if lost:
            raise HandlerError(
                f"dataset '{self._dataset}' -> {self._label}: rows {lost[0]}..{lost[-1]} are "
                "written, but the keys the database gave them are not on record (written "
                "before seedrunner kept them), so their children cannot be given them: "
                "destroy or delete those rows and apply again"
            )
        rows = [by_row[i] for i in range(batch.start, batch.stop)]
        added = {c.name: [k[j] for k in rows] for j, c in enumerate(self._returning)}
        return batch.replace_columns({**batch.columns, **added})

    def _recorded_keys(self, start: int, stop: int) -> dict[int, tuple[Any, ...]]:
        """Assigned keys of rows ``[start, stop)`` as ``<ledger>_keys`` holds them."""
        assert self._ctx is not None
        assert self._step is not None
        table, step = self._keys_table(), self._step
        fingerprint = self._ctx.ledger_step.fingerprint
        found = self._read_apart(
            "read the recorded keys", lambda c: read_keys(c, table, step, fingerprint, start, stop)
        )
        types = [_python_type(c) for c in self._returning]
        return {
            i: tuple(
                t(v) if t is not None and v is not None else v
                for t, v in zip(types, vals, strict=True)
            )
            for i, vals in found.items()
        }

    def _keys_table(self) -> sa.Table:
        return keys_table(self.options.ledger_table, self.options.schema_)

    def close(self, error: BaseException | None) -> None:
        if self._scope is not None:
            self._close_in_run(error)
            return
        link, self._link = self._link, None
        if link is None:
            return

        def advance() -> None:
            self._run("advance the key sequences", lambda: link.run(self._advance))
            if not self._updated:  # transaction: batch set them with the last batch written
                self._run("update deferred columns", lambda: link.run(self._complete_updates))

        if self.options.transaction != "dataset":  # batches committed as they went
            if error is not None or self._lost:
                link.close()
                return
            # sequences (and deferred columns no batch of this step set) in one of their own
            self._run("begin a transaction", link.begin)
        self._finish(link, advance, ok=error is None and not self._lost)

    def _finish(self, link: Link, before_commit: Callable[[], None], ok: bool) -> None:
        """Commit after ``before_commit`` when ``ok``, else roll back; a failure on the way
        rolls back too; the link is closed in every case."""
        try:
            if ok:
                before_commit()
                self._run("commit", link.commit)
            else:
                with contextlib.suppress(exc.SQLAlchemyError):
                    link.rollback()
        except BaseException:
            with contextlib.suppress(exc.SQLAlchemyError):
                link.rollback()
            raise
        finally:
            link.close()

    # -- run-scoped transaction ---------------------------------------------------------

    def _join_run(self, ctx: HandlerContext) -> RunScope:
        scope = run_scope(ctx.resources, self._engine, self._label_url())
        if self.options.create_tables:
            if scope.link.dialect.name in ("mysql", "mariadb"):
                # MariaDB/MySQL commit DDL implicitly: create the table on a connection of
                # its own, so the run's transaction keeps holding every row until the end.
                self._create_table_committed_on(connect(ctx.resources, self._engine))
            else:
                scope.link.run(self._create_table)
        scope.steps.append((ctx.dataset, ctx.target))
        return scope

    def _close_in_run(self, error: BaseException | None) -> None:
        scope, self._scope, self._link = self._scope, None, None
        assert scope is not None
        if error is not None or self._lost:
            scope.rollback(error)
        elif not scope.failed:
            self._run("advance the key sequences", lambda: scope.link.run(self._advance))
            self._run("update deferred columns", lambda: scope.link.run(self._complete_updates))

    def _label_url(self) -> str:
        return redact_url(self.options.url)

    # -- table and keys ---------------------------------------------------------------

    def _table_for(self, ctx: HandlerContext) -> sa.Table:
        own = _model_table(ctx.model)
        if own is None:
            name = self.options.table or ctx.model.table_name or ctx.dataset
            return build_table(ctx.model, name, schema=self.options.schema_)
        renamed = self.options.table not in (None, own.name)
        moved = self.options.schema_ not in (None, own.schema)
        if renamed or moved:
            raise HandlerError(
                f"options 'table'/'schema' cannot move the table of model {ctx.model.name!r} "
                f"(it maps to {own.fullname!r}); drop them or change the model"
            )
        return own

    def _plan_keys(self, ctx: HandlerContext) -> None:
        """Which primary-key columns the database assigns (absent from every batch)."""
        assert self.table is not None
        written = {self._renames.get(n, n) for n in ctx.fields}
        pk = list(self.table.primary_key.columns)
        missing = [c for c in pk if c.name not in written]
        auto = self.table.autoincrement_column
        if missing and all(c is auto or c.identity is not None for c in missing):
            self._returning = missing
            if self.options.on_conflict != "error":
                raise HandlerError(
                    f"dataset '{ctx.dataset}' leaves the key of {self._label} to the database "
                    f"and sets on_conflict: {self.options.on_conflict}; a skipped or merged "
                    "row returns no new key for its children. Generate the key (drop "
                    "skip: true) or use on_conflict: error"
                )
        self._explicit_keys = auto is not None and auto.name in written

    def _create_table(self, conn: Connection) -> None:
        assert self.table is not None
        self.table.metadata.create_all(conn, tables=[self.table], checkfirst=True)

    def _create_table_committed(self) -> None:
        self.link.begin()
        try:
            self.link.run(self._create_table)
            self.link.commit()
        except BaseException:
            self.link.rollback()
            raise

    def _create_table_committed_on(self, link: Link) -> None:
        try:
            link.begin()
            link.run(self._create_table)
            link.commit()
        finally:
            link.close()

    def _advance(self, conn: Connection) -> None:
        assert self.table is not None
        advance_sequence(conn, self.table)

    @property
    def _label(self) -> str:
        return f"table '{self.table.fullname}'" if self.table is not None else "the database"

    @property
    def link(self) -> Link:
        assert self._link is not None, "handler used before open() or after close()"
        return self._link

    # -- rows -------------------------------------------------------------------------

    def _column_names(self, batch: Batch) -> tuple[str, ...]:
        assert self.table is not None
        names = tuple(self._renames.get(n, n) for n in batch.names)
        unknown = [n for n in names if n not in self.table.c]
        if unknown:
            raise HandlerError(
                f"dataset '{self._dataset}' has fields that {self._label} lacks: "
                f"{', '.join(unknown)}"
            )
        return names

    def _insert(
        self, conn: Connection, names: tuple[str, ...], columns: list[list[Any]]
    ) -> list[tuple[Any, ...]]:
        """Write one batch on ``conn`` by the fastest path its dialect and options allow."""
        assert self.table is not None
        columns = naive_utc(self.table, names, columns)
        plain = not self._returning and self.options.on_conflict == "error"
        if plain and self.options.copy_ and can_copy(conn.dialect, self.table, names):
            copy_rows(conn, self.table, names, columns)
            return []
        stmt = self._statement(names, conn)
        if not self._returning:
            if names not in self._tuple_inserts:
                self._tuple_inserts[names] = TupleInsert.compile(
                    stmt, self.table, names, conn.dialect
                )
            fast = self._tuple_inserts[names]
            if fast is not None:
                fast.execute(conn, columns)
                return []
        records = [dict(zip(names, vals, strict=True)) for vals in zip(*columns, strict=True)]
        if self._returning:
            return insert_returning(conn, stmt, self._returning, records)
        conn.execute(stmt, records)
        return []

    def _statement(self, names: tuple[str, ...], conn: Connection) -> Any:
        if names not in self._statements:
            assert self.table is not None
            self._statements[names] = insert_statement(
                self.table, names, conn.dialect.name,
                self.options.on_conflict, self.options.conflict_on,
            )  # fmt: skip
        return self._statements[names]

    def _todo(self, batch: Batch) -> list[tuple[int, int]]:
        """The row ranges of ``batch`` still to write: all of it without a ledger."""
        if self._ledger is None:
            return [(batch.start, batch.stop)]
        assert self._ctx is not None
        return self._applied.missing(self._ctx.ledger_step.fingerprint, batch.start, batch.stop)

    def _batch_retrying(
        self,
        batch: Batch,
        what: str,
        todo: list[tuple[int, int]],
        write: Callable[..., list[tuple[Any, ...]]],
    ) -> list[tuple[Any, ...]]:
        """``transaction: batch``: write, and after a lost connection or a deadlock try
        again on a fresh one, per the retry policy.

        A failure before COMMIT rolled the batch back, so writing it again is safe.  A
        failure at COMMIT leaves its outcome unknown: the ledger, committed with the rows,
        tells, so the retry re-reads it and writes only what is not there.  Without a
        ledger nothing can tell, and the step fails rather than risk a duplicate.
        """
        assert self._ctx is not None
        policy, attempt = self._ctx.retries, 0
        while True:
            try:
                return self._insert_batch(what, partial(write, todo=todo))
            except TransientHandlerError as e:
                attempt += 1
                unknown = self._at_commit
                if unknown and self._ledger is None:
                    raise HandlerError(
                        f"{e} The commit's outcome is unknown: rows {batch.start}..{batch.stop - 1}"
                        " may or may not be in the database; with ledger: true seedrunner "
                        "reads its ledger to tell, and resumes"
                    ) from None
                if attempt > policy.max:
                    raise
                self.retried += 1
                self._drop_link()
                policy.sleep(attempt)
                if unknown:
                    self._reread_ledger()
                    todo = self._todo(batch)
                    if not todo:  # the commit had gone through
                        return []

    def _reread_ledger(self) -> None:
        """What the ledger holds now, on a fresh connection (after a commit was lost)."""
        ledger, step = self._ledger, self._step
        assert ledger is not None
        assert step is not None
        self._fresh_link()
        self._applied = self._read_apart(
            "read the run ledger", lambda c: read_applied(c, ledger, step)
        )

    def _read_apart(self, what: str, read: Callable[[Connection], T]) -> T:
        """``read`` in the open transaction, or (between batches' transactions) in a
        read-only one of its own, so the next batch can begin its own."""
        if self.link.in_transaction:
            return self._run(what, lambda: self.link.run(read))
        self.link.begin()
        try:
            return self._run(what, lambda: self.link.run(read))
        finally:
            with contextlib.suppress(exc.SQLAlchemyError):
                self.link.rollback()

    def _drop_link(self) -> None:
        """Forget the connection a transient failure left behind: a retry starts afresh."""
        link, self._link = self._link, None
        if link is not None:
            with contextlib.suppress(exc.SQLAlchemyError):
                link.close()

    def _fresh_link(self) -> None:
        if self._link is not None and self._link.invalidated:
            self._link.close()
            self._link = None
        if self._link is None:
            assert self._ctx is not None
            ctx = self._ctx
            self._link = self._run("reconnect", lambda: connect(ctx.resources, self._engine))

    def _insert_batch(
        self, what: str, write: Callable[[Connection], list[tuple[Any, ...]]]
    ) -> list[tuple[Any, ...]]:
        """``transaction: batch``: one transaction per batch, on a fresh link if needed."""
        self._fresh_link()

        def run(conn: Connection) -> list[tuple[Any, ...]]:
            keys = write(conn)
            if self._explicit_keys:
                self._advance(conn)
            return keys

        self._at_commit = False
        self.link.begin()
        try:
            keys = self._run(what, lambda: self.link.run(run))
            self._at_commit = True
            self._run("commit", self.link.commit)
            self._at_commit = False
        except BaseException:
            with contextlib.suppress(exc.SQLAlchemyError):
                self.link.rollback()
            raise
        return keys

    # -- ledger -----------------------------------------------------------------------

    def _open_ledger(self, ctx: HandlerContext) -> None:
        """Create the ledger table if missing (committed on its own, like create_tables)
        and read what it records for this step; refuse rows written by another spec."""
        table = ledger_table(self.options.ledger_table, self.options.schema_)
        key = StepKey(ctx.ledger_step.manifest, ctx.dataset, ctx.target, ctx.ledger_step.position)

        specs = specs_table(self.options.ledger_table, self.options.schema_)

        assigned = self._keys_table() if self._returning else None

        def create(conn: Connection) -> None:
            table.create(conn, checkfirst=True)
            specs.create(conn, checkfirst=True)
            if assigned is not None:
                assigned.create(conn, checkfirst=True)

        def read(conn: Connection) -> Applied:
            return read_applied(conn, table, key)

        # under transaction: run the ledger lives in the run's transaction (a second
        # connection would wait on its locks), except for MariaDB's auto-committing DDL
        scoped = self._scope.link if self._scope is not None else None
        if scoped is not None and self._engine.dialect.name not in ("mysql", "mariadb"):
            scoped.run(create)
            applied = scoped.run(read)
        else:
            own = connect(ctx.resources, self._engine)
            try:
                own.begin()
                own.run(create)
                own.commit()
                applied = (scoped or own).run(read)
            finally:
                own.close()
        other = applied.fingerprints - {ctx.ledger_step.fingerprint}
        if other:
            raise HandlerError(self._changed_spec(ctx, other, scoped))
        self._ledger, self._applied, self._step = table, applied, key
        self._specs = specs_table(self.options.ledger_table, self.options.schema_)

    def _lock(self, ctx: HandlerContext) -> None:
        """Hold this database's apply lock for the rest of the run (once per URL)."""
        locks.hold(
            ctx.resources,
            resolve_url(self.options.url, ctx.base_dir),
            self.options.ledger_table,
            self.options.schema_,
            run_id=ctx.run_id,
            timeout=ctx.ledger_step.lock_timeout,
            label=redact_url(self.options.url),
            connect=lambda: connect(ctx.resources, self._engine),
        )

    def _changed_spec(self, ctx: HandlerContext, other: set[str], scoped: Link | None) -> str:
        """Why rows of another fingerprint are refused: which parts changed, and where."""
        specs = specs_table(self.options.ledger_table, self.options.schema_)
        reader = scoped or connect(ctx.resources, self._engine)
        try:
            recorded = reader.run(lambda c: read_specs(c, specs, other))
        finally:
            if scoped is None:
                reader.close()
        led = ctx.ledger_step
        return refusal(ctx.dataset, led.where, self._label, led.spec_parts, recorded.values())

    def _record(
        self, conn: Connection, ranges: list[tuple[int, int]], keys: list[tuple[Any, ...]]
    ) -> None:
        assert self._ledger is not None
        assert self._step is not None
        assert self._ctx is not None
        if not self._spec_recorded and self._specs is not None:
            parts = json.dumps(self._ctx.ledger_step.spec_parts, sort_keys=True)
            record_spec(conn, self._specs, self._ctx.ledger_step.fingerprint, parts)
            self._spec_recorded = True
        fingerprint = self._ctx.ledger_step.fingerprint
        record(conn, self._ledger, self._step, self._ctx.run_id, fingerprint, ranges)
        if self._returning:
            record_keys(conn, self._keys_table(), self._step, fingerprint, ranges, keys)
        for a, b in ranges:
            self._applied.add(self._ctx.ledger_step.fingerprint, a, b)

    # -- cycles: deferred columns (handlers/sqlupdate) ------------------------------------

    def defer_update(self, update: ColumnUpdate) -> None:
        """Set ``update``'s column in this step's transaction, before it commits, when this
        step wrote rows (or ``update.force``): a complete re-apply updates nothing."""
        self._updates.append(update)

    def defer_constraints(self, names: list[str | None]) -> None:
        """Check these DEFERRABLE foreign keys at COMMIT (the run's transaction)."""
        self._run(
            "defer constraints",
            lambda: self.link.run(
                lambda c: set_constraints_deferred(c, names, self.options.schema_)
            ),
        )

    def update_now(self, update: ColumnUpdate) -> int:
        """Run ``update`` in the open transaction (destroy: cut a cycle before deleting)."""
        return self._run(
            f"update {update.dataset}.{update.column}",
            lambda: self.link.run(lambda c: self._update(c, update)),
        )

    def _final(self, batch: Batch) -> bool:
        """``transaction: batch`` and this is the step's last batch: its transaction is the
        one that completes the cycles whose parent this dataset is."""
        if not self._updates or self.options.transaction != "batch":
            return False
        return self._ctx is not None and batch.stop >= self._ctx.total_rows

    def _complete_updates(self, conn: Connection, pending: Batch | None = None) -> None:
        """The deferred columns, set on ``conn`` before its transaction commits: when this
        step wrote rows (or the child's rows were written in this run)."""
        for u in self._updates:
            if self._wrote or u.force:
                self._update(conn, u, pending)
        self._updated = True

    def _update(self, conn: Connection, update: ColumnUpdate, pending: Batch | None = None) -> int:
        renames = _attribute_columns(update.model)
        table = _model_table(update.model)
        if table is None:  # a model with no table of its own: the UPDATE needs only names
            return run_update(conn, light_table(update, renames), update, renames, pending)
        return run_update(conn, table, update, renames, pending)

    # -- undo (destroy) -----------------------------------------------------------------

    def open_undo(self, ctx: HandlerContext, shared: bool = False) -> Applied:
        """For destroy: connect, read the ledger and begin one transaction for the step.

        Rows are found by their primary key, regenerated from the same spec, so the ledger
        must hold this spec's fingerprint only.  ``shared``: join one transaction for every
        step on this database, deferrable constraints checked at its COMMIT (a cycle of NOT
        NULL keys can only go all at once); the caller commits it (``resources.finish``)."""
        self._dataset, self._ctx = ctx.dataset, ctx
        if not self.options.ledger:
            raise HandlerError(
                f"dataset '{ctx.dataset}' -> target '{ctx.target}' keeps no ledger: seedrunner "
                "cannot tell its rows from the application's; set ledger: true before applying"
            )
        self._engine = get_engine(ctx.resources, resolve_url(self.options.url, ctx.base_dir))
        self.table = self._table_for(ctx)
        self._renames = _attribute_columns(ctx.model)
        self._plan_keys(ctx)
        self._lock(ctx)
        table = ledger_table(self.options.ledger_table, self.options.schema_)
        key = StepKey(ctx.ledger_step.manifest, ctx.dataset, ctx.target, ctx.ledger_step.position)
        if shared:
            self._scope = self._run(
                "connect to the database",
                lambda: run_scope(ctx.resources, self._engine, self._label_url()),
            )
            self._link = self._scope.link
            self._scope.steps.append((ctx.dataset, ctx.target))
            self.defer_constraints([None])
        else:
            self._link = self._run(
                "connect to the database", lambda: connect(ctx.resources, self._engine)
            )
            self._run("begin a transaction", self.link.begin)  # the read is part of it
        applied = self._run(
            "read the run ledger", lambda: self.link.run(lambda c: read_applied(c, table, key))
        )
        if applied.fingerprints - {ctx.ledger_step.fingerprint}:
            raise HandlerError(
                f"dataset '{ctx.dataset}' on {self._label} holds rows of another spec than this "
                "manifest's; destroy finds rows by regenerating their keys, so restore the spec "
                "they were written with first"
            )
        self._ledger, self._applied, self._step = table, applied, key
        return applied

    def undo(self, batch: Batch) -> int:
        """Delete the rows of ``batch`` the ledger records as written here; how many went."""
        return self.delete_keys(self.undo_keys(batch), f"delete batch {batch.index}")

    @property
    def self_referencing(self) -> bool:
        """The table has a foreign key to itself: its rows must go children first."""
        table = self.table
        return table is not None and any(fk.references(table) for fk in table.foreign_keys)

    def undo_keys(self, batch: Batch) -> list[tuple[Any, ...]]:
        """The primary keys of the rows of ``batch`` the ledger records as written here."""
        assert self.table is not None
        assert self._ctx is not None
        ranges = self._applied.present(self._ctx.ledger_step.fingerprint, batch.start, batch.stop)
        if not ranges:
            return []
        if self._returning:  # assigned by the database: as the ledger recorded them
            batch = self._with_keys(batch, [], [])
        columns = dict(zip(self._column_names(batch), batch.names, strict=True))
        fields = [columns.get(c.name) for c in self.table.primary_key.columns]
        if not fields or None in fields:
            raise HandlerError(
                f"dataset '{self._dataset}' -> {self._label}: destroy deletes rows by their "
                "primary key, and this table's key is neither among the dataset's fields "
                "nor assigned by the database"
            )
        values = [batch.columns[f] for f in fields if f is not None]
        return [
            tuple(col[i - batch.start] for col in values) for a, b in ranges for i in range(a, b)
        ]

    def delete_keys(self, picked: list[tuple[Any, ...]], what: str) -> int:
        """Delete the rows with these primary keys, in this order where it matters: on
        MariaDB/MySQL a self-referencing table checks its key row by row, and SQLite runs
        its ON DELETE CASCADE row by row (a parent met first takes its children along,
        uncounted), so each row goes by a statement of its own; elsewhere 500 a statement
        (checked and cascaded per statement)."""
        assert self.table is not None
        table = self.table
        row_by_row = ("mysql", "mariadb", "sqlite")
        one_by_one = self.self_referencing and self._engine.dialect.name in row_by_row
        delete = delete_in_order if one_by_one else delete_by_key
        return self._run(what, lambda: self.link.run(lambda c: delete(c, table, picked)))

    def close_undo(self, error: BaseException | None) -> None:
        """Forget the step's ledger rows and commit with the deletes; or roll back both."""
        link, self._link = self._link, None
        if link is None:
            return
        ledger, step = self._ledger, self._step

        def forget_step() -> None:
            assert ledger is not None
            assert step is not None
            assigned = self._keys_table()

            def drop(c: Connection) -> None:
                forget(c, ledger, step)
                forget_keys(c, assigned, step)

            self._run("forget the ledger", lambda: link.run(drop))

        scope, self._scope = self._scope, None
        if scope is None:
            self._finish(link, forget_step, ok=error is None)
        elif error is not None:
            scope.rollback(error)
        else:  # the caller commits every step of the shared transaction at once
            forget_step()

    # -- errors -----------------------------------------------------------------------

    def _run(self, what: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except exc.DBAPIError as e:
            transient = is_transient(e)
            if transient and self.options.transaction != "batch":
                self._lost = True
            raise self._error(what, e, transient) from None
        except exc.SQLAlchemyError as e:
            raise self._error(what, e, False) from None

    def _error(self, what: str, e: BaseException, transient: bool) -> HandlerError:
        cls = TransientHandlerError if transient else HandlerError
        where = f"dataset '{self._dataset}' -> {self._label}"
        kept = ""
        if what.startswith(("write", "commit", "advance")):
            kept = (
                " "
                + {
                    "batch": "Batches before this one stay committed.",
                    "dataset": "Nothing of this step was kept.",
                    "run": "Nothing of this run was kept on this database.",
                }[self.options.transaction]
            )
        dup = duplicate_key(e, self.table) if self.table is not None else None
        if dup is not None:
            assert self.table is not None
            return cls(f"{where}: cannot {what}: {conflict_message(self.table, *dup)}{kept}")
        cause = describe(e)
        if self.table is not None:  # PostgreSQL names a type, not its column; MariaDB the reverse
            cause += type_error_columns(self.table, e)
        if kept and not cause.endswith("."):
            cause += "."
        url = self._engine.url if self._engine is not None else None
        if url is not None and url.get_backend_name() == "sqlite":
            file = locks.sqlite_file(url)
            if file is not None:
                where += f" in {file}"
        elif what in _CONNECTING and url is not None and url.host:
            where += f" at {url.host}:{url.port or 'default port'}"
        if (
            what in _LEDGER_STEPS
            and isinstance(e, exc.DBAPIError)
            and is_permission_denied(e)
        ):
            cause += (
                f" (seedrunner keeps its run ledger in tables named {self.options.ledger_table}"
                "*; let this role create them, or set ledger: false on the target to write "
                "without one)"
            )
        if what.startswith("advance") and sqlstate(e) == "42501":
            cause += (
                " seedrunner writes explicit keys and moves the table's sequence past them "
                "so the application's next insert does not collide; the role needs UPDATE "
                "on that sequence (GRANT UPDATE ON SEQUENCE <table>_<column>_seq TO <role>), "
                "or leave the key to the database with {skip: true}."
            )
        return cls(f"{where}: cannot {what}: {cause}{kept}")


#: what the handler does for its ledger; a failure there gets a hint about the ledger
_LEDGER_STEPS = ("take the database's apply lock", "read the run ledger")
#: the first things done on a connection: a failure there says where the server is
_CONNECTING = ("take the database's apply lock", "connect to the database", "reconnect")


def _rows(columns: list[list[Any]], start: int, ranges: list[tuple[int, int]]) -> list[list[Any]]:
    """The batch's columns cut to the rows in ``ranges`` (dataset row numbers)."""
    return [[v for a, b in ranges for v in col[a - start : b - start]] for col in columns]


def naive_utc(table: sa.Table, names: tuple[str, ...], columns: list[list[Any]]) -> list[list[Any]]:
    """Aware datetimes bound for a column without time zone become naive UTC.

    Left to each path, COPY would drop the offset, INSERT on PostgreSQL would convert by the
    session's TimeZone, and MariaDB/SQLite would drop it: the same manifest would store
    different times.  One rule for every path and database: UTC.
    """
    out = columns
    for i, name in enumerate(names):
        col_type = table.c[name].type
        if isinstance(col_type, sa.DateTime) and not col_type.timezone:
            values = columns[i]
            if any(getattr(v, "tzinfo", None) is not None for v in values):
                if out is columns:
                    out = list(columns)
                out[i] = [_to_naive_utc(v) for v in values]
    return out


def _to_naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _python_type(column: sa.Column[Any]) -> Any:
    """How a key read back from JSON becomes the column's value again (UUIDs; ints and
    strings come back as they were); None where nothing is to be done."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return None
    return kind if kind is uuid.UUID else None


def _model_table(shape: ModelShape) -> sa.Table | None:
    """The model's own table: a mapped class's ``__table__`` or a reflected ``Table``."""
    model = shape.model
    if isinstance(model, sa.Table):
        return model
    if shape.kind == "sqlalchemy":
        table = getattr(model, "__table__", None)
        if isinstance(table, sa.Table):
            return table
    return None


def _attribute_columns(shape: ModelShape) -> dict[str, str]:
    """Mapped attribute name -> column key, where they differ (``type_ = Column("type")``)."""
    if shape.kind != "sqlalchemy" or shape.model is None:
        return {}
    try:
        mapper = sa.inspect(shape.model)
    except exc.NoInspectionAvailable:
        return {}
    renames: dict[str, str] = {}
    for prop in getattr(mapper, "column_attrs", ()):
        column = prop.columns[0]
        if isinstance(column, sa.Column) and column.key != prop.key:
            renames[prop.key] = column.key
    return renames
