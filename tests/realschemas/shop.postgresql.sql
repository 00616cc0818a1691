-- An online shop: a category tree, a catalogue with tags, customers with addresses, orders.
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled');

CREATE TABLE category (
    id          serial PRIMARY KEY,
    parent_id   integer REFERENCES category (id) ON DELETE CASCADE,
    name        varchar(80) NOT NULL,
    slug        varchar(80) NOT NULL UNIQUE,
    position    smallint NOT NULL DEFAULT 0
);

CREATE TABLE product (
    id          serial PRIMARY KEY,
    category_id integer NOT NULL REFERENCES category (id),
    sku         varchar(32) NOT NULL UNIQUE,
    name        varchar(200) NOT NULL,
    description text,
    price       numeric(10, 2) NOT NULL CHECK (price >= 0),
    stock       integer NOT NULL DEFAULT 0 CHECK (stock >= 0),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tag (
    id          serial PRIMARY KEY,
    name        varchar(40) NOT NULL UNIQUE
);

CREATE TABLE product_tag (
    product_id  integer NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    tag_id      integer NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, tag_id)
);

CREATE TABLE customer (
    id          bigserial PRIMARY KEY,
    email       varchar(254) NOT NULL UNIQUE,
    first_name  varchar(60) NOT NULL,
    last_name   varchar(60) NOT NULL,
    phone       varchar(30),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE address (
    id           bigserial PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    line1        varchar(120) NOT NULL,
    line2        varchar(120),
    city         varchar(80) NOT NULL,
    postal_code  varchar(16) NOT NULL,
    country_code char(2) NOT NULL,
    is_default   boolean NOT NULL DEFAULT false
);

CREATE TABLE orders (
    id                  bigserial PRIMARY KEY,
    customer_id         bigint NOT NULL REFERENCES customer (id),
    shipping_address_id bigint REFERENCES address (id),
    status              order_status NOT NULL DEFAULT 'pending',
    placed_at           timestamptz NOT NULL,
    total               numeric(12, 2) NOT NULL DEFAULT 0 CHECK (total >= 0)
);
CREATE INDEX orders_customer_idx ON orders (customer_id);

CREATE TABLE order_line (
    id          bigserial PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id  integer NOT NULL REFERENCES product (id),
    quantity    integer NOT NULL CHECK (quantity > 0),
    unit_price  numeric(10, 2) NOT NULL CHECK (unit_price >= 0),
    CONSTRAINT order_line_once UNIQUE (order_id, product_id)
);
