"""The checks of test_real_schemas.py find what they look for: orphans, cycles, repeated
pairs, the FKs of PostgreSQL partitions, the tables whose key the database generates
(DDL only, nothing seeded, so these pass today)."""

from __future__ import annotations

import pytest

from tests.realschemas import catalog
from tests.realschemas.cases import FILM, SCHEMAS, SHOP
from tests.realschemas.loader import Names, loaded, statements


def test_cycles_walk_each_chain_to_a_root_or_report_it():
    links = {1: None, 2: 1, 3: 2, 7: 3, 4: 4, 5: 6, 6: 5}
    assert catalog.cycles(links) == ([4, 5, 6], 3)
    assert catalog.cycles({}) == ([], 0)


def test_orphans_cycles_and_repeated_pairs_are_found(make_database):
    db = make_database("sqlite")  # SQLite does not enforce foreign keys unless asked
    with loaded(db, SHOP) as names:
        db.execute(
            "INSERT INTO category (id, parent_id, name, slug) VALUES "
            "(1, NULL, 'a', 'a'), (2, 3, 'b', 'b'), (3, 2, 'c', 'c'), (4, 99, 'd', 'd')",
            "INSERT INTO product_tag (product_id, tag_id) VALUES (1, 5), (2, 5)",
        )
        fks = {str(fk): fk for fk in catalog.foreign_keys(db, names.schemas)}
        found = {name: n for name, fk in fks.items() if (n := catalog.orphans(db, fk))}
        assert found == {
            "category(parent_id) -> category(id) [category_fk0]": 1,
            "product_tag(tag_id) -> tag(id) [product_tag_fk0]": 2,
            "product_tag(product_id) -> product(id) [product_tag_fk1]": 2,
        }
        tree = fks["category(parent_id) -> category(id) [category_fk0]"]
        assert tree.is_self_reference
        assert catalog.cycles(catalog.parents(db, tree))[0] == [2, 3]
        assert catalog.distinct_pairs(db, "main", "product_tag", ("product_id", "tag_id")) == 2
        assert catalog.distinct_pairs(db, "main", "product_tag", ("tag_id", "tag_id")) == 1


def test_foreign_keys_of_partitions_are_read(make_database):
    db = make_database("postgresql")
    with loaded(db, FILM) as names:
        fks = catalog.foreign_keys(db, names.schemas)
    on_partitions = {(fk.table, fk.ref_table) for fk in fks if fk.table.startswith("payment_")}
    assert on_partitions == {
        (p, parent)
        for p in ("payment_2025", "payment_2026", "payment_other")
        for parent in ("customer", "staff", "rental")
    }
    assert not [fk for fk in fks if fk.table == "payment"]  # none on the partitioned table


@pytest.mark.parametrize(
    ("schema", "backend"),
    [pytest.param(s, b, id=f"{s.name}-{b}") for s in SCHEMAS for b in s.backends],
)
def test_next_inserts_cover_every_generated_key(schema, backend, make_database):
    db = make_database(backend)
    with loaded(db, schema, app_rows=True) as names:
        assert set(schema.next_inserts) == set(catalog.generated_keys(db, names.schemas))
        tables = set(catalog.tables(db, names.schemas))
        assert set(schema.counts) <= tables
        assert tables - set(schema.counts) <= set(schema.lookup_rows) | {
            t
            for t in tables
            if t.startswith("payment_")  # PostgreSQL partitions
        }
        for table, rows in schema.lookup_rows.items():
            assert catalog.count(db, names.main, table) == rows


def test_statements_fill_in_the_two_schemas():
    names = Names("postgresql", "sr_main", "sr_main_pay")
    hr = next(s for s in SCHEMAS if s.name == "hr")
    text = "\n".join(statements(hr, names))
    assert "__hr__" not in text
    assert "__payroll__" not in text
    assert "CREATE TABLE sr_main.country" in text
    assert "CREATE TABLE sr_main_pay.employee_pay" in text
    assert "REFERENCES sr_main.employee (person_id)" in text
