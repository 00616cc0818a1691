"""What fails today, per (check, schema, backend), with the error it fails with.

The harness marks these ``xfail(strict=True)``: when a feature lands the test passes, the
strict marker turns that into a failure, and the entry is to be deleted.

Today (issue 13 not started) every schema stops in ``apply`` (or ``plan``) at its first
shape that is not a tree, so every check of that schema fails with that one error (through
the CLI the same message, after ``seedrunner apply exited 1:`` or ``2:``). When a case
applies, delete its line in ``APPLY_FAILS``: the checks that still fail then show as plain
failures, with their own error, to be listed under ``CHECK_FAILS`` until they pass.
Messages as printed, with the temporary paths shortened (``film.yaml:37:5``).

Behind each first error, found by working around it by hand (a manifest override, or the
table left out), these wait (2026-12-07):

- shop: order_line's UNIQUE (order_id, product_id) duplicates too; category.parent_id is
  always NULL (40 roots of 40 rows: the forest check fails).
- film: with store.manager_staff_id given ``{value: null}``: film_actor and film_category
  duplicate their keys; on PostgreSQL ``payment`` (FKs only on its partitions) is planned
  before customer/staff/rental and fails with ForeignKeyViolation on payment_2025, and
  film.released (domain ``year``) fails with "invalid input syntax for type integer:
  <value hidden>", naming no column.
- music: employee.reports_to is always NULL (10 roots of 10 rows).
- trading: order_detail duplicates (order_id, product_id); on PostgreSQL the application's
  next sales_order collides ("duplicate key ... sales_order_pkey"): its sequence is used by
  DEFAULT nextval() but not OWNED BY the column, so it is not advanced.
- hr: with country_code given a ``choice``: employee (key = FK to person) duplicates its key;
  with ``count: {per: person, exactly: 1}`` on employee and ``{per: employee, exactly: 1}``
  on employee_pay, both schemas apply (the FK across schemas is read).
- forum: thread_tag duplicates too; comment.parent_id is always NULL (2000 roots); on
  MariaDB users.last_ip (INET6) is an unknown type (a plan warning), then the write fails
  with error 1292 (an incorrect value), naming no column.
"""

from __future__ import annotations

CHECKS = (
    "seeds_every_table",
    "foreign_keys",
    "forest",
    "join_tables",
    "next_insert",
    "apply_again",
    "destroy",
    "cli",
)

