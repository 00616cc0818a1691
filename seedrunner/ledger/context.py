"""What a ledger-keeping handler is told about its step, beside the plugin-facing context.

Kept apart from ``HandlerContext`` so a plugin author sees only what a handler needs to
write rows; the ledgers (SQL, file, state store) key their records by these values and
quote them in refusals.  None on a context means the target keeps no ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from seedrunner.db.pool import ResourcePool
from seedrunner.generate.rows import Batch
from seedrunner.ledger.sqlledger import Applied


@dataclass(frozen=True)
class LedgerContext:
    """The step as its ledger records it."""

    manifest: str = ""  # the manifest's name (ledgers key their rows by it)
    position: int = 0  # this handler's place in the dataset's chain
    fingerprint: str = ""  # ledger.fingerprint digest of what decides the dataset's rows
    spec_parts: dict[str, str] = field(default_factory=dict)  # the fingerprint's inputs
    lock_timeout: float = 0.0  # seconds to wait for another apply's lock on a target
    where: str = ""  # the dataset's place in the manifest ("seeds/x.yaml:12"), for messages
    # fingerprints whose rows count as this one's: specs it grew from (plan/growth.py)
    accepted: frozenset[str] = frozenset()

    @property
    def mine(self) -> frozenset[str]:
        """Every fingerprint whose rows are this step's."""
        return self.accepted | {self.fingerprint}

    def own(self, applied: Applied) -> Applied:
        """``applied`` with the ranges of specs this one grew from counted as its own."""
        return applied.adopted(self.fingerprint, self.accepted)


class StepContext(Protocol):
    """What a ledger reads of the handler context it is opened with (``HandlerContext``
    lives above the ledger, in handlers/, and provides all of it)."""

    dataset: str
    target: str
    run_id: str
    base_dir: Path
    resources: ResourcePool

    @property
    def ledger_step(self) -> LedgerContext: ...


@runtime_checkable
class TakesDeliveryKeys(Protocol):
    """A handler that stamps each batch with a key (HTTP's ``Idempotency-Key``): a stored
    ledger sets it, so a re-sent pending batch carries the key of its first send."""

    delivery_key: Callable[[Batch], str] | None
