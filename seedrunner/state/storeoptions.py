"""Deprecated path of :mod:`seedrunner.handlers.storeoptions` (plugins' ``StoredLedgerOptions``)."""

from seedrunner._moved import warn_moved
from seedrunner.handlers.storeoptions import *  # noqa: F403
from seedrunner.handlers.storeoptions import StoredLedgerOptions as StoredLedgerOptions

warn_moved("seedrunner.state.storeoptions", "seedrunner.handlers.storeoptions")
