"""Deprecated path of :mod:`seedrunner.execute.transforms` (``TransformContext``)."""

from seedrunner._moved import warn_moved
from seedrunner.execute.transforms import *  # noqa: F403
from seedrunner.execute.transforms import TransformContext as TransformContext

warn_moved("seedrunner.transforms", "seedrunner.execute.transforms")
