"""Deprecated: the ledger machinery moved to ``seedrunner.ledger`` and the use cases to
``seedrunner.commands``; ``seedrunner.state.storeoptions`` still works, with a warning."""
