"""The ``stdout`` handler: rows as JSON Lines (or one JSON array) on standard output, for piping.

Standard output cannot be rolled back: on a failed step the rows already printed stay
printed, and in ``json`` format the closing ``]`` is not written, so a consumer sees
invalid JSON rather than a silently short array.  Progress and errors belong on stderr.
"""

from __future__ import annotations

import sys
from typing import ClassVar, Literal

from pydantic import Field

from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.jsonable import dumps_row


class StdoutOptions(HandlerOptions):
    handler: str = Field(default="stdout", description="Which handler this target uses.")
    format: Literal["jsonl", "json"] = Field(
        default="jsonl",
        description="'jsonl': one JSON object per line; 'json': one JSON array for the dataset.",
    )


class StdoutHandler:
    name: ClassVar[str] = "stdout"
    Options: ClassVar[type[HandlerOptions]] = StdoutOptions

    @classmethod
    def without_ledger(cls) -> str:
        return "prints every row on every apply"

    def __init__(self, options: StdoutOptions) -> None:
        self.options = options
        self._count = 0

    def open(self, ctx: HandlerContext) -> None:
        self._count = 0
        if self.options.format == "json":
            sys.stdout.write("[")

    def write(self, batch: Batch) -> Batch | None:
        lines = []
        for row in batch.records():
            text = dumps_row(row)
            if self.options.format == "json":
                text = ("," if self._count else "") + text
            else:
                text += "\n"
            lines.append(text)
            self._count += 1
        sys.stdout.write("".join(lines))  # looked up each time: the CLI may swap the stream
        sys.stdout.flush()
        return None

    def close(self, error: BaseException | None) -> None:
        if error is None and self.options.format == "json":
            sys.stdout.write("]\n")
        sys.stdout.flush()
