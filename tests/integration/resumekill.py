"""A handler that signals its own process at one batch (from SEEDRUNNER_TEST_KILL), for the
resume tests: placed after the database in a chain, it kills apply right after a commit."""

from __future__ import annotations

import os
import signal
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
                os.kill(os.getpid(), getattr(signal, f"SIG{name}"))
                time.sleep(10)  # the signal lands here

    def close(self, error: BaseException | None) -> None:
        pass
