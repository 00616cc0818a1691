"""Old import paths that plugins and scripts may still use, kept working with a warning.

A module that moved leaves a stub at its old path that re-exports the new one and warns
once per import, naming where it went, so a plugin keeps running while its author is told
what to change.
"""

from __future__ import annotations

import warnings


def warn_moved(old: str, new: str) -> None:
    warnings.warn(
        f"{old} moved to {new}; import it from there (the old path will be removed)",
        DeprecationWarning,
        stacklevel=3,
    )
