-- A discussion forum: users who follow each other, threads tagged by topic, and threaded
-- comments (a reply points at the comment it answers).
CREATE TABLE users (
    id           BIGINT AUTO_INCREMENT PRIMARY KEY,
    username     VARCHAR(30) NOT NULL UNIQUE,
    email        VARCHAR(254) NOT NULL UNIQUE,
    display_name VARCHAR(60),
    karma        INT NOT NULL DEFAULT 0,
    last_ip      INET6 NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB;

CREATE TABLE thread (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    author_id   BIGINT NOT NULL,
    title       VARCHAR(200) NOT NULL,
    body        TEXT NOT NULL,
    locked      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT thread_author_fk FOREIGN KEY (author_id) REFERENCES users (id)
) ENGINE=InnoDB;

CREATE TABLE comment (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    thread_id   BIGINT NOT NULL,
    author_id   BIGINT NOT NULL,
    parent_id   BIGINT NULL,
    body        TEXT NOT NULL,
    score       INT NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT comment_thread_fk FOREIGN KEY (thread_id) REFERENCES thread (id)
        ON DELETE CASCADE,
    CONSTRAINT comment_author_fk FOREIGN KEY (author_id) REFERENCES users (id),
    CONSTRAINT comment_parent_fk FOREIGN KEY (parent_id) REFERENCES comment (id)
        ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE tag (
    id          INT AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(40) NOT NULL UNIQUE
) ENGINE=InnoDB;

CREATE TABLE thread_tag (
    thread_id   BIGINT NOT NULL,
    tag_id      INT NOT NULL,
    PRIMARY KEY (thread_id, tag_id),
    CONSTRAINT thread_tag_thread_fk FOREIGN KEY (thread_id) REFERENCES thread (id)
        ON DELETE CASCADE,
    CONSTRAINT thread_tag_tag_fk FOREIGN KEY (tag_id) REFERENCES tag (id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE user_follows (
    follower_id BIGINT NOT NULL,
    followed_id BIGINT NOT NULL,
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (follower_id, followed_id),
    CONSTRAINT user_follows_follower_fk FOREIGN KEY (follower_id) REFERENCES users (id)
        ON DELETE CASCADE,
    CONSTRAINT user_follows_followed_fk FOREIGN KEY (followed_id) REFERENCES users (id)
        ON DELETE CASCADE
) ENGINE=InnoDB;
