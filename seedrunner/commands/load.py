"""The plan a command runs: the manifest loaded with its overrides, the plan built, and the
``now`` its ledgers recorded taken when nothing pins one (recordednow.py).

Every command that reads a manifest (plan, apply, destroy, a saved plan's rebuild) starts
here, so they all plan the same rows from the same flags.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from seedrunner.commands.recordednow import with_recorded_now
from seedrunner.errors import ManifestError, Problem
from seedrunner.manifest.loader import Manifest, load_manifest
from seedrunner.plan.planner import build_plan
from seedrunner.plan.steps import Plan


@dataclass(frozen=True)
class PlanArgs:
    """What decides a plan besides the manifest's text: the command line's overrides."""

    manifest: Path | None = None  # None: discovered
    seed: int | None = None
    now: dt.datetime | str | None = None  # ISO 8601 text, parsed as --now; None: the
    # manifest's, the one its ledgers recorded, or the wall clock
    sets: Sequence[str] = ()  # KEY.PATH=VALUE overrides
    only: Sequence[str] | None = None
    batch_size: int | None = None
    max_retries: int | None = None
    retry_wait: float | None = None


def parse_now(text: str) -> dt.datetime:
    """``--now``: ISO 8601, UTC when it names no zone; a ManifestError (exit 2) otherwise."""
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ManifestError(
            [
                Problem(
                    f"--now must be ISO 8601 (e.g. 2026-01-01T00:00:00Z), got {text!r}",
                    path="--now",
                    code="SR-E011",
                )
            ]
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def load_plan(args: PlanArgs) -> tuple[Manifest, Plan]:
    """The manifest and its plan; ``now`` pinned by ``args``, else as recordednow decides."""
    m = load_manifest(args.manifest, overrides=args.sets)
    pinned = parse_now(args.now) if isinstance(args.now, str) else args.now

    def plan_at(when: dt.datetime | None) -> Plan:
        return build_plan(
            m, seed=args.seed, now=when, only=args.only, batch_size=args.batch_size,
            max_retries=args.max_retries, retry_wait=args.retry_wait,
        )  # fmt: skip

    p = plan_at(pinned)
    return m, p if pinned is not None else with_recorded_now(m, p, plan_at)
