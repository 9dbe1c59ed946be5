package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// ObjectLiveBlog is the outbox object type of live-blog changes: the
// object id is the article's, so one blog's changes are one indexed range
// (ix_outbox_events_object) that a reconnecting subscriber replays.
const ObjectLiveBlog = "LiveBlog"

// MaxLiveHighlights caps the pinned and key-event lists of a live blog.
const MaxLiveHighlights = 50

var liveEntryKey = SortKey{Name: "live_entry", Column: "live_entries.id", IDColumn: "live_entries.id", Int: true}

// LiveBlog returns the live blog of an article, or nil when it is not one.
func (s *Store) LiveBlog(ctx context.Context, articleID uint64) (*models.LiveBlog, error) {
	var b models.LiveBlog
	return notFound(&b, s.q(ctx).Where("article_id = ?", articleID).Take(&b).Error)
}

// LiveBlogsOf returns the live blogs among articleIDs, by article id.
func (s *Store) LiveBlogsOf(ctx context.Context, articleIDs []uint64) (map[uint64]*models.LiveBlog, error) {
	var rows []*models.LiveBlog
	if err := s.q(ctx).Where("article_id IN ?", articleIDs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load live blogs: %w", err)
	}
	m := make(map[uint64]*models.LiveBlog, len(rows))
	for _, b := range rows {
		m[b.ArticleID] = b
	}
	return m, nil
}

// LockLiveBlog returns the live blog of an article with its row locked
// until the transaction ends (MySQL), or nil when it is not one.
func (s *Store) LockLiveBlog(ctx context.Context, articleID uint64) (*models.LiveBlog, error) {
	q := s.q(ctx)
	if s.db.Dialect == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var b models.LiveBlog
	return notFound(&b, q.Where("article_id = ?", articleID).Take(&b).Error)
}

// SaveLiveBlog creates or updates a live blog.
func (s *Store) SaveLiveBlog(ctx context.Context, b *models.LiveBlog) error {
	err := s.q(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "article_id"}}, DoUpdates: clause.AssignmentColumns([]string{"started_at", "ended_at", "contributors_may_post"})}).Create(b).Error
	return translate("save live blog", err)
}

// CreateLiveEntry inserts a new entry.
func (s *Store) CreateLiveEntry(ctx context.Context, e *models.LiveEntry) error {
	return translate("create live entry", s.q(ctx).Create(e).Error)
}

// LiveEntryByID returns an entry in whatever state (deleted included), or nil.
func (s *Store) LiveEntryByID(ctx context.Context, id uint64) (*models.LiveEntry, error) {
	var e models.LiveEntry
	return notFound(&e, s.q(ctx).Where("id = ?", id).Take(&e).Error)
}

// LiveEntriesByIDs returns entries in whatever state, by id.
func (s *Store) LiveEntriesByIDs(ctx context.Context, ids []uint64) (map[uint64]*models.LiveEntry, error) {
	var rows []*models.LiveEntry
	if len(ids) > 0 {
		if err := s.q(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("load live entries: %w", err)
		}
	}
	m := make(map[uint64]*models.LiveEntry, len(rows))
	for _, e := range rows {
		m[e.ID] = e
	}
	return m, nil
}

