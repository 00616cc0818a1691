"""State across runs: dataset fingerprints and the ledgers that record what was written."""
