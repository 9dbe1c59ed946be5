package content

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/models"
)

// MaxCorrectionRunes is the longest correction note.
const MaxCorrectionRunes = 2000

// AddCorrection publishes a correction note under an article. It sets the
// article's updatedAt (its dateModified for search engines), is recorded
// in the audit log, and is an article.updated event (webhooks, live
// updates and cache purges see it), all in one transaction. The article's
// version is unchanged: a correction does not conflict with an edit in
// progress.
func (s *Service) AddCorrection(ctx context.Context, articleID uint64, text string) (*models.Article, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, apperr.Invalidf("text", "the correction text is required")
	case utf8.RuneCountInString(text) > MaxCorrectionRunes:
		return nil, apperr.Invalidf("text", "the correction is longer than %d characters", MaxCorrectionRunes)
	}
	var a *models.Article
	err := s.change(ctx, ActionCorrectionAdd, "Article", articleID, func(tx TxStorage) (uint64, error) {
		var err error
		if a, err = tx.LockArticle(ctx, articleID); err != nil {
			return 0, err
		}
		if a == nil || a.DeletedAt != nil {
			return 0, errNoArticle()
		}
		visible := ReaderVisible(a, s.Now())
		c := &models.Correction{ArticleID: a.ID, Text: text, CreatedBy: actor(ctx), CreatedAt: s.Now()}
		if err := tx.AddCorrection(ctx, c); err != nil {
			return a.ID, err
		}
		a.UpdatedAt = c.CreatedAt
		return a.ID, s.recordArticle(ctx, tx, ActionCorrectionAdd, a, false, visible, []string{"corrections"})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Corrections returns each article's corrections, oldest first (for the
// loader: one query per page of articles).
func (s *Service) Corrections(ctx context.Context, ids []uint64) ([][]*models.Correction, error) {
	m, err := s.store.CorrectionsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([][]*models.Correction, len(ids))
	for i, id := range ids {
		out[i] = m[id]
		if out[i] == nil {
			out[i] = []*models.Correction{}
		}
	}
	return out, nil
}