// SaveLiveEntry writes e back if its stored version is still expected and
// bumps e.Version; another writer's save in between is a CONFLICT.
func (s *Store) SaveLiveEntry(ctx context.Context, e *models.LiveEntry, expected int) error {
	e.Version = expected + 1
	// Model(e) names the entry and its blog to the response cache's purge.
	res := s.q(ctx).Model(e).Where("version = ?", expected).Select("*").Omit("id", "article_id", "created_at").Updates(e)
	if res.Error != nil {
		return fmt.Errorf("save live entry %d: %w", e.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		e.Version = expected
		return apperr.New(apperr.Conflict, "the entry changed since version %d: reload it and apply your change again", expected)
	}
	return nil
}

// SetLiveEntryImages records the library images an entry's body shows
// (replacing what its previous text showed), as SetArticleImages does for
// articles: deleteImage refuses them while the entry is shown.
func (s *Store) SetLiveEntryImages(ctx context.Context, entryID uint64, imageIDs []uint64) error {
	q := s.q(ctx)
	if err := q.Exec("DELETE FROM live_entry_images WHERE entry_id = ?", entryID).Error; err != nil {
		return fmt.Errorf("clear images of live entry %d: %w", entryID, err)
	}
	if len(imageIDs) == 0 {
		return nil
	}
	err := q.Exec("INSERT INTO live_entry_images (entry_id, image_id) SELECT ?, id FROM images WHERE id IN ?", entryID, imageIDs).Error
	if err != nil {
		return translate(fmt.Sprintf("record images of live entry %d", entryID), err)
	}
	return nil
}

// AddLiveEntryVersion keeps an earlier text of an entry.
func (s *Store) AddLiveEntryVersion(ctx context.Context, v *models.LiveEntryVersion) error {
	return translate("keep live entry history", s.q(ctx).Create(v).Error)
}

// LiveEntryHistory returns an entry's earlier texts, oldest first.
func (s *Store) LiveEntryHistory(ctx context.Context, entryID uint64) ([]*models.LiveEntryVersion, error) {
	var rows []*models.LiveEntryVersion
	err := s.q(ctx).Where("entry_id = ?", entryID).Order("version").Find(&rows).Error
	return rows, err
}

// LiveEntryFilter selects a live blog's shown entries.
type LiveEntryFilter struct {
	ArticleID     uint64
	KeyEventsOnly bool
	PinnedOnly    bool
}

func (s *Store) liveEntryQuery(ctx context.Context, f LiveEntryFilter) *gorm.DB {
	q := s.q(ctx).Model(&models.LiveEntry{}).Where("live_entries.article_id = ? AND live_entries.deleted_at IS NULL", f.ArticleID)
	if f.KeyEventsOnly {
		q = q.Where("live_entries.is_key_event = ?", true)
	}
	if f.PinnedOnly {
		q = q.Where("live_entries.is_pinned = ?", true)
	}
	return q
}

// ListLiveEntries returns a page of a live blog's entries, newest first.
func (s *Store) ListLiveEntries(ctx context.Context, f LiveEntryFilter, p page.Request) (*page.List[*models.LiveEntry], error) {
	l, err := listNewest(s.liveEntryQuery(ctx, f), liveEntryKey, p, func(e *models.LiveEntry) uint64 { return e.ID })
	if err != nil {
		return nil, fmt.Errorf("list live entries of article %d: %w", f.ArticleID, err)
	}
	return l, nil
}

// NewestLiveEntries returns up to limit of a blog's shown entries, newest
// first (its JSON-LD's liveBlogUpdate).
func (s *Store) NewestLiveEntries(ctx context.Context, articleID uint64, limit int) ([]*models.LiveEntry, error) {
	var rows []*models.LiveEntry
	err := s.liveEntryQuery(ctx, LiveEntryFilter{ArticleID: articleID}).Order("live_entries.id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("newest entries of live blog %d: %w", articleID, err)
	}
	return rows, nil
}

// LiveHighlights returns up to MaxLiveHighlights of a blog's entries
// matching f (pinned, key events), newest first.
func (s *Store) LiveHighlights(ctx context.Context, f LiveEntryFilter) ([]*models.LiveEntry, error) {
	var rows []*models.LiveEntry
	err := s.liveEntryQuery(ctx, f).Order("live_entries.id DESC").Limit(MaxLiveHighlights).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list highlights of live blog %d: %w", f.ArticleID, err)
	}
	return rows, nil
}

// CountLiveEntries counts the shown entries matching f.
func (s *Store) CountLiveEntries(ctx context.Context, f LiveEntryFilter) (int64, error) {
	var n int64
	err := s.liveEntryQuery(ctx, f).Count(&n).Error
	return n, err
}

// LatestLiveBlogEvent returns the newest outbox event of a live blog, or
// nil when none is kept.
func (s *Store) LatestLiveBlogEvent(ctx context.Context, articleID uint64) (*models.OutboxEvent, error) {
	var e models.OutboxEvent
	err := s.q(ctx).Select("seq", "created_at").Where("object_type = ? AND object_id = ?", ObjectLiveBlog, articleID).Order("seq DESC").Take(&e).Error
	return notFound(&e, err)
}

// LiveBlogEvents returns up to limit outbox events of a live blog after
// seq, in order: the changes a reconnecting subscriber missed.
func (s *Store) LiveBlogEvents(ctx context.Context, articleID, afterSeq uint64, limit int) ([]*models.OutboxEvent, error) {
	var rows []*models.OutboxEvent
	err := s.q(ctx).Where("object_type = ? AND object_id = ? AND seq > ?", ObjectLiveBlog, articleID, afterSeq).
		Order("seq").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("replay live blog %d after %d: %w", articleID, afterSeq, err)
	}
	return rows, nil
}
