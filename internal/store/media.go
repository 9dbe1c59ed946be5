package store

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// SaveImage inserts or updates a media-library image.
func (s *Store) SaveImage(ctx context.Context, img *models.Image) error {
	if img.ID == 0 {
		return translate("create image", s.q(ctx).Create(img).Error)
	}
	return translate("update image", s.q(ctx).Model(img).Select("*").Omit("id", "created_at").Updates(img).Error)
}

// ImageByID returns an image, or nil.
func (s *Store) ImageByID(ctx context.Context, id uint64) (*models.Image, error) {
	var img models.Image
	r, err := notFound(&img, s.q(ctx).Where("id = ?", id).Take(&img).Error)
	if err != nil {
		return nil, fmt.Errorf("load image %d: %w", id, err)
	}
	return r, nil
}

// ImagesByIDs returns the images with these ids that exist, in no
// particular order (loaders put them back in order).
func (s *Store) ImagesByIDs(ctx context.Context, ids []uint64) ([]*models.Image, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []*models.Image
	if err := s.q(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load %d images: %w", len(ids), err)
	}
	return rows, nil
}

// DeleteImage removes an image's row (its blobs are the caller's). Deleted
// articles that still name it as their cover lose the cover (a restored
// one comes back without it); live ones are the caller's to check first
// (ArticlesUsingImage).
func (s *Store) DeleteImage(ctx context.Context, id uint64) error {
	return s.Tx(ctx, func(tx *Store) error {
		err := tx.q(ctx).Table("articles").Where("cover_image_id = ? AND deleted_at IS NOT NULL", id).
			Update("cover_image_id", nil).Error
		if err != nil {
			return fmt.Errorf("drop image %d from deleted articles: %w", id, err)
		}
		return translate("delete image", tx.q(ctx).Delete(&models.Image{}, id).Error)
	})
}

var imageKey = SortKey{Name: "image", Column: "images.id", IDColumn: "images.id", Int: true}

// ListImages returns a page of the library, newest first; search, when
// not empty, keeps images whose file name, alt text, caption or credit
// contain it (case-insensitively).
func (s *Store) ListImages(ctx context.Context, search string, p page.Request) (*page.List[*models.Image], error) {
	q := s.q(ctx).Table("images")
	if search = strings.TrimSpace(search); search != "" {
		like := "%" + escapeLike(strings.ToLower(search)) + "%"
		q = q.Where(`(LOWER(filename) LIKE ? ESCAPE '!' OR LOWER(alt) LIKE ? ESCAPE '!' OR LOWER(caption) LIKE ? ESCAPE '!' OR LOWER(credit) LIKE ? ESCAPE '!')`,
			like, like, like, like)
	}
	l, err := listNewest(q, imageKey, p, func(i *models.Image) uint64 { return i.ID })
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	return l, nil
}

// escapeLike makes s match literally in a LIKE pattern with ESCAPE '!'.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// ArticleUse is an article that uses an image, and how.
type ArticleUse struct {
	ArticleID uint64
	Slug      string
	Title     string
	// Where is "cover", "body", "staged changes" or "live entry".
	Where string
}

// ArticlesUsingImage lists the live (not deleted) articles that use an
// image as their cover, and, through BodyImageUses, StagedImageUses and
// LiveEntryImageUses, in their body, their staged changes or an entry of
// their live blog.
func (s *Store) ArticlesUsingImage(ctx context.Context, imageID uint64) ([]ArticleUse, error) {
	var rows []struct {
		ID          uint64
		Slug, Title string
	}
	err := s.q(ctx).Table("articles").Select("id, slug, title").
		Where("cover_image_id = ? AND deleted_at IS NULL", imageID).Order("id").Limit(100).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("articles using image %d: %w", imageID, err)
	}
	out := make([]ArticleUse, 0, len(rows))
	for _, r := range rows {
		out = append(out, ArticleUse{ArticleID: r.ID, Slug: r.Slug, Title: r.Title, Where: "cover"})
	}
	body, err := s.BodyImageUses(ctx, imageID)
	if err != nil {
		return nil, err
	}
	staged, err := s.StagedImageUses(ctx, imageID)
	if err != nil {
		return nil, err
	}
	entries, err := s.LiveEntryImageUses(ctx, imageID)
	if err != nil {
		return nil, err
	}
	return append(append(append(out, body...), staged...), entries...), nil
}

