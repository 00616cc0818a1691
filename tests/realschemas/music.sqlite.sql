-- A music store: artists, albums and tracks by genre and media type, playlists, and an
-- employee hierarchy whose members are the support reps of the customers buying tracks.
CREATE TABLE artist (
    id          INTEGER PRIMARY KEY,
    name        NVARCHAR(120) NOT NULL
);

CREATE TABLE album (
    id          INTEGER PRIMARY KEY,
    artist_id   INTEGER NOT NULL REFERENCES artist (id),
    title       NVARCHAR(160) NOT NULL,
    released_on DATE
);

CREATE TABLE genre (
    id          INTEGER PRIMARY KEY,
    name        NVARCHAR(60) NOT NULL UNIQUE
);

CREATE TABLE media_type (
    id          INTEGER PRIMARY KEY,
    name        NVARCHAR(60) NOT NULL UNIQUE
);

CREATE TABLE track (
    id            INTEGER PRIMARY KEY,
    album_id      INTEGER REFERENCES album (id),
    genre_id      INTEGER REFERENCES genre (id),
    media_type_id INTEGER NOT NULL REFERENCES media_type (id),
    name          NVARCHAR(200) NOT NULL,
    composer      NVARCHAR(220),
    milliseconds  INTEGER NOT NULL CHECK (milliseconds > 0),
    bytes         INTEGER,
    unit_price    NUMERIC(10, 2) NOT NULL CHECK (unit_price >= 0)
);

CREATE TABLE employee (
    id          INTEGER PRIMARY KEY,
    reports_to  INTEGER REFERENCES employee (id),
    last_name   NVARCHAR(40) NOT NULL,
    first_name  NVARCHAR(40) NOT NULL,
    title       NVARCHAR(60),
    birth_date  DATE,
    hire_date   DATE,
    email       NVARCHAR(120) NOT NULL UNIQUE,
    phone       NVARCHAR(30)
);

CREATE TABLE customer (
    id             INTEGER PRIMARY KEY,
    support_rep_id INTEGER REFERENCES employee (id),
    first_name     NVARCHAR(40) NOT NULL,
    last_name      NVARCHAR(40) NOT NULL,
    company        NVARCHAR(80),
    city           NVARCHAR(60),
    country        NVARCHAR(60),
    email          NVARCHAR(120) NOT NULL UNIQUE
);

CREATE TABLE invoice (
    id               INTEGER PRIMARY KEY,
    customer_id      INTEGER NOT NULL REFERENCES customer (id),
    invoiced_at      DATETIME NOT NULL,
    billing_city     NVARCHAR(60),
    billing_country  NVARCHAR(60),
    total            NUMERIC(10, 2) NOT NULL CHECK (total >= 0)
);

CREATE TABLE invoice_line (
    id          INTEGER PRIMARY KEY,
    invoice_id  INTEGER NOT NULL REFERENCES invoice (id) ON DELETE CASCADE,
    track_id    INTEGER NOT NULL REFERENCES track (id),
    unit_price  NUMERIC(10, 2) NOT NULL,
    quantity    INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0)
);

CREATE TABLE playlist (
    id          INTEGER PRIMARY KEY,
    name        NVARCHAR(120) NOT NULL
);

CREATE TABLE playlist_track (
    playlist_id INTEGER NOT NULL REFERENCES playlist (id) ON DELETE CASCADE,
    track_id    INTEGER NOT NULL REFERENCES track (id) ON DELETE CASCADE,
    PRIMARY KEY (playlist_id, track_id)
);
CREATE INDEX playlist_track_track_idx ON playlist_track (track_id);
