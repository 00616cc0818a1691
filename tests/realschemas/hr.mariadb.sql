-- An HR system across two databases: people and the employees among them (table
-- inheritance: employee.person_id is both key and foreign key) in __hr__, their pay in
-- __payroll__ (one row per employee, keyed by the employee), and a country list the
-- application fills itself.
CREATE TABLE __hr__.country (
    code        CHAR(2) PRIMARY KEY,
    name        VARCHAR(60) NOT NULL UNIQUE
) ENGINE=InnoDB;
INSERT INTO __hr__.country (code, name) VALUES
    ('DE', 'Germany'), ('FR', 'France'), ('GB', 'United Kingdom'), ('NL', 'Netherlands'),
    ('US', 'United States');

CREATE TABLE __hr__.department (
    id           INT AUTO_INCREMENT PRIMARY KEY,
    name         VARCHAR(80) NOT NULL UNIQUE,
    country_code CHAR(2) NOT NULL,
    CONSTRAINT department_country_fk FOREIGN KEY (country_code) REFERENCES __hr__.country (code)
) ENGINE=InnoDB;

CREATE TABLE __hr__.person (
    id           INT AUTO_INCREMENT PRIMARY KEY,
    first_name   VARCHAR(50) NOT NULL,
    last_name    VARCHAR(50) NOT NULL,
    birth_date   DATE,
    email        VARCHAR(120) NOT NULL UNIQUE,
    country_code CHAR(2) NOT NULL,
    CONSTRAINT person_country_fk FOREIGN KEY (country_code) REFERENCES __hr__.country (code)
) ENGINE=InnoDB;

CREATE TABLE __hr__.employee (
    person_id     INT PRIMARY KEY,
    department_id INT NOT NULL,
    job_title     VARCHAR(80) NOT NULL,
    hired_on      DATE NOT NULL,
    CONSTRAINT employee_person_fk FOREIGN KEY (person_id) REFERENCES __hr__.person (id)
        ON DELETE CASCADE,
    CONSTRAINT employee_department_fk FOREIGN KEY (department_id)
        REFERENCES __hr__.department (id)
) ENGINE=InnoDB;

CREATE TABLE __payroll__.pay_grade (
    id          INT AUTO_INCREMENT PRIMARY KEY,
    code        VARCHAR(10) NOT NULL UNIQUE,
    min_salary  DECIMAL(10, 2) NOT NULL CHECK (min_salary > 0)
) ENGINE=InnoDB;

CREATE TABLE __payroll__.employee_pay (
    employee_id  INT PRIMARY KEY,
    pay_grade_id INT NOT NULL,
    salary       DECIMAL(10, 2) NOT NULL CHECK (salary > 0),
    currency     CHAR(3) NOT NULL DEFAULT 'EUR',
    iban         VARCHAR(34),
    CONSTRAINT employee_pay_employee_fk FOREIGN KEY (employee_id)
        REFERENCES __hr__.employee (person_id) ON DELETE CASCADE,
    CONSTRAINT employee_pay_grade_fk FOREIGN KEY (pay_grade_id)
        REFERENCES __payroll__.pay_grade (id)
) ENGINE=InnoDB;

CREATE TABLE __payroll__.payslip (
    id           BIGINT AUTO_INCREMENT PRIMARY KEY,
    employee_id  INT NOT NULL,
    period_start DATE NOT NULL,
    gross        DECIMAL(10, 2) NOT NULL CHECK (gross >= 0),
    net          DECIMAL(10, 2) NOT NULL CHECK (net >= 0),
    CONSTRAINT payslip_employee_fk FOREIGN KEY (employee_id)
        REFERENCES __payroll__.employee_pay (employee_id)
) ENGINE=InnoDB;
