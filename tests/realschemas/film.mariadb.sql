-- A film rental chain: stores managed by one of their staff (a cycle), a catalogue with cast
-- and genres (join tables), a YEAR column, a rating enum, and a plain payments table.
CREATE TABLE language (
    id          SMALLINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(30) NOT NULL UNIQUE
) ENGINE=InnoDB;

CREATE TABLE actor (
    id          INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    first_name  VARCHAR(50) NOT NULL,
    last_name   VARCHAR(50) NOT NULL,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) ENGINE=InnoDB;

CREATE TABLE category (
    id          SMALLINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(30) NOT NULL UNIQUE
) ENGINE=InnoDB;

CREATE TABLE film (
    id               INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    title            VARCHAR(200) NOT NULL,
    synopsis         TEXT,
    released         YEAR,
    language_id      SMALLINT UNSIGNED NOT NULL,
    runtime_minutes  SMALLINT UNSIGNED CHECK (runtime_minutes > 0),
    rental_days      TINYINT UNSIGNED NOT NULL DEFAULT 3 CHECK (rental_days BETWEEN 1 AND 14),
    daily_rate       DECIMAL(4, 2) NOT NULL DEFAULT 2.99 CHECK (daily_rate >= 0),
    replacement_cost DECIMAL(5, 2) NOT NULL DEFAULT 19.99,
    rating           ENUM('G', 'PG', 'PG-13', 'R', 'NC-17') NOT NULL DEFAULT 'G',
    updated_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    CONSTRAINT film_language_fk FOREIGN KEY (language_id) REFERENCES language (id)
) ENGINE=InnoDB;

CREATE TABLE film_actor (
    film_id     INT UNSIGNED NOT NULL,
    actor_id    INT UNSIGNED NOT NULL,
    billing     SMALLINT NOT NULL DEFAULT 1,
    PRIMARY KEY (film_id, actor_id),
    CONSTRAINT film_actor_film_fk FOREIGN KEY (film_id) REFERENCES film (id) ON DELETE CASCADE,
    CONSTRAINT film_actor_actor_fk FOREIGN KEY (actor_id) REFERENCES actor (id)
        ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE film_category (
    film_id     INT UNSIGNED NOT NULL,
    category_id SMALLINT UNSIGNED NOT NULL,
    PRIMARY KEY (film_id, category_id),
    CONSTRAINT film_category_film_fk FOREIGN KEY (film_id) REFERENCES film (id)
        ON DELETE CASCADE,
    CONSTRAINT film_category_category_fk FOREIGN KEY (category_id) REFERENCES category (id)
        ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE store (
    id               INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    name             VARCHAR(80) NOT NULL,
    city             VARCHAR(80) NOT NULL,
    manager_staff_id INT UNSIGNED NULL
) ENGINE=InnoDB;

CREATE TABLE staff (
    id          INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    store_id    INT UNSIGNED NOT NULL,
    first_name  VARCHAR(50) NOT NULL,
    last_name   VARCHAR(50) NOT NULL,
    email       VARCHAR(120) NOT NULL UNIQUE,
    active      TINYINT(1) NOT NULL DEFAULT 1,
    CONSTRAINT staff_store_fk FOREIGN KEY (store_id) REFERENCES store (id)
) ENGINE=InnoDB;

ALTER TABLE store ADD CONSTRAINT store_manager_fk
    FOREIGN KEY (manager_staff_id) REFERENCES staff (id);

CREATE TABLE customer (
    id          INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    store_id    INT UNSIGNED NOT NULL,
    first_name  VARCHAR(50) NOT NULL,
    last_name   VARCHAR(50) NOT NULL,
    email       VARCHAR(120) UNIQUE,
    active      TINYINT(1) NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT customer_store_fk FOREIGN KEY (store_id) REFERENCES store (id)
) ENGINE=InnoDB;

CREATE TABLE inventory (
    id          INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    film_id     INT UNSIGNED NOT NULL,
    store_id    INT UNSIGNED NOT NULL,
    CONSTRAINT inventory_film_fk FOREIGN KEY (film_id) REFERENCES film (id),
    CONSTRAINT inventory_store_fk FOREIGN KEY (store_id) REFERENCES store (id)
) ENGINE=InnoDB;

CREATE TABLE rental (
    id           INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    rented_at    DATETIME NOT NULL,
    inventory_id INT UNSIGNED NOT NULL,
    customer_id  INT UNSIGNED NOT NULL,
    staff_id     INT UNSIGNED NOT NULL,
    returned_at  DATETIME NULL,
    CONSTRAINT rental_inventory_fk FOREIGN KEY (inventory_id) REFERENCES inventory (id),
    CONSTRAINT rental_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id),
    CONSTRAINT rental_staff_fk FOREIGN KEY (staff_id) REFERENCES staff (id)
) ENGINE=InnoDB;

CREATE TABLE payment (
    id          BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    customer_id INT UNSIGNED NOT NULL,
    staff_id    INT UNSIGNED NOT NULL,
    rental_id   INT UNSIGNED NULL,
    amount      DECIMAL(6, 2) NOT NULL CHECK (amount >= 0),
    paid_at     DATETIME NOT NULL,
    CONSTRAINT payment_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id),
    CONSTRAINT payment_staff_fk FOREIGN KEY (staff_id) REFERENCES staff (id),
    CONSTRAINT payment_rental_fk FOREIGN KEY (rental_id) REFERENCES rental (id)
) ENGINE=InnoDB;
