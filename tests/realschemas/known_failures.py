"""What fails today, per (check, schema, backend), with the error it fails with.

The harness marks these ``xfail(strict=True)``: when a fix lands the test passes, the strict
marker turns that into a failure, and the entry is to be deleted.

Empty since issue 13 landed: every schema applies on every database, sync and async, and
passes every check. Written when nothing worked (every schema stopped at its first shape that
was not a tree: join tables duplicated their pairs, film's store/staff cycle was refused at
plan, HR's country lookup was SR-E030, forum's INET6 column failed on MariaDB). The last two
entries, ``destroy`` on shop and forum under SQLite, were a destroy that reported 4 of 40
categories deleted: SQLite cascades ``ON DELETE CASCADE`` row by row inside one DELETE, so
the children its parents took along went uncounted (fixed in handlers/sqlupdate.py,
reproduced by tests/integration/test_destroy_cascade.py).

A new failure goes here with the message as printed, temporary paths shortened
(``film.yaml:37:5``): under ``APPLY_FAILS`` when the schema does not apply at all (every
check of that case then fails with that one error), else under ``CHECK_FAILS``.
"""

from __future__ import annotations

CHECKS = (
    "seeds_every_table",
    "foreign_keys",
    "always_set",
    "forest",
    "join_tables",
    "next_insert",
    "apply_again",
    "destroy",
    "cli",
)

# (schema, backend) -> the error of `apply` (or of `plan`) on the table: + count: manifest
APPLY_FAILS: dict[tuple[str, str], str] = {}

# (check, schema, backend) -> the error of a check that fails once its schema applies
CHECK_FAILS: dict[tuple[str, str, str], str] = {}

KNOWN_FAILURES: dict[tuple[str, str, str], str] = {
    (check, schema, backend): f"apply fails: {reason}"
    for (schema, backend), reason in APPLY_FAILS.items()
    for check in CHECKS
} | CHECK_FAILS
