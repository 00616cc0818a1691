"""The database layer: engines, the async bridge, run-scoped resources and driver errors.

Everything that talks SQL (the SQL handlers, the ledgers' tables, reflection while
planning) reaches the database through here, so URL resolution, pooling and the mapping
of a driver's exception to a seedrunner error are written once.
"""