# (schema, backend) -> the error of `apply` (or of `plan`) on the table: + count: manifest
APPLY_FAILS: dict[tuple[str, str], str] = {
    ("shop", "postgresql"): (
        "product_tag → db (step persist, batch 0, rows 0..499): dataset 'product_tag' -> "
        "table 'product_tag': cannot write batch 0: a row duplicates a key already in table "
        "'product_tag' (constraint 'product_tag_pkey' on (product_id, tag_id))."
    ),
    ("shop", "mariadb"): (
        "product_tag → db (step persist, batch 0, rows 0..499): dataset 'product_tag' -> "
        "table 'product_tag': cannot write batch 0: a row duplicates a key already in table "
        "'product_tag' (constraint 'PRIMARY' on (product_id, tag_id))."
    ),
    ("shop", "sqlite"): (
        "product_tag → db (step persist, batch 0, rows 0..499): dataset 'product_tag' -> "
        "table 'product_tag': cannot write batch 0: a row duplicates a key already in table "
        "'product_tag' (constraint 'primary key product_tag.product_id, product_tag.tag_id' "
        "on (product_id, tag_id))."
    ),
    ("film", "postgresql"): (
        "PlanError: film.yaml:37:5: error SR-E031: dependency cycle: store -> staff -> store;"
        " edges: staff.store_id foreign key -> store.id (film.yaml:37:5); "
        "store.manager_staff_id foreign key -> staff.id (film.yaml:33:5) (at "
        "datasets.staff.model)"
    ),
    ("film", "mariadb"): (
        "PlanError: film.yaml:37:5: error SR-E031: dependency cycle: store -> staff -> store;"
        " edges: staff.store_id foreign key -> store.id (film.yaml:37:5); "
        "store.manager_staff_id foreign key -> staff.id (film.yaml:33:5) (at "
        "datasets.staff.model)"
    ),
    ("film", "sqlite"): (
        "PlanError: film.yaml:37:5: error SR-E031: dependency cycle: store -> staff -> store;"
        " edges: staff.store_id foreign key -> store.id (film.yaml:37:5); "
        "store.manager_staff_id foreign key -> staff.id (film.yaml:33:5) (at "
        "datasets.staff.model)"
    ),
    ("music", "postgresql"): (
        "playlist_track → db (step persist, batch 0, rows 0..499): dataset 'playlist_track' "
        "-> table 'playlist_track': cannot write batch 0: a row duplicates a key already in "
        "table 'playlist_track' (constraint 'playlist_track_pkey' on (playlist_id, "
        "track_id))."
    ),
    ("music", "mariadb"): (
        "playlist_track → db (step persist, batch 0, rows 0..499): dataset 'playlist_track' "
        "-> table 'playlist_track': cannot write batch 0: a row duplicates a key already in "
        "table 'playlist_track' (constraint 'PRIMARY' on (playlist_id, track_id))."
    ),
    ("music", "sqlite"): (
        "playlist_track → db (step persist, batch 0, rows 0..499): dataset 'playlist_track' "
        "-> table 'playlist_track': cannot write batch 0: a row duplicates a key already in "
        "table 'playlist_track' (constraint 'primary key playlist_track.playlist_id, "
        "playlist_track.track_id' on (playlist_id, track_id))."
    ),
    ("trading", "postgresql"): (
        "employee_territory → db (step persist, batch 0, rows 0..59): dataset "
        "'employee_territory' -> table 'employee_territory': cannot write batch 0: a row "
        "duplicates a key already in table 'employee_territory' (constraint "
        "'employee_territory_pkey' on (employee_id, territory_code))."
    ),
    ("trading", "mariadb"): (
        "employee_territory → db (step persist, batch 0, rows 0..59): dataset "
        "'employee_territory' -> table 'employee_territory': cannot write batch 0: a row "
        "duplicates a key already in table 'employee_territory' (constraint 'PRIMARY' on "
        "(employee_id, territory_code))."
    ),
    ("trading", "sqlite"): (
        "employee_territory → db (step persist, batch 0, rows 0..59): dataset "
        "'employee_territory' -> table 'employee_territory': cannot write batch 0: a row "
        "duplicates a key already in table 'employee_territory' (constraint 'primary key "
        "employee_territory.employee_id, employee_territory.territory_code' on (employee_id, "
        "territory_code))."
    ),
    ("hr", "postgresql"): (
        "PlanError: hr.yaml:10:5: error SR-E030: department.country_code references table "
        "'country', which no dataset seeds (at datasets.department)"
    ),
    ("hr", "mariadb"): (
        "PlanError: hr.yaml:10:5: error SR-E030: department.country_code references table "
        "'country', which no dataset seeds (at datasets.department)"
    ),
    ("forum", "postgresql"): (
        "user_follows → db (step persist, batch 0, rows 0..499): dataset 'user_follows' -> "
        "table 'user_follows': cannot write batch 0: a row duplicates a key already in table "
        "'user_follows' (constraint 'user_follows_pkey' on (follower_id, followed_id))."
    ),
    ("forum", "mariadb"): (
        "users → db (step persist, batch 0, rows 0..199): dataset 'users' -> table 'users': "
        "cannot write batch 0: OperationalError: (1292, <value hidden>)."
    ),
    ("forum", "sqlite"): (
        "user_follows → db (step persist, batch 0, rows 0..499): dataset 'user_follows' -> "
        "table 'user_follows': cannot write batch 0: a row duplicates a key already in table "
        "'user_follows' (constraint 'primary key user_follows.follower_id, "
        "user_follows.followed_id' on (follower_id, followed_id))."
    ),
}

# (check, schema, backend) -> the error of a check that fails once its schema applies
CHECK_FAILS: dict[tuple[str, str, str], str] = {}

KNOWN_FAILURES: dict[tuple[str, str, str], str] = {
    (check, schema, backend): f"apply fails: {reason}"
    for (schema, backend), reason in APPLY_FAILS.items()
    for check in CHECKS
} | CHECK_FAILS
