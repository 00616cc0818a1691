-- An HR system across two schemas: people and the employees among them (table inheritance:
-- employee.person_id is both key and foreign key) in __hr__, their pay in __payroll__ (one
-- row per employee, keyed by the employee), and a country list the application fills itself.
CREATE TABLE __hr__.country (
    code        char(2) PRIMARY KEY,
    name        varchar(60) NOT NULL UNIQUE
);
INSERT INTO __hr__.country (code, name) VALUES
    ('DE', 'Germany'), ('FR', 'France'), ('GB', 'United Kingdom'), ('NL', 'Netherlands'),
    ('US', 'United States');

CREATE TABLE __hr__.department (
    id          serial PRIMARY KEY,
    name        varchar(80) NOT NULL UNIQUE,
    country_code char(2) NOT NULL REFERENCES __hr__.country (code)
);

CREATE TABLE __hr__.person (
    id           serial PRIMARY KEY,
    first_name   varchar(50) NOT NULL,
    last_name    varchar(50) NOT NULL,
    birth_date   date,
    email        varchar(120) NOT NULL UNIQUE,
    country_code char(2) NOT NULL REFERENCES __hr__.country (code)
);

CREATE TABLE __hr__.employee (
    person_id     integer PRIMARY KEY REFERENCES __hr__.person (id) ON DELETE CASCADE,
    department_id integer NOT NULL REFERENCES __hr__.department (id),
    job_title     varchar(80) NOT NULL,
    hired_on      date NOT NULL
);

CREATE TABLE __payroll__.pay_grade (
    id          serial PRIMARY KEY,
    code        varchar(10) NOT NULL UNIQUE,
    min_salary  numeric(10, 2) NOT NULL CHECK (min_salary > 0)
);

CREATE TABLE __payroll__.employee_pay (
    employee_id  integer PRIMARY KEY REFERENCES __hr__.employee (person_id) ON DELETE CASCADE,
    pay_grade_id integer NOT NULL REFERENCES __payroll__.pay_grade (id),
    salary       numeric(10, 2) NOT NULL CHECK (salary > 0),
    currency     char(3) NOT NULL DEFAULT 'EUR',
    iban         varchar(34)
);

CREATE TABLE __payroll__.payslip (
    id           bigserial PRIMARY KEY,
    employee_id  integer NOT NULL REFERENCES __payroll__.employee_pay (employee_id),
    period_start date NOT NULL,
    gross        numeric(10, 2) NOT NULL CHECK (gross >= 0),
    net          numeric(10, 2) NOT NULL CHECK (net >= 0)
);
