"""The ``sqlalchemy`` target's options: where rows go and how they commit.

Its own module so every part of the SQL handler (``sqlstep``, ``sqlmodes``,
``sqlstepledger``, ``sqlundo``) can be typed by it without importing the handler.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field

from seedrunner.handlers.base import HandlerOptions
from seedrunner.ledger.spec import LedgerSite, LedgerSpec
from seedrunner.ledger.sqlledger import DEFAULT_TABLE
from seedrunner.redact import redact_url


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
