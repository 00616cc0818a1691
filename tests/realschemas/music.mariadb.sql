-- A music store: artists, albums and tracks by genre and media type, playlists, and an
-- employee hierarchy whose members are the support reps of the customers buying tracks.
CREATE TABLE artist (
    id          INT AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(120) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE album (
    id          INT AUTO_INCREMENT PRIMARY KEY,
    artist_id   INT NOT NULL,
    title       VARCHAR(160) NOT NULL,
    released_on DATE,
    CONSTRAINT album_artist_fk FOREIGN KEY (artist_id) REFERENCES artist (id)
) ENGINE=InnoDB;

CREATE TABLE genre (
    id          INT AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(60) NOT NULL UNIQUE
) ENGINE=InnoDB;

CREATE TABLE media_type (
    id          INT AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(60) NOT NULL UNIQUE
) ENGINE=InnoDB;

CREATE TABLE track (
    id            INT AUTO_INCREMENT PRIMARY KEY,
    album_id      INT NULL,
    genre_id      INT NULL,
    media_type_id INT NOT NULL,
    name          VARCHAR(200) NOT NULL,
    composer      VARCHAR(220),
    milliseconds  INT NOT NULL CHECK (milliseconds > 0),
    bytes         INT,
    unit_price    DECIMAL(10, 2) NOT NULL CHECK (unit_price >= 0),
    CONSTRAINT track_album_fk FOREIGN KEY (album_id) REFERENCES album (id),
    CONSTRAINT track_genre_fk FOREIGN KEY (genre_id) REFERENCES genre (id),
    CONSTRAINT track_media_type_fk FOREIGN KEY (media_type_id) REFERENCES media_type (id)
) ENGINE=InnoDB;

CREATE TABLE employee (
    id          INT AUTO_INCREMENT PRIMARY KEY,
    reports_to  INT NULL,
    last_name   VARCHAR(40) NOT NULL,
    first_name  VARCHAR(40) NOT NULL,
    title       VARCHAR(60),
    birth_date  DATE,
    hire_date   DATE,
    email       VARCHAR(120) NOT NULL UNIQUE,
    phone       VARCHAR(30),
    CONSTRAINT employee_reports_to_fk FOREIGN KEY (reports_to) REFERENCES employee (id)
) ENGINE=InnoDB;

CREATE TABLE customer (
    id             INT AUTO_INCREMENT PRIMARY KEY,
    support_rep_id INT NULL,
    first_name     VARCHAR(40) NOT NULL,
    last_name      VARCHAR(40) NOT NULL,
    company        VARCHAR(80),
    city           VARCHAR(60),
    country        VARCHAR(60),
    email          VARCHAR(120) NOT NULL UNIQUE,
    CONSTRAINT customer_support_rep_fk FOREIGN KEY (support_rep_id) REFERENCES employee (id)
) ENGINE=InnoDB;

CREATE TABLE invoice (
    id               INT AUTO_INCREMENT PRIMARY KEY,
    customer_id      INT NOT NULL,
    invoiced_at      DATETIME NOT NULL,
    billing_city     VARCHAR(60),
    billing_country  VARCHAR(60),
    total            DECIMAL(10, 2) NOT NULL CHECK (total >= 0),
    CONSTRAINT invoice_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id)
) ENGINE=InnoDB;

CREATE TABLE invoice_line (
    id          INT AUTO_INCREMENT PRIMARY KEY,
    invoice_id  INT NOT NULL,
    track_id    INT NOT NULL,
    unit_price  DECIMAL(10, 2) NOT NULL,
    quantity    INT NOT NULL DEFAULT 1 CHECK (quantity > 0),
    CONSTRAINT invoice_line_invoice_fk FOREIGN KEY (invoice_id) REFERENCES invoice (id)
        ON DELETE CASCADE,
    CONSTRAINT invoice_line_track_fk FOREIGN KEY (track_id) REFERENCES track (id)
) ENGINE=InnoDB;

CREATE TABLE playlist (
    id          INT AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(120) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE playlist_track (
    playlist_id INT NOT NULL,
    track_id    INT NOT NULL,
    PRIMARY KEY (playlist_id, track_id),
    KEY playlist_track_track_idx (track_id),
    CONSTRAINT playlist_track_playlist_fk FOREIGN KEY (playlist_id) REFERENCES playlist (id)
        ON DELETE CASCADE,
    CONSTRAINT playlist_track_track_fk FOREIGN KEY (track_id) REFERENCES track (id)
        ON DELETE CASCADE
) ENGINE=InnoDB;
