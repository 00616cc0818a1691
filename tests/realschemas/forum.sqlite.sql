-- A discussion forum: users who follow each other, threads tagged by topic, and threaded
-- comments (a reply points at the comment it answers).
CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    username     VARCHAR(30) NOT NULL UNIQUE,
    email        VARCHAR(254) NOT NULL UNIQUE,
    display_name VARCHAR(60),
    karma        INTEGER NOT NULL DEFAULT 0,
    last_ip      VARCHAR(45),
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE thread (
    id          INTEGER PRIMARY KEY,
    author_id   INTEGER NOT NULL REFERENCES users (id),
    title       VARCHAR(200) NOT NULL,
    body        TEXT NOT NULL,
    locked      BOOLEAN NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX thread_author_idx ON thread (author_id);

CREATE TABLE comment (
    id          INTEGER PRIMARY KEY,
    thread_id   INTEGER NOT NULL REFERENCES thread (id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES users (id),
    parent_id   INTEGER REFERENCES comment (id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    score       INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX comment_thread_idx ON comment (thread_id);
CREATE INDEX comment_parent_idx ON comment (parent_id);

CREATE TABLE tag (
    id          INTEGER PRIMARY KEY,
    name        VARCHAR(40) NOT NULL UNIQUE
);

CREATE TABLE thread_tag (
    thread_id   INTEGER NOT NULL REFERENCES thread (id) ON DELETE CASCADE,
    tag_id      INTEGER NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    PRIMARY KEY (thread_id, tag_id)
);

CREATE TABLE user_follows (
    follower_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followed_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (follower_id, followed_id)
);
