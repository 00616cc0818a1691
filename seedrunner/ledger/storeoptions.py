"""Where a stored ledger lives by default: ``.seedrunner/state.db`` in the manifest's folder.

The options themselves (``StoredLedgerOptions``) are the handlers' (handlers/storeoptions.py).
"""

LOCAL_DIR = ".seedrunner"
LOCAL_FILE = "state.db"
