"""Per shape, a few lines of YAML that change what seedrunner does by default (the README's
"Real schemas" section quotes them), with what ``plan`` then says and what the tables
then hold. Each replaces its dataset's block in the out-of-the-box manifest (loader.py);
all run on PostgreSQL, which holds every shape (domains, partitions, a sequence not OWNED BY
its column, a generated column).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.realschemas.cases import FILM, HR, SHOP, TRADING, RealSchema


@dataclass(frozen=True)
class Override:
    shape: str
    schema: RealSchema
    dataset: str
    yaml: str  # the dataset's block, ``persist:`` left to the loader
    shown: str  # a line of the dataset's plan
    query: str  # SQL run after apply ...
    expect: list[tuple[object, ...]]  # ... and its rows


OVERRIDES = (
    Override(
        "join table: 2 to 6 distinct actors per film",
        FILM,
        "film_actor",
        "  film_actor:\n    table: film_actor\n    count: {per: film, min: 2, max: 6}\n",
        "draws distinct (film_id, actor_id) per film row, of 150 ← actor.id",
        "SELECT min(n), max(n), count(*) FROM "
        "(SELECT film_id, count(*) AS n FROM film_actor GROUP BY film_id) t",
        [(2, 6, 300)],
    ),
    Override(
        "self-reference: 5 roots, 2 levels",
        SHOP,
        "category",
        "  category:\n    table: category\n    count: 40\n    fields:\n"
        "      parent_id: {ref: category.id, roots: 5, max_depth: 2}\n",
        "parent_id  tree: 5 roots, depth <= 2 (the parent row's id; roots null)",
        "SELECT count(*) FROM category c LEFT JOIN category p ON p.id = c.parent_id "
        "LEFT JOIN category g ON g.id = p.parent_id WHERE c.parent_id IS NULL "
        "OR g.parent_id IS NOT NULL",  # roots, and rows 3 levels down (none)
        [(5,)],
    ),
    Override(
        "cycle: the edge left NULL",
        FILM,
        "store",
        "  store:\n    table: store\n    count: 4\n    fields:\n"
        "      manager_staff_id: {skip: true}\n",
        "generate  3 fields: id, name, city",
        "SELECT count(*), count(manager_staff_id) FROM store",
        [(4, 0)],
    ),
    Override(
        "one-to-one: exactly one employee per person",
        HR,
        "employee",
        "  employee:\n    table: employee\n    count: {per: person, exactly: 1}\n",
        "draws (person_id) distinct (at most one per person row) ← person.id (parent)",
        "SELECT count(*), count(DISTINCT person_id) FROM employee",
        [(300, 300)],
    ),
    Override(
        "one-to-one: no count, one per parent row",
        HR,
        "employee",
        "  employee:\n    table: employee\n",
        "draws one per person row, in order (one-to-one) ← person.id",
        "SELECT count(*), count(DISTINCT person_id) FROM employee",
        [(300, 300)],
    ),
    Override(
        "lookup: only some of the existing rows",
        HR,
        "person",
        "  person:\n    table: person\n    count: 300\n    fields:\n"
        "      country_code: {ref: {table: country, column: code, "
        "where: \"code IN ('DE', 'NL')\"}}\n",
        "country_code ← ref table country.code where code IN ('DE', 'NL') (2 rows)",
        "SELECT DISTINCT country_code FROM person ORDER BY 1",
        [("DE",), ("NL",)],
    ),
    Override(
        "fixed rows: exactly these",
        FILM,
        "language",
        "  language:\n    table: language\n"
        "    rows: [{name: English}, {name: French}, {name: Japanese}]\n",
        "fixed rows give name",
        "SELECT id, name FROM language ORDER BY id",
        [(1, "English"), (2, "French"), (3, "Japanese")],
    ),
    Override(
        "domain: a narrower range",
        FILM,
        "film",
        "  film:\n    table: film\n    count: 300\n    fields:\n"
        "      released: {faker: pyint, min_value: 1990, max_value: 2020}\n",
        "generate  11 fields:",
        "SELECT min(released) >= 1990, max(released) <= 2020 FROM film",
        [(True, True)],
    ),
    Override(
        "partitions: every payment in one partition",
        FILM,
        "payment",
        "  payment:\n    table: payment\n    count: 1500\n    fields:\n"
        '      paid_at: {faker: date_time_between, start_date: "-90d", end_date: "now", '
        "tzinfo: UTC}\n",
        "generate  6 fields: id, customer_id, staff_id, rental_id, amount, paid_at",
        "SELECT tableoid::regclass::text, count(*) FROM payment GROUP BY 1",
        [("payment_2026", 1500)],
    ),
    Override(
        "sequence: the key left to the database",
        TRADING,
        "sales_order",
        "  sales_order:\n    table: sales_order\n    count: 800\n    fields:\n"
        "      id: {skip: true}\n",
        "generate  9 fields: customer_code, employee_id,",
        "SELECT min(id), max(id), last_value FROM sales_order, sales_order_number "
        "GROUP BY last_value",
        [(1, 800, 800)],
    ),
    Override(
        "generated column: the inputs it is computed from",
        TRADING,
        "order_detail",
        "  order_detail:\n    table: order_detail\n    count: 2000\n    fields:\n"
        "      discount: {choice: [0, 0.05, 0.1], weights: [8, 1, 1]}\n",
        "generate  5 fields: order_id, product_id, unit_price, quantity, discount",
        "SELECT count(DISTINCT discount), count(*) FILTER (WHERE line_total = "
        "round(unit_price * quantity * (1 - discount::numeric), 2)) FROM order_detail",
        [(3, 2000)],
    ),
)


def with_override(manifest: str, override: Override, target: str = "db") -> str:
    """The out-of-the-box manifest with the override's dataset block in place of its own."""
    lines = manifest.splitlines(keepends=True)
    start = lines.index(f"  {override.dataset}:\n")
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    lines[start:end] = [override.yaml, f"    persist: [{target}]\n"]
    return "".join(lines)
