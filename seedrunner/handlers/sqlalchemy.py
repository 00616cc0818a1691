"""The ``sqlalchemy`` handler: batches into any SQLAlchemy URL, one transaction per step.

Engines are run-scoped (``ctx.resources``, keyed by URL) and created with
``hide_parameters=True``; every error message goes through ``seedrunner.redact`` and
keeps only the first line of the driver's message, so neither the password nor row
values (PostgreSQL's ``DETAIL: Key (email)=(...)``) reach the output.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import sqlalchemy as sa
from pydantic import ConfigDict, Field
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine, RootTransaction, make_url

from seedrunner.errors import HandlerError, TransientHandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions, ResourcePool
from seedrunner.handlers.jsonable import dumps
from seedrunner.handlers.sqltypes import build_table
from seedrunner.models.shape import ModelShape
from seedrunner.redact import redact_url, scrub


class SqlAlchemyOptions(HandlerOptions):
    handler: str = Field(default="sqlalchemy", description="Which handler this target uses.")
    url: str = Field(
        description="SQLAlchemy database URL; a relative SQLite file resolves against the "
        "manifest's folder. Shown with its password masked.",
    )
    create_tables: bool = Field(
        default=False,
        description="Create the dataset's table if missing (its own transaction, before rows).",
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
        description="On a duplicate key: fail, skip the row, or update it "
        "('ignore'/'update' on SQLite, PostgreSQL and MySQL/MariaDB).",
    )
    conflict_on: list[str] | None = Field(
        default=None,
        description="Columns of the unique key that detects a conflict (default: the primary "
        "key; MySQL uses whichever unique key collides).",
    )
    transaction: Literal["batch", "dataset", "run"] = Field(
        default="dataset",
        description="Commit after each batch, once per dataset step, or once per run "
        "('run' currently commits per dataset step).",
    )
    echo: bool = Field(default=False, description="Log SQL statements (never their parameters).")

    # 'schema' would shadow BaseModel.schema, so the field is schema_ with alias 'schema';
    # dumps (plan display, JSON) use the alias, as the manifest does.
    model_config = ConfigDict(serialize_by_alias=True)

    def __repr_args__(self) -> Any:
        for key, value in super().__repr_args__():
            yield key, (redact_url(value) if key == "url" and isinstance(value, str) else value)


_JSON_DIALECTS = {"sqlite", "postgresql", "mysql", "mariadb"}
# SQLSTATE / MySQL codes worth a retry on a fresh connection (see reliability-cases.md).
_TRANSIENT_SQLSTATE_PREFIX = ("08",)
_TRANSIENT_SQLSTATE = {"57P01", "57P02", "57P03", "40001", "40P01"}
_TRANSIENT_MYSQL = {1205, 1213, 2006, 2013}


def resolve_url(url: str, base_dir: Path) -> sa.URL:
    """Parse ``url``; a relative SQLite file path is taken relative to ``base_dir``."""
    try:
        parsed = make_url(url)
    except Exception:  # the message may quote the URL (sqlalchemy#12579)
        raise HandlerError(f"cannot parse database URL {redact_url(url)!r}") from None
    db = parsed.database
    is_file = bool(db) and db != ":memory:" and not str(db).startswith("file:")
    if parsed.get_backend_name() == "sqlite" and is_file and not Path(str(db)).is_absolute():
        parsed = parsed.set(database=str(base_dir / str(db)))
    return parsed


def _foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _create_engine(url: sa.URL, echo: bool) -> Engine:
    kwargs: dict[str, Any] = {"hide_parameters": True, "echo": echo}
    if url.get_backend_name() in _JSON_DIALECTS:
        kwargs["json_serializer"] = dumps
    try:
        engine = sa.create_engine(url, **kwargs)
    except Exception as e:  # missing driver, unknown dialect, bad query arguments
        shown = url.render_as_string(hide_password=True)
        raise HandlerError(f"cannot create an engine for {shown}: {scrub(str(e))}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _foreign_keys_on)
    return engine


def get_engine(resources: ResourcePool, url: sa.URL, echo: bool = False) -> Engine:
    """The run's engine for ``url`` (one per URL and echo setting), disposed at run end."""
    key = f"sqlalchemy:{echo}:{url.render_as_string(hide_password=False)}"
    return resources.get(key, lambda: _create_engine(url, echo), lambda e: e.dispose())