// LiveEntryImageUses lists the live articles whose live blog has a shown
// (not deleted) entry showing an image: from live_entry_images, which
// every save of an entry rewrites, and, for entries saved before it
// existed (images_recorded false, migration 00026), from their Markdown
// bodies (LIKE narrows the rows, the body is then read to be sure, as for
// staged changes). Each article is named once.
func (s *Store) LiveEntryImageUses(ctx context.Context, imageID uint64) ([]ArticleUse, error) {
	type row struct {
		ID          uint64
		Slug, Title string
	}
	var rows []row
	err := s.q(ctx).Table("live_entry_images AS li").Select("DISTINCT articles.id, articles.slug, articles.title").
		Joins("JOIN live_entries ON live_entries.id = li.entry_id").
		Joins("JOIN articles ON articles.id = live_entries.article_id").
		Where("li.image_id = ? AND live_entries.deleted_at IS NULL AND articles.deleted_at IS NULL", imageID).
		Order("articles.id").Limit(100).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("live entries showing image %d: %w", imageID, err)
	}
	num := strconv.FormatUint(imageID, 10)
	gid := globalid.ID(globalid.TypeImage, imageID)
	var legacy []struct {
		ID          uint64
		Slug, Title string
		Body        string
	}
	err = s.q(ctx).Table("live_entries").Select("articles.id, articles.slug, articles.title, live_entries.body").
		Joins("JOIN articles ON articles.id = live_entries.article_id").
		Where("live_entries.images_recorded = ? AND live_entries.deleted_at IS NULL AND articles.deleted_at IS NULL AND (live_entries.body LIKE ? OR live_entries.body LIKE ?)",
			false, "%media:"+gid+"%", "%media:"+num+"%").
		Order("live_entries.id").Limit(1000).Find(&legacy).Error
	if err != nil {
		return nil, fmt.Errorf("older live entries showing image %d: %w", imageID, err)
	}
	names := regexp.MustCompile(`media:(` + regexp.QuoteMeta(gid) + `|` + num + `)([^A-Za-z0-9_-]|$)`)
	for _, l := range legacy {
		if names.MatchString(l.Body) && !slices.ContainsFunc(rows, func(r row) bool { return r.ID == l.ID }) {
			rows = append(rows, row{ID: l.ID, Slug: l.Slug, Title: l.Title})
		}
	}
	out := make([]ArticleUse, 0, len(rows))
	for _, r := range rows {
		out = append(out, ArticleUse{ArticleID: r.ID, Slug: r.Slug, Title: r.Title, Where: "live entry"})
	}
	return out, nil
}

// StagedImageUses lists the live articles whose staged changes
// (article_pending_changes) show an image, as their cover or in their body
// (by its global id or its row number): publishing them after the picture
// was deleted would put the article out without it. LIKE narrows the rows
// (staged changes are few); the snapshot is then read to be sure.
func (s *Store) StagedImageUses(ctx context.Context, imageID uint64) ([]ArticleUse, error) {
	num := strconv.FormatUint(imageID, 10)
	gid := globalid.ID(globalid.TypeImage, imageID)
	var rows []struct {
		ID                    uint64
		Slug, Title, Snapshot string
	}
	err := s.q(ctx).Table("article_pending_changes AS p").Select("articles.id, articles.slug, articles.title, p.snapshot").
		Joins("JOIN articles ON articles.id = p.article_id").
		Where("articles.deleted_at IS NULL AND (p.snapshot LIKE ? OR p.snapshot LIKE ? OR p.snapshot LIKE ?)",
			`%"ImageID":`+num+`%`, "%media:"+gid+"%", "%media:"+num+"%").
		Order("articles.id").Limit(100).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("staged changes showing image %d: %w", imageID, err)
	}
	names := regexp.MustCompile(`media:(` + regexp.QuoteMeta(gid) + `|` + num + `)([^A-Za-z0-9_-]|$)`)
	var out []ArticleUse
	for _, r := range rows {
		var snap struct {
			Body  string                   `json:"body"`
			Cover struct{ ImageID uint64 } `json:"cover"`
		}
		if err := json.Unmarshal([]byte(r.Snapshot), &snap); err != nil {
			return nil, fmt.Errorf("staged changes of article %d: %w", r.ID, err)
		}
		if snap.Cover.ImageID == imageID || names.MatchString(snap.Body) {
			out = append(out, ArticleUse{ArticleID: r.ID, Slug: r.Slug, Title: r.Title, Where: "staged changes"})
		}
	}
	return out, nil
}

// BodyImageUses lists the live articles whose body shows an image
// (`![alt](media:ID)`), from the article_images table every save rewrites
// (SetArticleImages); ArticlesUsingImage, and so deleteImage's IN_USE
// check, use it.
func (s *Store) BodyImageUses(ctx context.Context, imageID uint64) ([]ArticleUse, error) {
	var rows []struct {
		ID          uint64
		Slug, Title string
	}
	err := s.q(ctx).Table("articles").Select("articles.id, articles.slug, articles.title").
		Joins("JOIN article_images ON article_images.article_id = articles.id").
		Where("article_images.image_id = ? AND articles.deleted_at IS NULL", imageID).Order("articles.id").Limit(100).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("articles showing image %d: %w", imageID, err)
	}
	out := make([]ArticleUse, 0, len(rows))
	for _, r := range rows {
		out = append(out, ArticleUse{ArticleID: r.ID, Slug: r.Slug, Title: r.Title, Where: "body"})
	}
	return out, nil
}

// SetArticleImages records the library images an article's body shows
// (replacing what its previous version showed). Ids no longer in the
// library are skipped: a restored article whose picture was deleted while
// it was deleted still saves (its ImageBlock shows no image).
func (s *Store) SetArticleImages(ctx context.Context, articleID uint64, imageIDs []uint64) error {
	q := s.q(ctx)
	if err := q.Exec("DELETE FROM article_images WHERE article_id = ?", articleID).Error; err != nil {
		return fmt.Errorf("clear images of article %d: %w", articleID, err)
	}
	if len(imageIDs) == 0 {
		return nil
	}
	err := q.Exec("INSERT INTO article_images (article_id, image_id) SELECT ?, id FROM images WHERE id IN ?", articleID, imageIDs).Error
	if err != nil {
		return translate(fmt.Sprintf("record images of article %d", articleID), err)
	}
	return nil
}
