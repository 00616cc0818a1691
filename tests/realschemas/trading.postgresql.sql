-- A trading company: suppliers and categories of products, customers with short code keys,
-- sales regions and territories assigned to employees, orders shipped by a carrier, and
-- order lines keyed by (order, product).
CREATE TABLE product_category (
    id          smallserial PRIMARY KEY,
    name        varchar(40) NOT NULL UNIQUE,
    description text
);

CREATE TABLE supplier (
    id            serial PRIMARY KEY,
    company_name  varchar(80) NOT NULL,
    contact_name  varchar(60),
    city          varchar(60),
    country       varchar(60),
    phone         varchar(30)
);

CREATE TABLE shipper (
    id            smallserial PRIMARY KEY,
    company_name  varchar(80) NOT NULL,
    phone         varchar(30)
);

CREATE TABLE product (
    id                serial PRIMARY KEY,
    name              varchar(80) NOT NULL,
    supplier_id       integer REFERENCES supplier (id),
    category_id       smallint REFERENCES product_category (id),
    quantity_per_unit varchar(40),
    unit_price        numeric(10, 2) NOT NULL DEFAULT 0 CHECK (unit_price >= 0),
    units_in_stock    smallint NOT NULL DEFAULT 0 CHECK (units_in_stock >= 0),
    discontinued      boolean NOT NULL DEFAULT false
);

CREATE TABLE region (
    id          smallint PRIMARY KEY,
    description varchar(50) NOT NULL
);

CREATE TABLE territory (
    code        varchar(20) PRIMARY KEY,
    description varchar(60) NOT NULL,
    region_id   smallint NOT NULL REFERENCES region (id)
);

CREATE TABLE employee (
    id          serial PRIMARY KEY,
    last_name   varchar(40) NOT NULL,
    first_name  varchar(30) NOT NULL,
    title       varchar(60),
    hired_on    date,
    city        varchar(60),
    country     varchar(60)
);

CREATE TABLE employee_territory (
    employee_id    integer NOT NULL REFERENCES employee (id) ON DELETE CASCADE,
    territory_code varchar(20) NOT NULL REFERENCES territory (code) ON DELETE CASCADE,
    PRIMARY KEY (employee_id, territory_code)
);

CREATE TABLE customer (
    code          char(5) PRIMARY KEY,
    company_name  varchar(80) NOT NULL,
    contact_name  varchar(60),
    city          varchar(60),
    country       varchar(60),
    phone         varchar(30)
);

-- order numbers come from a sequence of their own (not OWNED BY the column), as in
-- schemas first written for another database
CREATE SEQUENCE sales_order_number;

CREATE TABLE sales_order (
    id            integer PRIMARY KEY DEFAULT nextval('sales_order_number'),
    customer_code char(5) NOT NULL REFERENCES customer (code),
    employee_id   integer REFERENCES employee (id),
    shipper_id    smallint REFERENCES shipper (id),
    ordered_on    date NOT NULL,
    required_on   date,
    shipped_on    date,
    freight       numeric(10, 2) NOT NULL DEFAULT 0,
    ship_city     varchar(60),
    ship_country  varchar(60)
);

CREATE TABLE order_detail (
    order_id    integer NOT NULL REFERENCES sales_order (id) ON DELETE CASCADE,
    product_id  integer NOT NULL REFERENCES product (id),
    unit_price  numeric(10, 2) NOT NULL CHECK (unit_price >= 0),
    quantity    smallint NOT NULL DEFAULT 1 CHECK (quantity > 0),
    discount    real NOT NULL DEFAULT 0 CHECK (discount BETWEEN 0 AND 1),
    line_total  numeric(12, 2)
                GENERATED ALWAYS AS (round(unit_price * quantity * (1 - discount::numeric), 2))
                STORED,
    PRIMARY KEY (order_id, product_id)
);