def is_transient(error: exc.DBAPIError) -> bool:
    """Does a retry on a fresh connection stand a chance (lost link, deadlock)?"""
    if error.connection_invalidated:
        return True
    orig = error.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if isinstance(code, str):
        return code.startswith(_TRANSIENT_SQLSTATE_PREFIX) or code in _TRANSIENT_SQLSTATE
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0] in _TRANSIENT_MYSQL
    return isinstance(error, exc.OperationalError) and "database is locked" in str(orig)


def describe(error: BaseException) -> str:
    """``Type: first line of the driver message``, redacted; never the SQL parameters."""
    if isinstance(error, exc.DBAPIError) and error.orig is not None:
        orig: BaseException = error.orig
    else:
        orig = error
    lines = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {scrub(lines[0] if lines else '')}".rstrip(": ")


class SqlAlchemyHandler:
    """Insert rows with ``executemany``; ``transaction`` decides when they are committed.

    ``dataset`` (the default) begins at ``open`` and commits in ``close(None)``, so a failed
    step leaves no rows.  ``batch`` commits after each write, so a retry of batch N never
    re-sends batches < N.  ``run`` behaves as ``dataset`` for now.  In ``dataset`` mode a
    lost connection loses the whole step's transaction: the error is transient, but only a
    retry of the *step* (a new handler) can cure it, and further writes are refused.
    """

    name: ClassVar[str] = "sqlalchemy"
    Options: ClassVar[type[HandlerOptions]] = SqlAlchemyOptions

    def __init__(self, options: SqlAlchemyOptions) -> None:
        self.options = options
        self.table: sa.Table | None = None
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._trans: RootTransaction | None = None
        self._statements: dict[tuple[str, ...], Any] = {}
        self._renames: dict[str, str] = {}
        self._lost = False
        self._dataset = "?"

    def __repr__(self) -> str:
        return f"SqlAlchemyHandler({redact_url(self.options.url)!r})"

    # -- protocol ---------------------------------------------------------------------

    def open(self, ctx: HandlerContext) -> None:
        self._dataset = ctx.dataset
        url = resolve_url(self.options.url, ctx.base_dir)
        self._engine = get_engine(ctx.resources, url, self.options.echo)
        self.table = self._table_for(ctx)
        self._renames = _attribute_columns(ctx.model)
        self._conn = self._run("connect to the database", self._engine.connect)
        try:
            if self.options.create_tables:
                self._run("create the table", self._create_table)
            if self.options.transaction != "batch":
                self._trans = self._run("begin a transaction", self.conn.begin)
        except BaseException as e:  # the executor only closes handlers that opened
            self.close(e)
            raise

    def write(self, batch: Batch) -> Batch | None:
        if self._lost:
            raise HandlerError(
                f"the transaction of dataset '{self._dataset}' on {self._label} was lost with "
                "its connection; the whole step must be retried"
            )
        if batch.size == 0:  # executemany with no rows would insert one row of defaults
            return None
        records = self._records(batch)
        stmt = self._statement(tuple(records[0]))
        if self.options.transaction == "batch":
            self._insert_batch(stmt, records, batch.index)
        else:
            self._run(f"write batch {batch.index}", lambda: self.conn.execute(stmt, records))
        return None

    def close(self, error: BaseException | None) -> None:
        try:
            if self._trans is not None and self._trans.is_active:
                if error is None and not self._lost:
                    self._run("commit", self._trans.commit)
                else:
                    with contextlib.suppress(exc.SQLAlchemyError):
                        self._trans.rollback()
        finally:
            self._trans = None
            if self._conn is not None:
                with contextlib.suppress(exc.SQLAlchemyError):
                    self._conn.close()
                self._conn = None

    # -- table ------------------------------------------------------------------------

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

    def _create_table(self) -> None:
        assert self.table is not None
        with self.conn.begin():
            self.table.metadata.create_all(self.conn, tables=[self.table], checkfirst=True)

    @property
    def _label(self) -> str:
        return f"table '{self.table.fullname}'" if self.table is not None else "the database"

    @property
    def conn(self) -> Connection:
        assert self._conn is not None, "handler used before open() or after close()"
        return self._conn

    # -- rows -------------------------------------------------------------------------

    def _records(self, batch: Batch) -> list[dict[str, Any]]:
        assert self.table is not None
        names = [self._renames.get(n, n) for n in batch.names]
        unknown = [n for n in names if n not in self.table.c]
        if unknown:
            raise HandlerError(
                f"dataset '{self._dataset}' has fields that {self._label} lacks: "
                f"{', '.join(unknown)}"
            )
        cols = [batch.columns[n] for n in batch.names]
        return [dict(zip(names, vals, strict=True)) for vals in zip(*cols, strict=True)]

    def _statement(self, names: tuple[str, ...]) -> Any:
        if names not in self._statements:
            assert self._engine is not None
            assert self.table is not None
            self._statements[names] = insert_statement(
                self.table, names, self._engine.dialect.name,
                self.options.on_conflict, self.options.conflict_on,
            )  # fmt: skip
        return self._statements[names]

    def _insert_batch(self, stmt: Any, records: list[dict[str, Any]], index: int) -> None:
        if self._conn is not None and self._conn.invalidated:
            with contextlib.suppress(exc.SQLAlchemyError):
                self._conn.close()
            self._conn = None
        if self._conn is None:
            assert self._engine is not None
            self._conn = self._run("reconnect", self._engine.connect)

        def run() -> None:
            with self.conn.begin():
                self.conn.execute(stmt, records)

        self._run(f"write batch {index}", run)

    # -- errors -----------------------------------------------------------------------

    def _run(self, what: str, action: Callable[[], Any]) -> Any:
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
        return cls(f"dataset '{self._dataset}' -> {self._label}: cannot {what}: {describe(e)}")


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


