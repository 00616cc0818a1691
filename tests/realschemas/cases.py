"""The six schemas: tables and realistic counts, join tables, the rows the application adds.

Counts are in the order a user would list the tables (the DDL's order): lookup tables
small, facts larger. ``next_inserts`` are the application's own next INSERT into every table
whose key the database generates (no key given; one dialect-neutral statement each, run in
this order). ``app_rows`` are rows the application wrote before seeding (explicit, far-away
keys); with the rows a DDL script inserts itself (``lookup_rows``) they are what ``destroy``
must leave. ``always_set`` columns are set on every row after apply although the DDL allows
NULL (a cycle's edge written NULL, then updated). Table names are qualified with ``__hr__``
/ ``__payroll__`` in the HR schema. Each schema runs on its databases through the sync
drivers (``backends``) and the async ones (``async_backends``: psycopg_async, aiomysql,
aiosqlite).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PG, MARIADB, SQLITE = "postgresql", "mariadb", "sqlite"


@dataclass(frozen=True)
class JoinTable:
    """A table whose primary or unique key is a pair of foreign keys."""

    table: str
    columns: tuple[str, str]


@dataclass(frozen=True)
class RealSchema:
    name: str
    summary: str
    counts: dict[str, int]  # table -> rows the manifest asks for, in manifest order
    backends: tuple[str, ...] = (PG, MARIADB, SQLITE)
    joins: tuple[JoinTable, ...] = ()
    self_references: tuple[str, ...] = ()  # "table.column" that must form a forest
    always_set: tuple[str, ...] = ()  # "table.column" not NULL on any row after apply
    next_inserts: dict[str, str] = field(default_factory=dict)
    app_rows: tuple[str, ...] = ()
    lookup_rows: dict[str, int] = field(default_factory=dict)  # rows the DDL inserts
    second_schema: frozenset[str] = frozenset()  # tables living in __payroll__

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def async_backends(self) -> tuple[str, ...]:
        return tuple(f"{b}-async" for b in self.backends)


SHOP = RealSchema(
    name="shop",
    summary="online shop: category tree, tags, customers, addresses, orders",
    counts={
        "category": 40,
        "product": 300,
        "tag": 30,
        "product_tag": 900,
        "customer": 200,
        "address": 300,
        "orders": 600,
        "order_line": 1800,
    },
    joins=(
        JoinTable("product_tag", ("product_id", "tag_id")),
        JoinTable("order_line", ("order_id", "product_id")),
    ),
    self_references=("category.parent_id",),
    next_inserts={
        "category": "INSERT INTO category (name, slug) VALUES ('App shelf', 'app-shelf')",
        "product": "INSERT INTO product (category_id, sku, name, price) "
        "SELECT min(id), 'APP-0001', 'App product', 9.99 FROM category",
        "tag": "INSERT INTO tag (name) VALUES ('app-new')",
        "customer": "INSERT INTO customer (email, first_name, last_name) "
        "VALUES ('next@shop.invalid', 'Next', 'Customer')",
        "address": "INSERT INTO address (customer_id, line1, city, postal_code, country_code) "
        "SELECT min(id), '1 App Street', 'Appton', '1234', 'NL' FROM customer",
        "orders": "INSERT INTO orders (customer_id, placed_at) "
        "SELECT min(id), CURRENT_TIMESTAMP FROM customer",
        "order_line": "INSERT INTO order_line (order_id, product_id, quantity, unit_price) "
        "SELECT (SELECT max(id) FROM orders), (SELECT max(id) FROM product), 1, 9.99",
    },
    app_rows=(
        "INSERT INTO tag (id, name) VALUES (900001, 'app:clearance')",
        "INSERT INTO customer (id, email, first_name, last_name) "
        "VALUES (900001, 'owner@shop.invalid', 'Shop', 'Owner')",
    ),
)

FILM = RealSchema(
    name="film",
    summary="film rental: store/staff cycle, cast and genre join tables, year domain, "
    "rating enum, partitioned payments (PG)",
    counts={
        "language": 6,
        "actor": 150,
        "category": 16,
        "film": 300,
        "film_actor": 1200,
        "film_category": 400,
        "store": 4,
        "staff": 12,
        "customer": 300,
        "inventory": 900,
        "rental": 1500,
        "payment": 1500,
    },
    joins=(
        JoinTable("film_actor", ("film_id", "actor_id")),
        JoinTable("film_category", ("film_id", "category_id")),
    ),
    always_set=("store.manager_staff_id",),  # the cycle's nullable edge, set after staff
    next_inserts={
        "language": "INSERT INTO language (name) VALUES ('app:Esperanto')",
        "actor": "INSERT INTO actor (first_name, last_name) VALUES ('App', 'Actor')",
        "category": "INSERT INTO category (name) VALUES ('app:Shorts')",
        "film": "INSERT INTO film (title, language_id) SELECT 'App film', min(id) FROM language",
        "store": "INSERT INTO store (name, city) VALUES ('App store', 'Appton')",
        "staff": "INSERT INTO staff (store_id, first_name, last_name, email) "
        "SELECT min(id), 'App', 'Clerk', 'clerk@film.invalid' FROM store",
        "customer": "INSERT INTO customer (store_id, first_name, last_name) "
        "SELECT min(id), 'App', 'Renter' FROM store",
        "inventory": "INSERT INTO inventory (film_id, store_id) "
        "SELECT (SELECT min(id) FROM film), (SELECT min(id) FROM store)",
        "rental": "INSERT INTO rental (rented_at, inventory_id, customer_id, staff_id) "
        "SELECT CURRENT_TIMESTAMP, (SELECT min(id) FROM inventory), "
        "(SELECT min(id) FROM customer), (SELECT min(id) FROM staff)",
        "payment": "INSERT INTO payment (customer_id, staff_id, amount, paid_at) "
        "SELECT (SELECT min(id) FROM customer), (SELECT min(id) FROM staff), 1.99, "
        "CURRENT_TIMESTAMP",
    },
    app_rows=(
        "INSERT INTO language (id, name) VALUES (9001, 'app:Latin')",
        "INSERT INTO actor (id, first_name, last_name) VALUES (900001, 'House', 'Extra')",
    ),
)

MUSIC = RealSchema(
    name="music",
    summary="music store: employee hierarchy, support reps, tracks, invoices, playlists",
    counts={
        "artist": 80,
        "album": 150,
        "genre": 20,
        "media_type": 5,
        "track": 1200,
        "employee": 10,
        "customer": 60,
        "invoice": 400,
        "invoice_line": 1600,
        "playlist": 18,
        "playlist_track": 2000,
    },
    joins=(JoinTable("playlist_track", ("playlist_id", "track_id")),),
    self_references=("employee.reports_to",),
    next_inserts={
        "artist": "INSERT INTO artist (name) VALUES ('App Artist')",
        "album": "INSERT INTO album (artist_id, title) SELECT min(id), 'App album' FROM artist",
        "genre": "INSERT INTO genre (name) VALUES ('app:Chiptune')",
        "media_type": "INSERT INTO media_type (name) VALUES ('app:Cassette')",
        "track": "INSERT INTO track (media_type_id, name, milliseconds, unit_price) "
        "SELECT min(id), 'App track', 180000, 0.99 FROM media_type",
        "employee": "INSERT INTO employee (last_name, first_name, email) "
        "VALUES ('App', 'Manager', 'manager@music.invalid')",
        "customer": "INSERT INTO customer (first_name, last_name, email) "
        "VALUES ('App', 'Listener', 'listener@music.invalid')",
        "invoice": "INSERT INTO invoice (customer_id, invoiced_at, total) "
        "SELECT min(id), CURRENT_TIMESTAMP, 0.99 FROM customer",
        "invoice_line": "INSERT INTO invoice_line (invoice_id, track_id, unit_price) "
        "SELECT (SELECT min(id) FROM invoice), (SELECT min(id) FROM track), 0.99",
        "playlist": "INSERT INTO playlist (name) VALUES ('App favourites')",
    },
    app_rows=(
        "INSERT INTO genre (id, name) VALUES (900001, 'app:Polka')",
        "INSERT INTO media_type (id, name) VALUES (900001, 'app:Vinyl')",
    ),
)

TRADING = RealSchema(
    name="trading",
    summary="trading company: order_details keyed (order, product), territories, "
    "employee_territory, suppliers, shippers",
    counts={
        "product_category": 8,
        "supplier": 30,
        "shipper": 3,
        "product": 80,
        "region": 4,
        "territory": 50,
        "employee": 10,
        "employee_territory": 60,
        "customer": 90,
        "sales_order": 800,
        "order_detail": 2000,
    },
    joins=(
        JoinTable("employee_territory", ("employee_id", "territory_code")),
        JoinTable("order_detail", ("order_id", "product_id")),
    ),
    next_inserts={
        "product_category": "INSERT INTO product_category (name) VALUES ('app:Snacks')",
        "supplier": "INSERT INTO supplier (company_name) VALUES ('App Supplies')",
        "shipper": "INSERT INTO shipper (company_name) VALUES ('App Freight')",
        "product": "INSERT INTO product (name) VALUES ('App product')",
        "employee": "INSERT INTO employee (last_name, first_name) VALUES ('App', 'Seller')",
        "sales_order": "INSERT INTO sales_order (customer_code, ordered_on) "
        "SELECT min(code), CURRENT_DATE FROM customer",
    },
    app_rows=(
        "INSERT INTO shipper (id, company_name) VALUES (9001, 'app:Own fleet')",
        "INSERT INTO region (id, description) VALUES (9001, 'app:Overseas')",
    ),
)

HR = RealSchema(
    name="hr",
    summary="HR across two schemas: person/employee inheritance, one-to-one employee_pay, "
    "a country lookup the application fills",
    counts={
        "department": 12,
        "person": 300,
        "employee": 250,
        "pay_grade": 8,
        "employee_pay": 250,
        "payslip": 1500,
    },
    backends=(PG, MARIADB),  # two schemas: SQLite would need ATTACH, which a URL cannot say
    next_inserts={
        "department": "INSERT INTO __hr__.department (name, country_code) "
        "VALUES ('App department', 'NL')",
        "person": "INSERT INTO __hr__.person (first_name, last_name, email, country_code) "
        "VALUES ('App', 'Person', 'person@hr.invalid', 'NL')",
        "pay_grade": "INSERT INTO __payroll__.pay_grade (code, min_salary) VALUES ('APP', 1000)",
        "payslip": "INSERT INTO __payroll__.payslip (employee_id, period_start, gross, net) "
        "SELECT min(employee_id), CURRENT_DATE, 100, 80 FROM __payroll__.employee_pay",
    },
    app_rows=(
        "INSERT INTO __hr__.department (id, name, country_code) "
        "VALUES (9001, 'app:Head office', 'NL')",
        "INSERT INTO __hr__.person (id, first_name, last_name, email, country_code) "
        "VALUES (900001, 'App', 'Admin', 'admin@hr.invalid', 'NL')",
        "INSERT INTO __payroll__.pay_grade (id, code, min_salary) VALUES (9001, 'APP', 1000)",
    ),
    lookup_rows={"country": 5},
    second_schema=frozenset({"pay_grade", "employee_pay", "payslip"}),
)

FORUM = RealSchema(
    name="forum",
    summary="forum: threaded comments, thread_tag, user_follows (two FKs to users)",
    counts={
        "users": 200,
        "thread": 300,
        "comment": 2000,
        "tag": 25,
        "thread_tag": 600,
        "user_follows": 1500,
    },
    joins=(
        JoinTable("thread_tag", ("thread_id", "tag_id")),
        JoinTable("user_follows", ("follower_id", "followed_id")),
    ),
    self_references=("comment.parent_id",),
    next_inserts={
        "users": "INSERT INTO users (username, email) VALUES ('app_next', 'next@forum.invalid')",
        "thread": "INSERT INTO thread (author_id, title, body) "
        "SELECT min(id), 'App thread', 'Welcome' FROM users",
        "comment": "INSERT INTO comment (thread_id, author_id, body) "
        "SELECT (SELECT min(id) FROM thread), (SELECT min(id) FROM users), 'First!'",
        "tag": "INSERT INTO tag (name) VALUES ('app:meta')",
    },
    app_rows=(
        "INSERT INTO users (id, username, email) "
        "VALUES (900001, 'app_moderator', 'mod@forum.invalid')",
        "INSERT INTO tag (id, name) VALUES (900001, 'app:announcements')",
    ),
)

SCHEMAS: tuple[RealSchema, ...] = (SHOP, FILM, MUSIC, TRADING, HR, FORUM)
