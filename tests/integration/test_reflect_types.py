"""``table:`` datasets over real column types: PostgreSQL domains, enums, arrays, ranges,
network and bit-string types, xml, tsvector, money, interval; MariaDB ENUM/SET; generated
columns computed from other columns.  The DDL is raw SQL, the manifest lists only ``table:``
and ``count:``, and what was written is checked with SQL."""

from __future__ import annotations

import pytest

from seedrunner import apply, build_plan, load_manifest


def only_tables(url: str, *datasets: tuple[str, int]) -> str:
    lines = "\n".join(
        f"          {name}: {{table: {name}, count: {count}, persist: [db]}}"
        for name, count in datasets
    )
    return f"""\
        version: 1
        seed: 11
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}"}}
        datasets:
{lines}
        """


DOMAINS = [
    "CREATE DOMAIN year AS integer CHECK (VALUE >= 1901 AND VALUE <= 2155)",
    "CREATE DOMAIN email AS text CHECK (VALUE ~ '^[A-Za-z0-9._%%+-]+@[A-Za-z0-9.-]+\\.[a-z]{2,}$')",
    "CREATE DOMAIN code AS varchar(5) NOT NULL CHECK (VALUE ~ '^[[:upper:]]{2}[[:digit:]]+$')",
    "CREATE DOMAIN price AS numeric(6, 2) DEFAULT 4.99 CHECK (VALUE > 0)",
    "CREATE DOMAIN modern_year AS year CHECK (VALUE >= 2000)",
    """CREATE TABLE film (
        id serial PRIMARY KEY,
        release_year year NOT NULL,
        remake_year modern_year,
        contact email NOT NULL,
        code code,
        rental_rate price NOT NULL)""",
]


@pytest.mark.parametrize("backend", ["postgresql", "postgresql-async"])
def test_domains_resolve_to_their_base_type_and_checks(manifest, make_database, backend):
    db = make_database(backend)
    db.execute(*DOMAINS)
    plan = build_plan(load_manifest(manifest(only_tables(db.url, ("film", 300)))))
    shape = plan.dataset("film").shape
    year = shape.field("release_year").type
    assert (year.kind, year.ge, year.le, year.sql_type) == ("int", 1901, 2155, "year")
    remake = shape.field("remake_year").type
    assert (remake.ge, remake.le) == (2000, 2155)  # both domains' CHECKs
    code = shape.field("code")
    assert (code.type.kind, code.type.max_length, code.optional) == ("str", 5, False)
    rate = shape.field("rental_rate")
    assert (rate.type.kind, rate.type.max_digits, rate.type.decimal_places) == ("decimal", 6, 2)
    assert (rate.type.gt, rate.has_default) == (0, True)  # the domain's CHECK and DEFAULT
    report = apply(plan)
    assert report.ok, report.error
    assert db.scalar("SELECT count(*) FROM film") == 300
    assert db.scalar("SELECT count(*) FROM film WHERE release_year BETWEEN 1901 AND 2155") == 300
    assert db.scalar("SELECT count(DISTINCT contact) FROM film WHERE contact LIKE '%@%.%'") > 250
    assert db.scalar("SELECT count(*) FROM film WHERE code IS NULL") == 0
    assert db.scalar("SELECT max(rental_rate) FROM film") > 1
    assert db.scalar("SELECT count(DISTINCT release_year) FROM film") > 100


PG_TYPES = [
    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
    """CREATE TABLE gadget (
        id integer PRIMARY KEY,
        mood mood NOT NULL,
        moods mood[] NOT NULL,
        sizes integer[] NOT NULL,
        tags text[] NOT NULL,
        seats int4range NOT NULL,
        stay daterange NOT NULL,
        slot tsrange NOT NULL,
        window_tz tstzrange NOT NULL,
        price_band numrange NOT NULL,
        ip inet NOT NULL,
        net cidr NOT NULL,
        mac macaddr NOT NULL,
        mac8 macaddr8 NOT NULL,
        took interval NOT NULL,
        cost money NOT NULL,
        doc xml NOT NULL,
        search tsvector NOT NULL,
        flags bit(4) NOT NULL,
        mask varbit(8) NOT NULL,
        seat_sets int4multirange NOT NULL,
        stays datemultirange NOT NULL,
        query tsquery NOT NULL)""",
]


