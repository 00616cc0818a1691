"""Six realistic schemas written as DDL (one .sql file per schema and dialect), what each
one holds (cases.py), how to load one into a test database and seed it with a manifest of
only ``table:`` and ``count:`` (loader.py), and the SQL checks run after apply (catalog.py).

Used by tests/integration/test_real_schemas.py and benchmarks/real_schemas.py.
"""
