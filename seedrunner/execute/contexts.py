"""The one place a ``HandlerContext`` is built, for apply and for destroy alike."""

from __future__ import annotations

from typing import Any

from seedrunner.db.pool import ResourcePool
from seedrunner.handlers.base import HandlerContext
from seedrunner.ledger.context import LedgerContext
from seedrunner.plan.steps import DatasetPlan, Plan


def handler_context(
    plan: Plan,
    dp: DatasetPlan,
    position: int,
    *,
    run_id: str,
    resources: ResourcePool,
    lock_timeout: float,
    fingerprint: str | None = None,
) -> HandlerContext:
    """The context of target ``position`` of ``dp``: its ``ledger`` part only when the
    target keeps one.  ``fingerprint``: the digest its rows are recorded under, when not
    the plan's (destroy, deleting rows an earlier spec wrote with the same keys)."""
    target = dp.targets[position]
    parts = dp.fingerprint
    ledger = None
    if target.ledger is not None:
        ledger = LedgerContext(
            manifest=plan.manifest,
            position=position,
            fingerprint=fingerprint if fingerprint is not None else _digest(parts),
            spec_parts=dict(parts.parts) if parts is not None else {},
            accepted=dp.accepted,
            lock_timeout=lock_timeout,
            where=_where(dp.location),
        )
    return HandlerContext(
        dataset=dp.name,
        target=target.name,
        model=dp.shape,
        fields=list(dp.output),
        batch_size=dp.batch_size,
        total_rows=dp.count.total,
        run_id=run_id,
        seed=dp.seed,
        base_dir=plan.base_dir,
        resources=resources,
        retries=target.options.retry_policy(dp.retries),
        options=target.options,
        ledger=ledger,
    )


def _digest(parts: Any) -> str:
    return str(parts.digest) if parts is not None else ""


def _where(location: Any) -> str:
    """``file:line`` of a manifest location, or "" when unknown."""
    file, line = getattr(location, "file", None), getattr(location, "line", None)
    return f"{file}:{line}" if file and line else ""
