-- An online shop: a category tree, a catalogue with tags, customers with addresses, orders.
CREATE TABLE category (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id   INTEGER REFERENCES category (id) ON DELETE CASCADE,
    name        VARCHAR(80) NOT NULL,
    slug        VARCHAR(80) NOT NULL UNIQUE,
    position    SMALLINT NOT NULL DEFAULT 0
);

CREATE TABLE product (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    category_id INTEGER NOT NULL REFERENCES category (id),
    sku         VARCHAR(32) NOT NULL UNIQUE,
    name        VARCHAR(200) NOT NULL,
    description TEXT,
    price       NUMERIC(10, 2) NOT NULL CHECK (price >= 0),
    stock       INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
    active      BOOLEAN NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE tag (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        VARCHAR(40) NOT NULL UNIQUE
);

CREATE TABLE product_tag (
    product_id  INTEGER NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    tag_id      INTEGER NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, tag_id)
) WITHOUT ROWID;

CREATE TABLE customer (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    email       VARCHAR(254) NOT NULL UNIQUE,
    first_name  VARCHAR(60) NOT NULL,
    last_name   VARCHAR(60) NOT NULL,
    phone       VARCHAR(30),
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE address (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    line1        VARCHAR(120) NOT NULL,
    line2        VARCHAR(120),
    city         VARCHAR(80) NOT NULL,
    postal_code  VARCHAR(16) NOT NULL,
    country_code CHAR(2) NOT NULL,
    is_default   BOOLEAN NOT NULL DEFAULT 0
);

CREATE TABLE orders (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id         INTEGER NOT NULL REFERENCES customer (id),
    shipping_address_id INTEGER REFERENCES address (id),
    status              VARCHAR(10) NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    placed_at           TIMESTAMP NOT NULL,
    total               NUMERIC(12, 2) NOT NULL DEFAULT 0 CHECK (total >= 0)
);

CREATE TABLE order_line (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id  INTEGER NOT NULL REFERENCES product (id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_price  NUMERIC(10, 2) NOT NULL CHECK (unit_price >= 0),
    CONSTRAINT order_line_once UNIQUE (order_id, product_id)
);