@pytest.mark.parametrize("write", ["copy", "insert"])
@pytest.mark.parametrize("backend", ["postgresql", "postgresql-async"])
def test_postgresql_types_get_values_the_database_accepts(manifest, make_database, backend, write):
    db = make_database(backend)
    db.execute(*PG_TYPES)
    text = only_tables(db.url, ("gadget", 400))
    if write == "insert":
        text = text.replace("handler: sqlalchemy,", "handler: sqlalchemy, copy: false,")
    plan = build_plan(load_manifest(manifest(text)))
    assert plan.warnings == []  # xml is known: no "did not recognize type"
    report = apply(plan)
    assert report.ok, report.error
    checks = {
        "count(*)": 400,
        "count(*) FILTER (WHERE isempty(seats) OR isempty(stay) OR isempty(slot))": 0,
        "count(*) FILTER (WHERE lower(window_tz) < upper(window_tz))": 400,
        "count(*) FILTER (WHERE net = network(net))": 400,
        "count(*) FILTER (WHERE family(ip) = 4)": 400,
        "count(*) FILTER (WHERE xml_is_well_formed_document(doc::text))": 400,
        "count(*) FILTER (WHERE length(search) >= 1)": 400,
        "count(*) FILTER (WHERE bit_length(flags) = 4)": 400,
        "count(*) FILTER (WHERE bit_length(mask) BETWEEN 1 AND 8)": 400,
        "count(*) FILTER (WHERE took > interval '0')": 400,
        "count(*) FILTER (WHERE cost >= 0::money)": 400,
        "count(DISTINCT mood)": 3,
        "count(*) FILTER (WHERE moods <@ enum_range(NULL::mood))": 400,
        "count(*) FILTER (WHERE NOT isempty(seat_sets) AND NOT isempty(stays))": 400,
        "count(*) FILTER (WHERE numnode(query) >= 1)": 400,
    }
    for expression, expected in checks.items():
        assert db.scalar(f"SELECT {expression} FROM gadget") == expected, expression
    assert db.scalar("SELECT count(*) FROM gadget WHERE cardinality(sizes) > 0") > 100
    assert db.scalar("SELECT count(DISTINCT ip) FROM gadget") > 390
    again = apply(build_plan(load_manifest(manifest(text))))
    assert again.ok, again.error
    assert [(s.rows, s.skipped) for s in again.steps if s.kind == "persist"] == [(400, 400)]
    assert db.scalar("SELECT count(*) FROM gadget") == 400


def test_mariadb_enum_and_set_columns_get_members_and_combinations(manifest, make_database):
    db = make_database("mariadb")
    db.execute(
        "CREATE TABLE poster (id INT AUTO_INCREMENT PRIMARY KEY,"
        " rating ENUM('G', 'PG', 'R') NOT NULL,"
        " features SET('Trailers', 'Commentaries', 'Deleted Scenes', 'Behind the Scenes')"
        " NOT NULL)"
    )
    plan = build_plan(load_manifest(manifest(only_tables(db.url, ("poster", 200)))))
    report = apply(plan)
    assert report.ok, report.error
    assert db.scalar("SELECT count(DISTINCT rating) FROM poster") == 3
    assert db.scalar("SELECT count(*) FROM poster WHERE features LIKE '%,%'") > 20
    assert db.scalar("SELECT count(*) FROM poster WHERE features NOT LIKE '%,%'") > 20
    # every stored member is one of the SET's (MariaDB drops unknown ones silently)
    assert db.scalar("SELECT count(*) FROM poster WHERE features = ''") == 0


def write_seed(tmp_path, url: str, datasets: str) -> None:
    targets = f"  db: {{handler: sqlalchemy, url: '{url}'}}\n"
    (tmp_path / "seed.yaml").write_text(f"version: 1\ntargets:\n{targets}datasets:\n{datasets}")


def test_an_unknown_not_null_type_is_a_located_problem(cli, tmp_path, make_database):
    db = make_database("postgresql")
    db.execute("CREATE TABLE spots (id integer PRIMARY KEY, spot point NOT NULL)")
    write_seed(tmp_path, db.url, "  spots:\n    table: spots\n    count: 5\n    persist: [db]\n")
    code, out, err = cli("plan", "seed.yaml")
    assert code == 2, out + err
    assert "seed.yaml:6:12" in err
    assert "dataset 'spots': column 'spot' of table 'spots' has type point" in err
    assert "give it a value spec under fields:" in err
    assert "Traceback" not in err
    assert db.scalar("SELECT count(*) FROM spots") == 0


def test_an_unknown_nullable_type_is_left_to_the_database(manifest, make_database):
    db = make_database("postgresql")
    db.execute("CREATE TABLE spots (id integer PRIMARY KEY, spot point, label text)")
    plan = build_plan(load_manifest(manifest(only_tables(db.url, ("spots", 5)))))
    assert any(
        "column 'spot' of table 'spots' has type point" in w and "left to the database" in w
        for w in plan.warnings
    ), plan.warnings
    report = apply(plan)
    assert report.ok, report.error
    assert db.scalar("SELECT count(*) FROM spots WHERE spot IS NULL") == 5


def test_a_value_the_database_refuses_names_its_column(manifest, make_database):
    db = make_database("postgresql")
    db.execute(
        "CREATE DOMAIN even AS integer CHECK (VALUE %% 2 = 0)",  # not readable: values fail
        "CREATE TABLE pairs (id integer PRIMARY KEY, half even NOT NULL)",
    )
    report = apply(build_plan(load_manifest(manifest(only_tables(db.url, ("pairs", 20))))))
    assert not report.ok
    assert "column 'half' of type even" in str(report.error)
    assert db.scalar("SELECT count(*) FROM pairs") == 0


