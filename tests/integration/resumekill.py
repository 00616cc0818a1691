"""A handler that signals its own process at one batch (from SEEDRUNNER_TEST_KILL), for the
resume tests: placed after the database in a chain, it kills apply right after a commit."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Any, ClassVar

from seedrunner.handlers.base import HandlerOptions


class Killer:
    name: ClassVar[str] = "killer"
    Options: ClassVar[type[HandlerOptions]] = HandlerOptions

    def __init__(self, options: HandlerOptions) -> None:
        self.dataset = ""

    def open(self, ctx: Any) -> None:
        self.dataset = ctx.dataset

    def write(self, batch: Any) -> None:
        spec = os.environ.get("SEEDRUNNER_TEST_KILL", "")  # DATASET:BATCH:SIGNAL
        if spec:
            dataset, index, name = spec.split(":")
            if dataset == self.dataset and batch.index == int(index):
                if name == "DROP":
                    _drop_connections()
                    return
                if name == "INT2":  # a second Ctrl-C 50 ms later, while the first unwinds
                    again = f"sleep 0.05; kill -INT {os.getpid()}"
                    subprocess.Popen(["sh", "-c", again])
                    name = "INT"
                os.kill(os.getpid(), getattr(signal, f"SIG{name}"))
                time.sleep(10)  # the signal lands here

    def close(self, error: BaseException | None) -> None:
        pass


def _drop_connections() -> None:
    """Kill the run's database connections from the server side, as a failover or an admin
    would: pg_terminate_backend for those named SEEDRUNNER_TEST_APP, MariaDB KILL for every
    other connection to the test's own database."""
    import sqlalchemy as sa

    engine = sa.create_engine(os.environ["SEEDRUNNER_TEST_ADMIN_URL"])
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :app AND pid <> pg_backend_pid()"
                ),
                {"app": os.environ["SEEDRUNNER_TEST_APP"]},
            )
        else:
            ids = conn.execute(
                sa.text(
                    "SELECT id FROM information_schema.processlist "
                    "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                )
            ).scalars()
            for i in list(ids):
                conn.execute(sa.text(f"KILL {int(i)}"))
        conn.commit()
    engine.dispose()
