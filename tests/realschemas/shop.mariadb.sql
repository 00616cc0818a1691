-- An online shop: a category tree, a catalogue with tags, customers with addresses, orders.
CREATE TABLE category (
    id          INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    parent_id   INT UNSIGNED NULL,
    name        VARCHAR(80) NOT NULL,
    slug        VARCHAR(80) NOT NULL UNIQUE,
    position    SMALLINT NOT NULL DEFAULT 0,
    CONSTRAINT category_parent_fk FOREIGN KEY (parent_id) REFERENCES category (id)
        ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE product (
    id          INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    category_id INT UNSIGNED NOT NULL,
    sku         VARCHAR(32) NOT NULL UNIQUE,
    name        VARCHAR(200) NOT NULL,
    description TEXT,
    price       DECIMAL(10, 2) NOT NULL CHECK (price >= 0),
    stock       INT NOT NULL DEFAULT 0 CHECK (stock >= 0),
    active      TINYINT(1) NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT product_category_fk FOREIGN KEY (category_id) REFERENCES category (id)
) ENGINE=InnoDB;

CREATE TABLE tag (
    id          INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(40) NOT NULL UNIQUE
) ENGINE=InnoDB;

CREATE TABLE product_tag (
    product_id  INT UNSIGNED NOT NULL,
    tag_id      INT UNSIGNED NOT NULL,
    PRIMARY KEY (product_id, tag_id),
    CONSTRAINT product_tag_product_fk FOREIGN KEY (product_id) REFERENCES product (id)
        ON DELETE CASCADE,
    CONSTRAINT product_tag_tag_fk FOREIGN KEY (tag_id) REFERENCES tag (id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE customer (
    id          BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    email       VARCHAR(254) NOT NULL UNIQUE,
    first_name  VARCHAR(60) NOT NULL,
    last_name   VARCHAR(60) NOT NULL,
    phone       VARCHAR(30),
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB;

CREATE TABLE address (
    id           BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    customer_id  BIGINT UNSIGNED NOT NULL,
    line1        VARCHAR(120) NOT NULL,
    line2        VARCHAR(120),
    city         VARCHAR(80) NOT NULL,
    postal_code  VARCHAR(16) NOT NULL,
    country_code CHAR(2) NOT NULL,
    is_default   TINYINT(1) NOT NULL DEFAULT 0,
    CONSTRAINT address_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id)
        ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE orders (
    id                  BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    customer_id         BIGINT UNSIGNED NOT NULL,
    shipping_address_id BIGINT UNSIGNED NULL,
    status              ENUM('pending', 'paid', 'shipped', 'delivered', 'cancelled')
                        NOT NULL DEFAULT 'pending',
    placed_at           DATETIME NOT NULL,
    total               DECIMAL(12, 2) NOT NULL DEFAULT 0 CHECK (total >= 0),
    CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id),
    CONSTRAINT orders_address_fk FOREIGN KEY (shipping_address_id) REFERENCES address (id)
) ENGINE=InnoDB;

CREATE TABLE order_line (
    id          BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    order_id    BIGINT UNSIGNED NOT NULL,
    product_id  INT UNSIGNED NOT NULL,
    quantity    INT NOT NULL CHECK (quantity > 0),
    unit_price  DECIMAL(10, 2) NOT NULL CHECK (unit_price >= 0),
    CONSTRAINT order_line_once UNIQUE (order_id, product_id),
    CONSTRAINT order_line_order_fk FOREIGN KEY (order_id) REFERENCES orders (id)
        ON DELETE CASCADE,
    CONSTRAINT order_line_product_fk FOREIGN KEY (product_id) REFERENCES product (id)
) ENGINE=InnoDB;
