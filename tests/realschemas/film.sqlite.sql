-- A film rental chain: stores managed by one of their staff (a cycle), a catalogue with cast
-- and genres (join tables), a rating CHECK, and a plain payments table (SQLite has neither
-- domains nor partitions).
CREATE TABLE language (
    id          INTEGER PRIMARY KEY,
    name        VARCHAR(30) NOT NULL UNIQUE
);

CREATE TABLE actor (
    id          INTEGER PRIMARY KEY,
    first_name  VARCHAR(50) NOT NULL,
    last_name   VARCHAR(50) NOT NULL,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE category (
    id          INTEGER PRIMARY KEY,
    name        VARCHAR(30) NOT NULL UNIQUE
);

CREATE TABLE film (
    id               INTEGER PRIMARY KEY,
    title            VARCHAR(200) NOT NULL,
    synopsis         TEXT,
    released         INTEGER CHECK (released BETWEEN 1888 AND 2100),
    language_id      INTEGER NOT NULL REFERENCES language (id),
    runtime_minutes  SMALLINT CHECK (runtime_minutes > 0),
    rental_days      SMALLINT NOT NULL DEFAULT 3 CHECK (rental_days BETWEEN 1 AND 14),
    daily_rate       NUMERIC(4, 2) NOT NULL DEFAULT 2.99 CHECK (daily_rate >= 0),
    replacement_cost NUMERIC(5, 2) NOT NULL DEFAULT 19.99,
    rating           VARCHAR(5) NOT NULL DEFAULT 'G'
                     CHECK (rating IN ('G', 'PG', 'PG-13', 'R', 'NC-17')),
    updated_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE film_actor (
    film_id     INTEGER NOT NULL REFERENCES film (id) ON DELETE CASCADE,
    actor_id    INTEGER NOT NULL REFERENCES actor (id) ON DELETE CASCADE,
    billing     SMALLINT NOT NULL DEFAULT 1,
    PRIMARY KEY (film_id, actor_id)
);

CREATE TABLE film_category (
    film_id     INTEGER NOT NULL REFERENCES film (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES category (id) ON DELETE CASCADE,
    PRIMARY KEY (film_id, category_id)
);

CREATE TABLE store (
    id               INTEGER PRIMARY KEY,
    name             VARCHAR(80) NOT NULL,
    city             VARCHAR(80) NOT NULL,
    manager_staff_id INTEGER NULL REFERENCES staff (id)
);

CREATE TABLE staff (
    id          INTEGER PRIMARY KEY,
    store_id    INTEGER NOT NULL REFERENCES store (id),
    first_name  VARCHAR(50) NOT NULL,
    last_name   VARCHAR(50) NOT NULL,
    email       VARCHAR(120) NOT NULL UNIQUE,
    active      BOOLEAN NOT NULL DEFAULT 1
);

CREATE TABLE customer (
    id          INTEGER PRIMARY KEY,
    store_id    INTEGER NOT NULL REFERENCES store (id),
    first_name  VARCHAR(50) NOT NULL,
    last_name   VARCHAR(50) NOT NULL,
    email       VARCHAR(120) UNIQUE,
    active      BOOLEAN NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE inventory (
    id          INTEGER PRIMARY KEY,
    film_id     INTEGER NOT NULL REFERENCES film (id),
    store_id    INTEGER NOT NULL REFERENCES store (id)
);

CREATE TABLE rental (
    id           INTEGER PRIMARY KEY,
    rented_at    TIMESTAMP NOT NULL,
    inventory_id INTEGER NOT NULL REFERENCES inventory (id),
    customer_id  INTEGER NOT NULL REFERENCES customer (id),
    staff_id     INTEGER NOT NULL REFERENCES staff (id),
    returned_at  TIMESTAMP
);

CREATE TABLE payment (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    staff_id    INTEGER NOT NULL REFERENCES staff (id),
    rental_id   INTEGER REFERENCES rental (id),
    amount      NUMERIC(6, 2) NOT NULL CHECK (amount >= 0),
    paid_at     TIMESTAMP NOT NULL
);
