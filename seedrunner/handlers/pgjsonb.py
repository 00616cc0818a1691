"""The ``postgres-jsonb`` handler: rows as JSONB documents in one PostgreSQL table.

The table is created on open when missing (with its indexes, inside the step's
transaction)::

    id UUID PRIMARY KEY, class_name TEXT, data JSONB, schema_version INTEGER,
    created_at TIMESTAMPTZ DEFAULT now(), updated_at TIMESTAMPTZ DEFAULT now()
    + an index on class_name and a GIN index on data

``id`` is the row's primary key when that is a single UUID, otherwise a UUID derived from
the run's seed, the dataset and the row's index, so running the manifest again hits the
same documents: ``on_conflict`` then says whether that is an error, skipped, or an update
(``data``, ``schema_version`` and ``updated_at`` change; ``created_at`` stays).

One transaction per dataset step: nothing (the table included) is kept when the step fails.
With ``ledger: true`` (the default) the run ledger's tables sit beside the documents and
are written in that transaction (``docledger``): apply again writes only the rows the
ledger lacks, a document whose id was there already is counted as ignored (or updated)
and left to its owner, and destroy deletes exactly the documents the ledger records.
New documents go in by COPY when no conflict clause is needed (psycopg), otherwise by
executemany of ``INSERT ... ON CONFLICT``.  Identifiers reach SQL only through SQLAlchemy
and psycopg's quoting; errors keep the driver's first line (no row values) and mask the
URL's password.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar, Literal, TypeVar

import sqlalchemy as sa
from pydantic import ConfigDict, Field
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.engine import Connection

from seedrunner.db.engines import Link, connect, get_engine, resolve_url
from seedrunner.db.errors import SQL_ERRORS, ErrorRow, Facts, phase_of, translate
from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.handlers.docledger import DocLedger, delete_ids
from seedrunner.handlers.redisstore import seeded_uuid
from seedrunner.handlers.sqlconflict import ConflictCheck, to_rows
from seedrunner.handlers.sqlcopy import can_copy, copy_rows
from seedrunner.handlers.sqlinsert import cut_rows
from seedrunner.ledger.spec import LedgerSite, LedgerSpec
from seedrunner.ledger.sqlledger import DEFAULT_TABLE, Applied
from seedrunner.redact import redact_url

T = TypeVar("T")

_COLUMNS = ("id", "class_name", "data", "schema_version")
_NAMING = {"ix": "ix_%(table_name)s_%(column_0_name)s"}


class PostgresJsonbOptions(HandlerOptions):
    handler: str = Field(default="postgres-jsonb", description="Which handler this target uses.")
    url: str = Field(
        description="PostgreSQL URL: postgresql:// (psycopg), postgresql+psycopg:// or "
        "postgresql+psycopg_async://. Shown with its password masked.",
    )
    table: str = Field(
        default="seed_documents", min_length=1, description="Table holding the documents."
    )
    schema_: str | None = Field(
        default=None,
        alias="schema",
        min_length=1,
        description="Database schema of the table (default: the connection's search_path).",
    )
    schema_version: int = Field(
        default=1, ge=1, description="Stored with every document, for readers that migrate."
    )
    on_conflict: Literal["error", "ignore", "update"] = Field(
        default="error",
        description="When a document's id exists: fail, keep the existing document, or "
        "replace its data and schema_version (updated_at is set to now()).",
    )

    ledger: bool = Field(
        default=True,
        description="Keep a run ledger beside the documents (same database, same "
        "transaction): apply again writes only what is missing, plan shows the state, "
        "destroy deletes exactly the documents written.",
    )
    ledger_table: str = Field(
        default=DEFAULT_TABLE, description="The ledger's table name (in the table's schema)."
    )

    def ledger_spec(self, site: LedgerSite) -> LedgerSpec | None:
        """A ``sql`` ledger beside the documents, unless ``ledger: false``."""
        if not self.ledger:
            return None
        url = self.url
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                url = "postgresql+psycopg://" + url[len(plain) :]
        return LedgerSpec(
            "sql", url=url, base_dir=site.base_dir, table=self.ledger_table,
            schema=self.schema_, label=redact_url(self.url), cannot_undo=site.cannot_undo,
        )  # fmt: skip

    # 'schema' would shadow a BaseModel method: the field is schema_ with an alias, and
    # dumps (plan display, JSON) use the alias, as the manifest does.
    model_config = ConfigDict(serialize_by_alias=True)

    def __repr_args__(self) -> Any:
        for key, value in super().__repr_args__():
            yield key, (redact_url(value) if key == "url" and isinstance(value, str) else value)


def _timestamp(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def document_table(name: str, schema: str | None) -> sa.Table:
    """The document table, its primary key and its two indexes (names by convention)."""
    table = sa.Table(
        name,
        sa.MetaData(schema=schema, naming_convention=_NAMING),
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("class_name", sa.Text, nullable=False),
        sa.Column("data", pg.JSONB, nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
    )
    sa.Index(None, table.c.class_name)
    sa.Index(None, table.c.data, postgresql_using="gin")
    return table


def postgres_url(url: str, ctx: HandlerContext) -> sa.URL:
    """``url`` parsed; plain postgresql:// (or postgres://) gets the psycopg driver."""
    parsed = resolve_url(url, ctx.base_dir)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "postgresql":
        raise HandlerError(
            f"dataset '{ctx.dataset}' -> target '{ctx.target}': postgres-jsonb needs a "
            f"PostgreSQL URL (postgresql://...), not {parsed.get_backend_name()}://"
        )
    return parsed


