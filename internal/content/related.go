package content

import (
	"context"
	"fmt"
	"slices"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/related"
	"github.com/broadsheet/broadsheet/models"
)

// Related articles: the editor's picks first, then automatic suggestions
// kept by package related. Every write that can change suggestions
// refreshes them in its transaction (the editorial write paths call
// related.Refresh); reading them is one statement for a whole page of
// articles, with the viewer's visibility applied at read time.

// RelatedOfArticles returns up to n related articles for each of ids that
// the viewer may see, in the order of ids; for loaders.
func (s *Service) RelatedOfArticles(ctx context.Context, ids []uint64, n int) ([][]*models.Article, error) {
	m, err := s.store.RelatedByArticleIDs(ctx, s.visibility(ctx), ids, n)
	if err != nil {
		return nil, err
	}
	out := make([][]*models.Article, len(ids))
	for i, id := range ids {
		out[i] = m[id]
		if out[i] == nil {
			out[i] = []*models.Article{}
		}
	}
	return out, nil
}

// SetRelatedArticles replaces the editor's picks for an article with
// relatedIDs, in order. The caller (the setRelatedArticles mutation) checks
// the viewer's role; this checks the data: the article exists, at most
// related.Max picks, none twice, not the article itself, all existing.
// Picks may be unpublished: readers see each one once it is published.
func (s *Service) SetRelatedArticles(ctx context.Context, articleID uint64, relatedIDs []uint64, idErrs apperr.FieldErrors) error {
	// Every problem is reported at once: ids the caller could not parse,
	// then the checks here.
	errs := append(apperr.FieldErrors(nil), idErrs...)
	if len(relatedIDs)+len(idErrs) > related.Max {
		// No lookups for an oversized list.
		return append(errs, apperr.Invalidf("relatedIds", "at most %d related articles (got %d)", related.Max, len(relatedIDs)+len(idErrs)))
	}
	seen := map[uint64]bool{}
	for _, id := range relatedIDs {
		switch {
		case id == articleID:
			errs = append(errs, apperr.Invalidf("relatedIds", "an article cannot be related to itself"))
		case seen[id]:
			errs = append(errs, apperr.Invalidf("relatedIds", "article %q is listed twice", globalid.ID(globalid.TypeArticle, id)))
		}
		seen[id] = true
	}
	// Audited like every mutation, in the same transaction as the picks.
	return s.change(ctx, ActionSetRelated, "Article", articleID, func(tx TxStorage) (uint64, error) {
		exists, err := tx.ExistingArticleIDs(ctx, append([]uint64{articleID}, relatedIDs...))
		if err != nil {
			return 0, err
		}
		if !exists[articleID] {
			return 0, &apperr.Error{Kind: apperr.NotFound, Field: "id", Message: fmt.Sprintf("no article with id %q", globalid.ID(globalid.TypeArticle, articleID))}
		}
		for _, id := range relatedIDs {
			if !exists[id] {
				errs = append(errs, &apperr.Error{Kind: apperr.Invalid, Code: "NOT_FOUND", Field: "relatedIds", Message: fmt.Sprintf("no article with id %q", globalid.ID(globalid.TypeArticle, id))})
			}
		}
		if len(errs) > 0 {
			return articleID, errs
		}
		return articleID, tx.SetRelatedPicks(ctx, articleID, relatedIDs)
	})
}

// RelatedPicks returns the editor's picks for an article that the viewer
// may see, in order.
func (s *Service) RelatedPicks(ctx context.Context, articleID uint64) ([]*models.Article, error) {
	return s.store.RelatedPicks(ctx, s.visibility(ctx), articleID)
}

// RelatedCandidates returns an article's stored suggestions, best first,
// with their scores and the reasons for them (recomputed from the current
// data). Editors only.
func (s *Service) RelatedCandidates(ctx context.Context, articleID uint64, first *int) ([]related.Candidate, error) {
	if err := needEditor(ctx, "relatedCandidates"); err != nil {
		return nil, err
	}
	n := related.Max
	if first != nil {
		var err error
		if n, err = related.Limit(first); err != nil {
			return nil, err
		}
	}
	scores, err := s.store.RelatedScoresOf(ctx, articleID)
	if err != nil || n == 0 || len(scores) == 0 {
		return []related.Candidate{}, err
	}
	if len(scores) > n {
		scores = scores[:n]
	}
	ids := make([]uint64, len(scores))
	for i, sc := range scores {
		ids[i] = sc.CandidateID
	}
	reasons, err := related.Explain(ctx, s.store, articleID, ids)
	if err != nil || reasons == nil {
		return []related.Candidate{}, err
	}
	articles, err := s.ArticlesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	picks, err := s.store.RelatedPickIDs(ctx, articleID)
	if err != nil {
		return nil, err
	}
	out := make([]related.Candidate, 0, len(scores))
	for i, stored := range scores {
		why, ok := reasons[stored.CandidateID]
		if articles[i] == nil || !ok {
			continue
		}
		out = append(out, related.Candidate{Article: articles[i], Score: stored.Score, Picked: slices.Contains(picks, stored.CandidateID), Reasons: why})
	}
	return out, nil
}

// RefreshRelated recomputes an article's keywords, links and suggestions
// and offers it to the suggestion lists of the articles that share
// something with it (or withdraws it from every list when it may no longer
// be suggested). Call it after any change to an article's text, tags,
// authors, section, status or publication time; CreateArticle does.
func (s *Service) RefreshRelated(ctx context.Context, articleID uint64) error {
	return s.store.Tx(ctx, func(tx TxStorage) error {
		if err := tx.LockEditorialWrites(ctx); err != nil { // as change() does first
			return err
		}
		return related.Refresh(ctx, tx, articleID)
	})
}

// RebuildRelated recomputes every article's suggestions from scratch in one
// transaction (see related.Rebuild) and returns how many articles it
// considered.
func (s *Service) RebuildRelated(ctx context.Context) (int, error) {
	n := 0
	err := s.store.Tx(ctx, func(tx TxStorage) error {
		if err := tx.LockEditorialWrites(ctx); err != nil {
			return err
		}
		var err error
		n, err = related.Rebuild(ctx, tx)
		return err
	})
	return n, err
}
