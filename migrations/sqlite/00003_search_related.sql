-- +goose Up
-- Full-text search (issue 4): the body as plain text (rendered from the
-- Markdown when an article is saved) and an FTS5 index over headline,
-- standfirst and body, kept in sync with the articles table by triggers.
ALTER TABLE articles ADD COLUMN body_text TEXT NOT NULL DEFAULT '';
UPDATE articles SET body_text = body;

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, subtitle, body_text,
    content = 'articles', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '3'
);
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');

-- Search checks each match's visibility and filters, and related-article
-- candidates their eligibility; reading those columns from the table means
-- walking past the bodies stored before them (SQLite keeps long values in
-- overflow pages), so both read this covering index instead.
CREATE INDEX ix_articles_search ON articles (id, status, published_at, deleted_at, category_id, created_at, slug);

-- +goose StatementBegin
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, subtitle, body_text)
    VALUES (new.id, new.title, new.subtitle, new.body_text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, body_text)
    VALUES ('delete', old.id, old.title, old.subtitle, old.body_text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, subtitle, body_text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, body_text)
    VALUES ('delete', old.id, old.title, old.subtitle, old.body_text);
    INSERT INTO articles_fts (rowid, title, subtitle, body_text)
    VALUES (new.id, new.title, new.subtitle, new.body_text);
END;
-- +goose StatementEnd

-- Related articles: the editor's picks, in order.
CREATE TABLE article_related (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    related_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, related_id)
);
CREATE INDEX ix_article_related_related ON article_related (related_id);

-- Precomputed automatic suggestions, best first by score. A cache rebuilt
-- in bulk; as on MySQL, candidate_id has no foreign key (reads join
-- articles; refreshing a deleted article removes its rows).
CREATE TABLE article_related_candidates (
    article_id   INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    candidate_id INTEGER NOT NULL,
    score        REAL NOT NULL,
    PRIMARY KEY (article_id, candidate_id)
);
CREATE INDEX ix_article_related_candidates_candidate ON article_related_candidates (candidate_id);

-- What the suggestions are computed from besides tags, authors and section:
-- each article's keywords and the /articles/<slug> links in its body.
CREATE TABLE article_keywords (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    keyword    TEXT NOT NULL,
    PRIMARY KEY (article_id, keyword)
);
CREATE INDEX ix_article_keywords_keyword ON article_keywords (keyword, article_id);

CREATE TABLE article_links (
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    target_slug TEXT NOT NULL,
    PRIMARY KEY (article_id, target_slug)
);
CREATE INDEX ix_article_links_target ON article_links (target_slug, article_id);

-- +goose Down
DROP TABLE article_links;
DROP TABLE article_keywords;
DROP TABLE article_related_candidates;
DROP TABLE article_related;
DROP TRIGGER articles_fts_update;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_insert;
DROP TABLE articles_fts;
DROP INDEX ix_articles_search;
ALTER TABLE articles DROP COLUMN body_text;
