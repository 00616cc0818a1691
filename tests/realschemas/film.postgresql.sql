-- A film rental chain: stores managed by one of their staff (a cycle), a catalogue with cast
-- and genres (join tables), a `year` domain, a rating enum, and payments partitioned by date
-- whose foreign keys are declared on each partition.
CREATE DOMAIN year AS integer CONSTRAINT year_range CHECK (VALUE >= 1888 AND VALUE <= 2100);
CREATE TYPE film_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17');

CREATE TABLE language (
    id          smallserial PRIMARY KEY,
    name        varchar(30) NOT NULL UNIQUE
);

CREATE TABLE actor (
    id          serial PRIMARY KEY,
    first_name  varchar(50) NOT NULL,
    last_name   varchar(50) NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE category (
    id          smallserial PRIMARY KEY,
    name        varchar(30) NOT NULL UNIQUE
);

CREATE TABLE film (
    id               serial PRIMARY KEY,
    title            varchar(200) NOT NULL,
    synopsis         text,
    released         year,
    language_id      smallint NOT NULL REFERENCES language (id),
    runtime_minutes  smallint CHECK (runtime_minutes > 0),
    rental_days      smallint NOT NULL DEFAULT 3 CHECK (rental_days BETWEEN 1 AND 14),
    daily_rate       numeric(4, 2) NOT NULL DEFAULT 2.99 CHECK (daily_rate >= 0),
    replacement_cost numeric(5, 2) NOT NULL DEFAULT 19.99,
    rating           film_rating NOT NULL DEFAULT 'G',
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE film_actor (
    film_id     integer NOT NULL REFERENCES film (id) ON DELETE CASCADE,
    actor_id    integer NOT NULL REFERENCES actor (id) ON DELETE CASCADE,
    billing     smallint NOT NULL DEFAULT 1,
    PRIMARY KEY (film_id, actor_id)
);

CREATE TABLE film_category (
    film_id     integer NOT NULL REFERENCES film (id) ON DELETE CASCADE,
    category_id smallint NOT NULL REFERENCES category (id) ON DELETE CASCADE,
    PRIMARY KEY (film_id, category_id)
);

CREATE TABLE store (
    id               serial PRIMARY KEY,
    name             varchar(80) NOT NULL,
    city             varchar(80) NOT NULL,
    manager_staff_id integer NULL
);

CREATE TABLE staff (
    id          serial PRIMARY KEY,
    store_id    integer NOT NULL REFERENCES store (id),
    first_name  varchar(50) NOT NULL,
    last_name   varchar(50) NOT NULL,
    email       varchar(120) NOT NULL UNIQUE,
    active      boolean NOT NULL DEFAULT true
);

ALTER TABLE store ADD CONSTRAINT store_manager_fk
    FOREIGN KEY (manager_staff_id) REFERENCES staff (id);

CREATE TABLE customer (
    id          serial PRIMARY KEY,
    store_id    integer NOT NULL REFERENCES store (id),
    first_name  varchar(50) NOT NULL,
    last_name   varchar(50) NOT NULL,
    email       varchar(120) UNIQUE,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inventory (
    id          serial PRIMARY KEY,
    film_id     integer NOT NULL REFERENCES film (id),
    store_id    integer NOT NULL REFERENCES store (id)
);

CREATE TABLE rental (
    id           serial PRIMARY KEY,
    rented_at    timestamptz NOT NULL,
    inventory_id integer NOT NULL REFERENCES inventory (id),
    customer_id  integer NOT NULL REFERENCES customer (id),
    staff_id     integer NOT NULL REFERENCES staff (id),
    returned_at  timestamptz
);

CREATE TABLE payment (
    id          bigserial,
    customer_id integer NOT NULL,
    staff_id    integer NOT NULL,
    rental_id   integer,
    amount      numeric(6, 2) NOT NULL CHECK (amount >= 0),
    paid_at     timestamptz NOT NULL,
    PRIMARY KEY (id, paid_at)
) PARTITION BY RANGE (paid_at);

CREATE TABLE payment_2025 PARTITION OF payment
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE payment_2026 PARTITION OF payment
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE payment_other PARTITION OF payment DEFAULT;

ALTER TABLE payment_2025 ADD FOREIGN KEY (customer_id) REFERENCES customer (id);
ALTER TABLE payment_2025 ADD FOREIGN KEY (staff_id) REFERENCES staff (id);
ALTER TABLE payment_2025 ADD FOREIGN KEY (rental_id) REFERENCES rental (id);
ALTER TABLE payment_2026 ADD FOREIGN KEY (customer_id) REFERENCES customer (id);
ALTER TABLE payment_2026 ADD FOREIGN KEY (staff_id) REFERENCES staff (id);
ALTER TABLE payment_2026 ADD FOREIGN KEY (rental_id) REFERENCES rental (id);
ALTER TABLE payment_other ADD FOREIGN KEY (customer_id) REFERENCES customer (id);
ALTER TABLE payment_other ADD FOREIGN KEY (staff_id) REFERENCES staff (id);
ALTER TABLE payment_other ADD FOREIGN KEY (rental_id) REFERENCES rental (id);