class PostgresJsonbHandler:
    """Write each batch as documents; commit once, when the step succeeds."""

    name: ClassVar[str] = "postgres-jsonb"
    Options: ClassVar[type[HandlerOptions]] = PostgresJsonbOptions

    def __init__(self, options: PostgresJsonbOptions) -> None:
        self.options = options
        self.table = document_table(options.table, options.schema_)
        self._link: Link | None = None
        self._statement: Any = None
        self._class_name = ""
        self._dataset = "?"
        self._seed = 0
        self._uuid_key: str | None = None
        self._where = f"postgres-jsonb {redact_url(options.url)}"
        duplicate = partial(_duplicate_id, table=self.table.fullname)
        self._facts = Facts(table=self.table, duplicate=duplicate, type_columns=False)
        self._ledger: DocLedger | None = None
        self._check = ConflictCheck(self.table, "postgresql", None)
        self.skipped_rows = 0
        self._kept = [0, 0]  # rows whose id the table held: ignored, updated

    @property
    def kept_rows(self) -> tuple[int, int]:
        """Documents whose id the table held: (ignored, updated in place); not ours."""
        return self._kept[0], self._kept[1]

    def __repr__(self) -> str:
        return f"PostgresJsonbHandler({redact_url(self.options.url)!r})"

    def open(self, ctx: HandlerContext) -> None:
        self._connect(ctx)
        try:
            if self._ledger is not None:
                ledger = self._ledger
                ledger.refuse(self._run("read the run ledger", lambda: self.link.run(ledger.open)))
        except BaseException as e:
            self.close(e)
            raise

    def _connect(self, ctx: HandlerContext) -> None:
        """Connect, begin the step's transaction and create the table (closed on failure)."""
        self._dataset, self._seed, self._class_name = ctx.dataset, ctx.seed, ctx.model.name
        if self.options.ledger:
            label = f"target '{ctx.target}' ({redact_url(self.options.url)})"
            self._ledger = DocLedger(ctx, self.options.ledger_table, self.options.schema_, label)
        pk = ctx.model.primary_key
        self._uuid_key = pk[0].name if len(pk) == 1 else None
        self._where = (
            f"dataset '{ctx.dataset}' -> target '{ctx.target}' "
            f"(table '{self.table.fullname}' on {redact_url(self.options.url)})"
        )
        url = postgres_url(self.options.url, ctx)
        engine = get_engine(ctx.resources, url)
        self._statement = self._insert_statement()
        try:
            self._link = self._run(
                "connect to the database", lambda: connect(ctx.resources, engine)
            )
            self._run("begin a transaction", self.link.begin)
            self._run("create the table", lambda: self.link.run(self._create))
        except BaseException as e:  # the executor only closes handlers that opened
            self.close(e)
            raise

    def write(self, batch: Batch) -> Batch | None:
        if batch.size == 0:
            return None
        todo = [(batch.start, batch.stop)] if self._ledger is None else self._ledger.todo(batch)
        self.skipped_rows += batch.size - sum(b - a for a, b in todo)
        if not todo:
            return None
        columns: list[list[Any]] = [
            self.ids(batch),
            [self._class_name] * batch.size,
            batch.records(),
            [self.options.schema_version] * batch.size,
        ]
        if todo != [(batch.start, batch.stop)]:
            columns = cut_rows(columns, batch.start, todo)
        self._run(
            f"write batch {batch.index}",
            lambda: self.link.run(lambda c: self._insert(c, columns, todo)),
        )
        return None

    def close(self, error: BaseException | None) -> None:
        link, self._link = self._link, None
        if link is None:
            return
        committed = False
        try:
            if error is None:
                self._run("commit", link.commit)
                committed = True
        finally:
            if not committed:  # the step failed, or its commit did
                with contextlib.suppress(exc.SQLAlchemyError):
                    link.rollback()
            link.close()

    # -- documents ----------------------------------------------------------------------

    def ids(self, batch: Batch) -> list[uuid.UUID]:
        """The row's own UUID key where it has one, else the seeded UUID of its index."""
        own = batch.columns.get(self._uuid_key) if self._uuid_key else None
        return [
            own[i]
            if own is not None and isinstance(own[i], uuid.UUID)
            else seeded_uuid(self._seed, self._dataset, batch.start + i)
            for i in range(batch.size)
        ]

    def _insert_statement(self) -> Any:
        stmt = pg.insert(self.table)
        if self.options.on_conflict == "ignore":
            return stmt.on_conflict_do_nothing(index_elements=[self.table.c.id])
        if self.options.on_conflict == "update":
            return stmt.on_conflict_do_update(
                index_elements=[self.table.c.id],
                set_={
                    "data": stmt.excluded.data,
                    "schema_version": stmt.excluded.schema_version,
                    "updated_at": sa.func.now(),
                },
            )
        return stmt

    def _insert(
        self, conn: Connection, columns: list[list[Any]], todo: list[tuple[int, int]]
    ) -> None:
        """Write the documents (and their ledger rows) of ``todo``; with ``on_conflict``
        ignore/update, the ids the table held are counted and recorded as not ours."""
        conflicts = self.options.on_conflict != "error"
        there = self._check.there(conn, _COLUMNS, columns) if conflicts else []
        if not conflicts and can_copy(conn.dialect, self.table, _COLUMNS):
            copy_rows(conn, self.table, _COLUMNS, columns)
        else:
            records = [dict(zip(_COLUMNS, r, strict=True)) for r in zip(*columns, strict=True)]
            conn.execute(self._statement, records)
        how = "ignored" if self.options.on_conflict == "ignore" else "updated"
        if self._ledger is not None:
            self._ledger.record(conn, todo, to_rows(there, todo), how)
        self._kept[0 if how == "ignored" else 1] += len(there)

    # -- destroy ------------------------------------------------------------------------

    def open_undo(self, ctx: HandlerContext) -> Applied:
        """Begin the step's transaction and read what the ledger records (destroy)."""
        if not self.options.ledger:
            raise HandlerError(
                f"{self._where}: keeps no ledger (ledger: false), so destroy cannot tell "
                "its documents from others"
            )
        self._connect(ctx)
        ledger = self._ledger
        assert ledger is not None
        applied = self._run("read the run ledger", lambda: self.link.run(ledger.read_for_undo))
        ledger.check_undo()
        return applied

    def undo(self, batch: Batch) -> int:
        """Delete the documents of ``batch`` the ledger records as ours; how many went."""
        ledger = self._ledger
        assert ledger is not None
        ids = self.ids(batch)
        mine = [ids[i - batch.start] for a, b in ledger.present(batch) for i in range(a, b)]
        if not mine:
            return 0
        what = f"delete the documents of batch {batch.index}"
        gone: int = self._run(
            what, lambda: self.link.run(lambda c: delete_ids(c, self.table, mine))
        )
        return gone

    def close_undo(self, error: BaseException | None) -> None:
        """Forget the step's ledger with the deletes (one commit), or roll both back."""
        ledger = self._ledger
        try:
            if error is None and ledger is not None and self._link is not None:
                self._run("forget the ledger", lambda: self.link.run(ledger.forget))
        except BaseException as e:
            self.close(e)
            raise
        self.close(error)

    def _create(self, conn: Connection) -> None:
        self.table.metadata.create_all(conn, tables=[self.table], checkfirst=True)

    @property
    def link(self) -> Link:
        assert self._link is not None, "handler used before open() or after close()"
        return self._link

    # -- errors -------------------------------------------------------------------------

    def _run(self, what: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except Exception as e:
            phase = phase_of(what)
            mapped = translate(_ERRORS, e, phase, self._facts)
            kept = " Nothing of this step was kept." if phase in ("write", "commit") else ""
            cause = mapped.message + ("" if mapped.message.endswith(".") else ".")
            raise mapped.error(
                f"{self._where}: cannot {what}: {cause}{mapped.hint}{kept}"
            ) from None


def _duplicate_id(name: str, _columns: list[str], table: str) -> str:
    return (
        f"a document id is already in table '{table}' (constraint '{name}'). Set "
        "on_conflict: ignore to keep the existing documents, or on_conflict: update to "
        "replace their data."
    )


def _unconvertible(error: BaseException, _facts: Facts) -> str:
    """A value jsonable cannot convert: the message names a type, never a value."""
    return f"{type(error).__name__}: {error}"


#: the SQL table, and values the documents' JSON cannot hold
_ERRORS = (*SQL_ERRORS, ErrorRow((TypeError, ValueError), HandlerError, _unconvertible))
