"""Ask before writing to (or deleting from) a database that is not on this machine.

Asked only when a person can answer: stdin and stdout are both terminals.  Under CI, a
pipe or a redirect there is nobody to ask, so apply goes on as it always did; the
protected lists (``seedrunner.plan.guard``) are the guard that works without a person.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from seedrunner.plan.guard import remote_targets
from seedrunner.redact import scrub


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def confirm(datasets: Iterable[Any], question: str, *, yes: bool) -> bool:
    """True to go on: ``--yes``, no terminal, no remote target, or the user answered y.

    One question lists every remote target: ``Write to prod (postgresql://u:***@db/app)?``.
    Anything but ``y`` / ``yes`` (an empty line, end of input) declines.
    """
    if yes or not interactive():
        return True
    remote = remote_targets(datasets)
    if not remote:
        return True
    listed = ", ".join(f"{name} ({url})" for name, url in remote.items())
    sys.stdout.write(scrub(f"{question} {listed}? [y/N] "))
    sys.stdout.flush()
    answer = sys.stdin.readline()
    if not answer.endswith("\n"):
        sys.stdout.write("\n")
    return answer.strip().lower() in ("y", "yes")
