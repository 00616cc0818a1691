"""A manifest without ``now`` takes the ``now`` its ledgers recorded.

Without ``now:`` (or ``--now``) a run's clock is the wall clock, and values relative to it
(``date_between: -1y``, ``now`` in templates) differ from one apply to the next: every
apply would be "another spec", and an interrupted run could never be finished.  The
first apply records its ``now`` with each fingerprint (``<ledger>_specs``); later plans
of the same manifest read it back and plan with it, so apply again resumes, a second
apply writes nothing, and destroy finds the rows.  Only when every ledger agrees on one
``now``: otherwise (none yet, or several) the wall clock stands.  Files with a ledger
keep no spec, so a manifest writing only files should pin ``now``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from seedrunner.commands.replace import earlier_specs
from seedrunner.manifest.loader import Manifest
from seedrunner.plan.steps import Plan


def recorded_now(plan: Plan) -> dt.datetime | None:
    """The one ``now`` the plan's ledgers recorded for other fingerprints, if there is one."""
    try:
        earlier = earlier_specs(plan)
    except Exception:  # a ledger that cannot be read: apply says why, with its own error
        return None
    nows = {e.parts.parts.get("now") for e in earlier if e.parts is not None}
    nows.discard(None)
    if len(nows) != 1:
        return None
    text = nows.pop()
    assert text is not None
    return dt.datetime.fromisoformat(text)


def with_recorded_now(
    manifest: Manifest, plan: Plan, rebuild: Callable[[dt.datetime], Plan]
) -> Plan:
    """``plan``, or the plan ``rebuild`` makes with the recorded ``now`` when the manifest
    pins none (``plan.now_from_ledger`` then says so)."""
    if manifest.spec.now is not None:
        return plan
    now = recorded_now(plan)
    if now is None:
        return plan
    again = plan if now == plan.now else rebuild(now)
    again.now_from_ledger = True
    return again
