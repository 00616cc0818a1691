"""The production guard a command passes before it opens any target.

Protected targets are refused (ProtectedTargetError, exit 2) unless allowed; then the
front end may still decline (the CLI asks on a terminal before touching a remote
database).  From Python nobody is asked: the call is the consent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from seedrunner.plan.guard import refuse_protected
from seedrunner.plan.steps import DatasetPlan

#: may the datasets' targets be written (or deleted from)?
Confirm = Callable[[Sequence[DatasetPlan]], bool]


def go_ahead(datasets: Sequence[DatasetPlan]) -> bool:
    return True


def may_touch(
    datasets: Sequence[DatasetPlan], allow_protected: bool, refusal: str, confirm: Confirm
) -> bool:
    """False when ``confirm`` declined; ``refusal`` starts the protected targets' error
    ("apply refuses to write to")."""
    if not allow_protected:
        refuse_protected(datasets, refusal)
    return confirm(datasets)
