-- +goose Up
-- Full-text search (issue 4): the body as plain text (rendered from the
-- Markdown when an article is saved) and InnoDB FULLTEXT indexes on the
-- articles table itself: one over headline, standfirst and body for
-- matching, one over the headline alone for weighting headline hits.
-- InnoDB builds one FULLTEXT index per statement.
ALTER TABLE articles ADD COLUMN body_text MEDIUMTEXT NOT NULL DEFAULT ('');
UPDATE articles SET body_text = body;
ALTER TABLE articles ADD FULLTEXT INDEX ft_articles_text (title, subtitle, body_text);
ALTER TABLE articles ADD FULLTEXT INDEX ft_articles_title (title);
-- Related-article candidates are checked for eligibility (status,
-- publication, deletion) and their features loaded by id; this covering
-- index answers without reading the article rows, which hold the bodies
-- (the store names it in FORCE INDEX hints).
CREATE INDEX ix_articles_search ON articles (id, status, published_at, deleted_at, category_id, created_at, slug);

-- Related articles: the editor's picks, in order.
CREATE TABLE article_related (
    article_id BIGINT UNSIGNED NOT NULL,
    related_id BIGINT UNSIGNED NOT NULL,
    position   INT NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, related_id),
    KEY ix_article_related_related (related_id),
    CONSTRAINT fk_article_related_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE,
    CONSTRAINT fk_article_related_related FOREIGN KEY (related_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Precomputed automatic suggestions, best first by score. A cache rebuilt
-- in bulk: candidate_id has no foreign key, whose check (a random lookup in
-- articles per row) made bulk rebuilds 30 times slower. Reads join articles,
-- so a row naming a deleted article is never shown; refreshing a deleted
-- article removes its rows.
CREATE TABLE article_related_candidates (
    article_id   BIGINT UNSIGNED NOT NULL,
    candidate_id BIGINT UNSIGNED NOT NULL,
    score        DOUBLE NOT NULL,
    PRIMARY KEY (article_id, candidate_id),
    KEY ix_article_related_candidates_candidate (candidate_id),
    CONSTRAINT fk_article_related_candidates_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What the suggestions are computed from besides tags, authors and section:
-- each article's keywords and the /articles/<slug> links in its body.
-- Keywords are already folded (lower case, no accents); a binary collation
-- keeps distinct keywords distinct.
CREATE TABLE article_keywords (
    article_id BIGINT UNSIGNED NOT NULL,
    keyword    VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    PRIMARY KEY (article_id, keyword),
    KEY ix_article_keywords_keyword (keyword, article_id),
    CONSTRAINT fk_article_keywords_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE article_links (
    article_id  BIGINT UNSIGNED NOT NULL,
    target_slug VARCHAR(191) NOT NULL,
    PRIMARY KEY (article_id, target_slug),
    KEY ix_article_links_target (target_slug, article_id),
    CONSTRAINT fk_article_links_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE article_links;
DROP TABLE article_keywords;
DROP TABLE article_related_candidates;
DROP TABLE article_related;
DROP INDEX ix_articles_search ON articles;
ALTER TABLE articles DROP INDEX ft_articles_title;
ALTER TABLE articles DROP INDEX ft_articles_text;
ALTER TABLE articles DROP COLUMN body_text;
