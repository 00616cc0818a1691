"""Deprecated path of :mod:`seedrunner.ledger.storeoptions` (plugins' ``StoredLedgerOptions``)."""

from seedrunner._moved import warn_moved
from seedrunner.ledger.storeoptions import *  # noqa: F403
from seedrunner.ledger.storeoptions import StoredLedgerOptions as StoredLedgerOptions

warn_moved("seedrunner.state.storeoptions", "seedrunner.ledger.storeoptions")