GENERATED = {
    "postgresql": "total smallint GENERATED ALWAYS AS (quantity * 100) STORED",
    "mariadb": "total smallint AS (quantity * 100) PERSISTENT",
    "sqlite": "total smallint GENERATED ALWAYS AS (quantity * 100) STORED",
}


def test_inputs_of_a_generated_column_keep_it_in_range(manifest, sync_database):
    db = sync_database
    db.execute(
        "CREATE TABLE line (id integer PRIMARY KEY, quantity smallint NOT NULL,"
        f" {GENERATED[db.family]})"
    )
    plan = build_plan(load_manifest(manifest(only_tables(db.url, ("line", 1000)))))
    quantity = plan.dataset("line").shape.field("quantity").type
    assert (quantity.ge, quantity.le) == (0, 327)
    report = apply(plan)
    assert report.ok, report.error
    assert db.scalar("SELECT count(*) FROM line WHERE total = quantity * 100") == 1000
    assert db.scalar("SELECT max(total) FROM line") <= 32767
    assert db.scalar("SELECT min(quantity) FROM line") >= 0


def test_an_expression_that_cannot_be_read_keeps_inputs_modest(manifest, make_database):
    db = make_database("postgresql")
    db.execute(
        "CREATE TABLE line (id integer PRIMARY KEY, quantity smallint NOT NULL,"
        " price smallint NOT NULL,"
        " total smallint GENERATED ALWAYS AS (abs(quantity) * price + 1) STORED)"
    )
    plan = build_plan(load_manifest(manifest(only_tables(db.url, ("line", 500)))))
    assert any("generated column 'line.total'" in w for w in plan.warnings), plan.warnings
    report = apply(plan)
    assert report.ok, report.error
    assert db.scalar("SELECT max(total) FROM line") <= 100 * 100 + 1


def test_mariadb_address_and_bit_types(manifest, make_database):
    db = make_database("mariadb")
    db.execute(
        "CREATE TABLE device (id INT PRIMARY KEY, v6 INET6 NOT NULL, v4 INET4 NOT NULL,"
        " flags BIT(4) NOT NULL, spot POINT NULL)"
    )
    plan = build_plan(load_manifest(manifest(only_tables(db.url, ("device", 100)))))
    assert [w for w in plan.warnings if "inet" in w] == []  # known after all
    assert any("column 'spot' of table 'device' has type point" in w for w in plan.warnings)
    report = apply(plan)
    assert report.ok, report.error
    assert db.scalar("SELECT count(DISTINCT v4) FROM device") > 90
    assert db.scalar("SELECT count(DISTINCT v6) FROM device WHERE v6 LIKE 'fd00:%'") > 90
    assert db.scalar("SELECT max(flags + 0) FROM device") <= 15
    assert db.scalar("SELECT count(*) FROM device WHERE spot IS NULL") == 100


def test_citext_columns_get_text(manifest, make_database):
    db = make_database("postgresql")
    if db.scalar("SELECT count(*) FROM pg_available_extensions WHERE name = 'citext'") == 0:
        pytest.skip("the citext extension is not available on this server")
    if db.scalar("SELECT count(*) FROM pg_extension WHERE extname = 'citext'"):
        pytest.skip("citext is installed in another schema already")
    db.execute(  # into the test's own schema: dropped with it
        f'CREATE EXTENSION citext SCHEMA "{db.name}"',
        "CREATE TABLE member (id integer PRIMARY KEY, handle citext NOT NULL UNIQUE,"
        " email citext NOT NULL)",
    )
    plan = build_plan(load_manifest(manifest(only_tables(db.url, ("member", 200)))))
    assert plan.dataset("member").shape.field("handle").type.kind == "str"
    report = apply(plan)
    assert report.ok, report.error
    assert db.scalar("SELECT count(DISTINCT lower(handle::text)) FROM member") == 200
    assert db.scalar("SELECT count(*) FROM member WHERE email LIKE '%@%'") == 200


def test_a_generated_total_of_two_decimal_inputs_fits(manifest, make_database):
    db = make_database("postgresql")
    db.execute(
        "CREATE TABLE order_line (id integer PRIMARY KEY, quantity integer NOT NULL,"
        " unit_price numeric(6, 2) NOT NULL,"
        " total numeric(8, 2) GENERATED ALWAYS AS (quantity * unit_price) STORED)"
    )
    report = apply(build_plan(load_manifest(manifest(only_tables(db.url, ("order_line", 500))))))
    assert report.ok, report.error
    assert db.scalar("SELECT count(*) FROM order_line WHERE total = quantity * unit_price") == 500
    assert db.scalar("SELECT count(*) FROM order_line WHERE unit_price % 1 <> 0") > 100
