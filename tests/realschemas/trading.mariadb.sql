-- A trading company: suppliers and categories of products, customers with short code keys,
-- sales regions and territories assigned to employees, orders shipped by a carrier, and
-- order lines keyed by (order, product).
CREATE TABLE product_category (
    id          SMALLINT AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(40) NOT NULL UNIQUE,
    description TEXT
) ENGINE=InnoDB;

CREATE TABLE supplier (
    id            INT AUTO_INCREMENT PRIMARY KEY,
    company_name  VARCHAR(80) NOT NULL,
    contact_name  VARCHAR(60),
    city          VARCHAR(60),
    country       VARCHAR(60),
    phone         VARCHAR(30)
) ENGINE=InnoDB;

CREATE TABLE shipper (
    id            SMALLINT AUTO_INCREMENT PRIMARY KEY,
    company_name  VARCHAR(80) NOT NULL,
    phone         VARCHAR(30)
) ENGINE=InnoDB;

CREATE TABLE product (
    id                INT AUTO_INCREMENT PRIMARY KEY,
    name              VARCHAR(80) NOT NULL,
    supplier_id       INT NULL,
    category_id       SMALLINT NULL,
    quantity_per_unit VARCHAR(40),
    unit_price        DECIMAL(10, 2) NOT NULL DEFAULT 0 CHECK (unit_price >= 0),
    units_in_stock    SMALLINT NOT NULL DEFAULT 0 CHECK (units_in_stock >= 0),
    discontinued      BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT product_supplier_fk FOREIGN KEY (supplier_id) REFERENCES supplier (id),
    CONSTRAINT product_category_fk FOREIGN KEY (category_id) REFERENCES product_category (id)
) ENGINE=InnoDB;

CREATE TABLE region (
    id          SMALLINT PRIMARY KEY,
    description VARCHAR(50) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE territory (
    code        VARCHAR(20) PRIMARY KEY,
    description VARCHAR(60) NOT NULL,
    region_id   SMALLINT NOT NULL,
    CONSTRAINT territory_region_fk FOREIGN KEY (region_id) REFERENCES region (id)
) ENGINE=InnoDB;

CREATE TABLE employee (
    id          INT AUTO_INCREMENT PRIMARY KEY,
    last_name   VARCHAR(40) NOT NULL,
    first_name  VARCHAR(30) NOT NULL,
    title       VARCHAR(60),
    hired_on    DATE,
    city        VARCHAR(60),
    country     VARCHAR(60)
) ENGINE=InnoDB;

CREATE TABLE employee_territory (
    employee_id    INT NOT NULL,
    territory_code VARCHAR(20) NOT NULL,
    PRIMARY KEY (employee_id, territory_code),
    CONSTRAINT employee_territory_employee_fk FOREIGN KEY (employee_id) REFERENCES employee (id)
        ON DELETE CASCADE,
    CONSTRAINT employee_territory_territory_fk FOREIGN KEY (territory_code)
        REFERENCES territory (code) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE customer (
    code          CHAR(5) PRIMARY KEY,
    company_name  VARCHAR(80) NOT NULL,
    contact_name  VARCHAR(60),
    city          VARCHAR(60),
    country       VARCHAR(60),
    phone         VARCHAR(30)
) ENGINE=InnoDB;

CREATE TABLE sales_order (
    id            INT AUTO_INCREMENT PRIMARY KEY,
    customer_code CHAR(5) NOT NULL,
    employee_id   INT NULL,
    shipper_id    SMALLINT NULL,
    ordered_on    DATE NOT NULL,
    required_on   DATE,
    shipped_on    DATE,
    freight       DECIMAL(10, 2) NOT NULL DEFAULT 0,
    ship_city     VARCHAR(60),
    ship_country  VARCHAR(60),
    CONSTRAINT sales_order_customer_fk FOREIGN KEY (customer_code) REFERENCES customer (code),
    CONSTRAINT sales_order_employee_fk FOREIGN KEY (employee_id) REFERENCES employee (id),
    CONSTRAINT sales_order_shipper_fk FOREIGN KEY (shipper_id) REFERENCES shipper (id)
) ENGINE=InnoDB;

CREATE TABLE order_detail (
    order_id    INT NOT NULL,
    product_id  INT NOT NULL,
    unit_price  DECIMAL(10, 2) NOT NULL CHECK (unit_price >= 0),
    quantity    SMALLINT NOT NULL DEFAULT 1 CHECK (quantity > 0),
    discount    FLOAT NOT NULL DEFAULT 0 CHECK (discount BETWEEN 0 AND 1),
    line_total  DECIMAL(12, 2) AS (ROUND(unit_price * quantity * (1 - discount), 2)) STORED,
    PRIMARY KEY (order_id, product_id),
    CONSTRAINT order_detail_order_fk FOREIGN KEY (order_id) REFERENCES sales_order (id)
        ON DELETE CASCADE,
    CONSTRAINT order_detail_product_fk FOREIGN KEY (product_id) REFERENCES product (id)
) ENGINE=InnoDB;
