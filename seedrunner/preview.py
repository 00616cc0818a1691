"""Deprecated path of :mod:`seedrunner.commands.preview` (``preview_rows``, also at the root)."""

from seedrunner._moved import warn_moved
from seedrunner.commands.preview import *  # noqa: F403
from seedrunner.commands.preview import preview_rows as preview_rows

warn_moved("seedrunner.preview", "seedrunner.commands.preview")
