"""The ``sqlite-json`` handler: each row as one JSON document in a SQLite table.

The table has the layout ``pfg persist --handler sqlite-json`` (pydantic-fixturegen 1.x)
writes, so tools that read its ``pfg_records`` table read ours too::

    id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, payload TEXT NOT NULL

``model`` is the model's name and ``payload`` the row as compact JSON (``jsonable``).  Set
``table: pfg_records`` to share pfg's table; the default is the dataset's name.

All or nothing per dataset step: ``open`` begins an IMMEDIATE transaction (the write lock is
taken at once, so a second writer fails at open rather than mid-step), table creation is
inside it, and ``close(None)`` commits; any error rolls everything back, table included.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import Field, field_validator
from sqlalchemy.dialects import sqlite as sa_sqlite

from seedrunner.db.errors import SQLITE3_ERRORS, phase_of, translate
from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.jsonable import dumps_row

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

    def open(self, ctx: HandlerContext) -> None:
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
        try:
            rows = [(self._model, dumps_row(r)) for r in batch.records()]
        except (TypeError, ValueError) as exc:  # the message names a type, never a value
            raise HandlerError(
                f"{self._where}: cannot write batch {batch.index}: {exc}. Nothing of this "
                "step was kept."
            ) from None
        self._run(f"write batch {batch.index}", lambda: self.conn.executemany(self._insert, rows))
        return None

    def close(self, error: BaseException | None) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if error is None:
                self._run("commit", conn.commit)
        finally:
            if conn.in_transaction:  # the step failed, or its commit did
                with contextlib.suppress(sqlite3.Error):
                    conn.rollback()
            conn.close()

    # -- helpers ----------------------------------------------------------------------

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


def _create_sql(quoted_table: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {quoted_table} ("
        "id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, payload TEXT NOT NULL)"
    )
