"""The ``sqlite-json`` handler: each row as one JSON document in a SQLite table.

The table has the layout ``pfg persist --handler sqlite-json`` (pydantic-fixturegen 1.x)
writes, so tools that read its ``pfg_records`` table read ours too::

    id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, payload TEXT NOT NULL

``model`` is the model's name and ``payload`` the row as compact JSON (``jsonable``).  Set
``table: pfg_records`` to share pfg's table; the default is the dataset's name.

All or nothing per dataset step: ``open`` begins an IMMEDIATE transaction (the write lock is
taken at once, so a second writer fails at open rather than mid-step), table creation is
inside it, and ``close(None)`` commits; any error rolls everything back, table included.

With ``ledger: true`` the run ledger's tables go into the same file, written in that
transaction (``docledger``, through a SQLAlchemy connection over the very same sqlite3
connection): apply again writes only the rows it lacks instead of every document again,
and destroy deletes exactly the documents written, by the ids SQLite gave them (recorded
in ``<ledger>_keys``).  Off by default: the file then holds pfg's table only.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

import sqlalchemy as sa
from pydantic import Field, field_validator
from sqlalchemy.dialects import sqlite as sa_sqlite

from seedrunner.db.errors import SQLITE3_ERRORS, phase_of, translate
from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.handlers.docledger import DocLedger
from seedrunner.jsonable import dumps_row
from seedrunner.ledger.spec import LedgerSite, LedgerSpec
from seedrunner.ledger.sqlledger import DEFAULT_TABLE, Applied

T = TypeVar("T")

JournalMode = Literal["DELETE", "TRUNCATE", "PERSIST", "MEMORY", "WAL", "OFF"]
_COLUMNS = ("id", "model", "payload")
_QUOTE = sa_sqlite.dialect().identifier_preparer.quote


class SqliteJsonOptions(HandlerOptions):
    handler: str = Field(default="sqlite-json", description="Which handler this target uses.")
    database: str = Field(
        description="SQLite database file; a relative path resolves against the manifest's "
        "folder. The file and its folder are created when missing.",
    )
    table: str | None = Field(
        default=None,
        min_length=1,
        description="Table of documents (default: the dataset's name). 'pfg_records' is the "
        "table pydantic-fixturegen's `pfg persist` writes.",
    )
    ensure_table: bool = Field(
        default=True,
        description="Create the table if it does not exist (in the step's transaction).",
    )
    journal_mode: JournalMode | None = Field(
        default=None,
        description="Set the database's journal mode before writing (DELETE, TRUNCATE, "
        "PERSIST, MEMORY, WAL, OFF; case-insensitive). It is a lasting property of the file "
        "in WAL mode. Default: leave it as it is.",
    )

    ledger: bool = Field(
        default=False,
        description="Keep a run ledger in the same file (same transaction): apply again "
        "writes only what is missing instead of every document again, plan shows the "
        "state, destroy deletes exactly the documents written.",
    )
    ledger_table: str = Field(default=DEFAULT_TABLE, description="The ledger's table name.")

    def ledger_spec(self, site: LedgerSite) -> LedgerSpec | None:
        """A ``sql`` ledger in the database file, with ``ledger: true``."""
        if not self.ledger:
            return None
        path = (site.base_dir / self.database).resolve()
        return LedgerSpec(
            "sql", url=f"sqlite:///{path}", base_dir=site.base_dir, table=self.ledger_table,
            label=str(path), cannot_undo=site.cannot_undo,
        )  # fmt: skip

    @field_validator("journal_mode", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class SqliteJsonHandler:
    """Insert each batch with one ``executemany``; commit once, when the step succeeds.

    Two targets writing the same file in one dataset's chain would wait on each other's
    write lock: the second fails after the busy timeout with "database is locked".
    """

    name: ClassVar[str] = "sqlite-json"
    Options: ClassVar[type[HandlerOptions]] = SqliteJsonOptions

    def __init__(self, options: SqliteJsonOptions) -> None:
        self.options = options
        self.path: Path | None = None
        self.table = options.table or "?"
        self._conn: sqlite3.Connection | None = None
        self._insert = ""
        self._model = ""
        self._where = "sqlite-json"
        self._ledger: DocLedger | None = None
        self._sa: sa.Connection | None = None  # the ledger's view of the same connection
        self.skipped_rows = 0

    def open(self, ctx: HandlerContext) -> None:
        self._begin(ctx)
        try:
            if self._ledger is not None:
                self._open_ledger(self._ledger)
        except BaseException as e:
            self.close(e)
            raise

    def _begin(self, ctx: HandlerContext) -> None:
        """Connect, take the write lock and check the table (closed again on failure)."""
        self.table = self.options.table or ctx.dataset
        self._model = ctx.model.name
        self.path = (ctx.base_dir / self.options.database).resolve()
        self._where = (
            f"dataset '{ctx.dataset}' -> target '{ctx.target}' "
            f"(table '{self.table}' in {self.path})"
        )
        quoted = _QUOTE(self.table)
        self._insert = f"INSERT INTO {quoted} (model, payload) VALUES (?, ?)"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HandlerError(f"{self._where}: cannot create the folder: {exc.strerror}") from None
        try:
            self._conn = self._run("open the database", self._connect)
            if self.options.ledger:
                label = f"target '{ctx.target}' ({self.path})"
                self._ledger = DocLedger(ctx, self.options.ledger_table, None, label, True)
                self._sa = _over(self.conn)  # before BEGIN: its first connect rolls back
            self._run("begin a transaction", lambda: self.conn.execute("BEGIN IMMEDIATE"))
            if self.options.ensure_table:
                self._run("create the table", lambda: self.conn.execute(_create_sql(quoted)))
            self._check_columns()
        except BaseException as e:  # the executor only closes handlers that opened
            self.close(e)
            raise

    def write(self, batch: Batch) -> Batch | None:
        if batch.size == 0:
            return None
        ledger = self._ledger
        todo = [(batch.start, batch.stop)] if ledger is None else ledger.todo(batch)
        self.skipped_rows += batch.size - sum(b - a for a, b in todo)
        if not todo:
            return None
        try:
            records = batch.records()
            picked = [records[i - batch.start] for a, b in todo for i in range(a, b)]
            rows = [(self._model, dumps_row(r)) for r in picked]
        except (TypeError, ValueError) as exc:  # the message names a type, never a value
            raise HandlerError(
                f"{self._where}: cannot write batch {batch.index}: {exc}. Nothing of this "
                "step was kept."
            ) from None
        self._run(f"write batch {batch.index}", lambda: self.conn.executemany(self._insert, rows))
        if ledger is not None:  # one writer (BEGIN IMMEDIATE): the ids run up to the last
            last = int(self.conn.execute("SELECT last_insert_rowid()").fetchone()[0])
            ids = [(i,) for i in range(last - len(rows) + 1, last + 1)]
            sa_conn = self.sa_conn
            self._run("record the batch in the ledger",
                      lambda: ledger.record(sa_conn, todo, [], "", ids))  # fmt: skip
        return None

    def _open_ledger(self, ledger: DocLedger) -> None:
        sa_conn = self.sa_conn
        ledger.refuse(self._run("read the run ledger", lambda: ledger.open(sa_conn)))

    def close(self, error: BaseException | None) -> None:
        conn, self._conn = self._conn, None
        view, self._sa = self._sa, None
        if conn is None:
            return
        try:
            if error is None:
                self._run("commit", conn.commit)
        finally:
            if conn.in_transaction:  # the step failed, or its commit did
                with contextlib.suppress(sqlite3.Error):
                    conn.rollback()
            if view is not None:  # after the commit: its close rolls back
                with contextlib.suppress(Exception):
                    view.close()
            conn.close()

    # -- destroy ------------------------------------------------------------------------

    def open_undo(self, ctx: HandlerContext) -> Applied:
        """Open the step's transaction and read what the ledger records (destroy)."""
        if not self.options.ledger:
            raise HandlerError("sqlite-json keeps no ledger (ledger: false), so destroy "
                               "cannot tell its documents from others")  # fmt: skip
        self._begin(ctx)
        ledger, sa_conn = self._ledger, self.sa_conn
        assert ledger is not None
        applied = self._run("read the run ledger", lambda: ledger.read_for_undo(sa_conn))
        ledger.check_undo()
        return applied

    def undo(self, batch: Batch) -> int:
        """Delete the documents of ``batch`` the ledger records as ours; how many went."""
        ledger, sa_conn = self._ledger, self.sa_conn
        assert ledger is not None
        ids = self._run("read the recorded ids", lambda: ledger.assigned_ids(sa_conn, batch))
        delete = f"DELETE FROM {_QUOTE(self.table)} WHERE id = ?"
        before = self.conn.total_changes
        self._run(f"delete the documents of batch {batch.index}",
                  lambda: self.conn.executemany(delete, [(i,) for i in ids]))  # fmt: skip
        return self.conn.total_changes - before

    def close_undo(self, error: BaseException | None) -> None:
        """Forget the step's ledger with the deletes (one commit), or roll both back."""
        ledger = self._ledger
        try:
            if error is None and ledger is not None and self._sa is not None:
                sa_conn = self.sa_conn
                self._run("forget the ledger", lambda: ledger.forget(sa_conn))
        except BaseException as e:
            self.close(e)
            raise
        self.close(error)

    # -- helpers ----------------------------------------------------------------------

    @property
    def sa_conn(self) -> sa.Connection:
        assert self._sa is not None, "ledger used without ledger: true"
        return self._sa

    @property
    def conn(self) -> sqlite3.Connection:
        assert self._conn is not None, "handler used before open() or after close()"
        return self._conn

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: the driver begins nothing on its own; BEGIN/COMMIT are ours.
        conn = sqlite3.connect(self.path or "", isolation_level=None)
        mode = self.options.journal_mode
        if mode is not None:
            try:
                # The value is one of the validated literals, never manifest text as such.
                got = conn.execute(f"PRAGMA journal_mode={mode}").fetchone()
            except BaseException:
                conn.close()
                raise
            if got is None or str(got[0]).upper() != mode:
                conn.close()
                shown = got[0] if got else "nothing"
                raise HandlerError(
                    f"{self._where}: journal_mode {mode} was refused (the database reports "
                    f"{shown}); choose another journal_mode or drop the option"
                )
        return conn

    def _check_columns(self) -> None:
        """The table must have pfg's columns; say so before the first batch, not during it."""
        found = {
            str(row[0])
            for row in self._run(
                "read the table's columns",
                lambda: self.conn.execute(
                    "SELECT name FROM pragma_table_info(?)", (self.table,)
                ).fetchall(),
            )
        }
        if not found:
            raise HandlerError(
                f"{self._where}: the table does not exist; set ensure_table: true to create it"
            )
        missing = [c for c in _COLUMNS if c not in found]
        if missing:
            raise HandlerError(
                f"{self._where}: the table lacks column(s) {', '.join(missing)}; sqlite-json "
                "writes (id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT, payload TEXT). "
                "Choose another table"
            )

    def _run(self, what: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except Exception as exc:  # SQLITE3_ERRORS says which, and how to report them
            phase = phase_of(what)
            mapped = translate(SQLITE3_ERRORS, exc, phase)
            kept = " Nothing of this step was kept." if phase in ("write", "commit") else ""
            raise mapped.error(f"{self._where}: cannot {what}: {mapped.message}.{kept}") from None


def _over(conn: sqlite3.Connection) -> sa.Connection:
    """A SQLAlchemy connection on ``conn`` itself (so the ledger's statements are part of
    the step's transaction); it never commits or resets ``conn`` on its own."""
    engine = sa.create_engine(
        "sqlite://", creator=lambda: conn, poolclass=sa.pool.StaticPool,
        pool_reset_on_return=None,
    )  # fmt: skip
    return engine.connect()


def _create_sql(quoted_table: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {quoted_table} ("
        "id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, payload TEXT NOT NULL)"
    )