def insert_statement(
    table: sa.Table,
    names: Sequence[str],
    dialect: str,
    on_conflict: str,
    conflict_on: Sequence[str] | None,
) -> Any:
    """An INSERT of ``names`` into ``table`` honouring ``on_conflict`` for the dialect."""
    if on_conflict == "error":
        return table.insert()
    keys = list(conflict_on) if conflict_on else [c.name for c in table.primary_key.columns]
    updates = [n for n in names if n not in keys]
    if dialect in ("sqlite", "postgresql"):
        return _upsert_on_conflict(table, dialect, on_conflict, keys, updates)
    if dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects.mysql import insert as mysql_insert

        stmt = mysql_insert(table)
        if on_conflict == "ignore" or not updates:
            return stmt.prefix_with("IGNORE")
        return stmt.on_duplicate_key_update({n: stmt.inserted[n] for n in updates})
    raise HandlerError(
        f"on_conflict: {on_conflict} is not supported for the {dialect} dialect yet "
        "(supported: sqlite, postgresql, mysql, mariadb); use on_conflict: error"
    )


def _upsert_on_conflict(
    table: sa.Table, dialect: str, on_conflict: str, keys: list[str], updates: list[str]
) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect_insert: Any = sqlite.insert if dialect == "sqlite" else postgresql.insert
    if not keys:
        raise HandlerError(
            f"on_conflict: {on_conflict} needs conflict_on: table '{table.fullname}' "
            "has no primary key"
        )
    stmt = dialect_insert(table)
    if on_conflict == "ignore" or not updates:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={n: stmt.excluded[n] for n in updates}
    )
