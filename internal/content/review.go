package content

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/models"
)

// Review actions, as in the audit log.
const (
	ActionSubmitForReview = "article.submit_for_review"
	ActionRequestChanges  = "article.request_changes"
	ActionApprove         = "article.approve"
	// ActionBackInReview is the review note written when an approved
	// article is edited: it goes back in review.
	ActionBackInReview = "article.back_in_review"
)

// Review limits and codes.
const (
	MaxNoteRunes = 5000
	// MaxReviewNotes caps one listing of an article's review notes.
	MaxReviewNotes = 200
	// CodeInvalidTransition is the user error of a review step the
	// article's state does not allow (approving an article not in review).
	CodeInvalidTransition = "INVALID_REVIEW_TRANSITION"
)

// transitions says, for each review action, the states it may start from
// and the state it leads to.
var transitions = map[string]struct {
	from []models.ReviewState
	to   models.ReviewState
}{
	ActionSubmitForReview: {[]models.ReviewState{models.ReviewNone, models.ReviewChangesRequested}, models.ReviewInReview},
	ActionRequestChanges:  {[]models.ReviewState{models.ReviewInReview, models.ReviewApproved}, models.ReviewChangesRequested},
	ActionApprove:         {[]models.ReviewState{models.ReviewInReview}, models.ReviewApproved},
}

// reviewState is a's review state, NONE for rows written before review.
func reviewState(a *models.Article) models.ReviewState {
	if a.ReviewState == "" {
		return models.ReviewNone
	}
	return a.ReviewState
}

// SubmitForReview asks editors to review an article: its creator or a
// credited contributor, or an editor, may.
func (s *Service) SubmitForReview(ctx context.Context, id uint64, note string) (*models.Article, error) {
	return s.review(ctx, ActionSubmitForReview, id, note)
}

// RequestChanges sends an article in review back to its writers with a
// note saying what to change (editors).
func (s *Service) RequestChanges(ctx context.Context, id uint64, note string) (*models.Article, error) {
	return s.review(ctx, ActionRequestChanges, id, note)
}

// ApproveArticle approves an article in review (editors). Publishing stays
// a separate step; an edit after approval puts the article back in review.
func (s *Service) ApproveArticle(ctx context.Context, id uint64, note string) (*models.Article, error) {
	return s.review(ctx, ActionApprove, id, note)
}

func (s *Service) review(ctx context.Context, action string, id uint64, note string) (*models.Article, error) {
	t := transitions[action]
	note = strings.TrimSpace(note)
	var a *models.Article
	err := s.change(ctx, action, events.ObjectArticle, id, func(tx TxStorage) (uint64, error) {
		var err error
		if a, err = tx.LockArticle(ctx, id); err != nil {
			return 0, err
		}
		if a == nil || a.DeletedAt != nil {
			return 0, errNoArticle()
		}
		if err := s.mayChange(ctx, tx, a, action); err != nil {
			return a.ID, err
		}
		var errs apperr.FieldErrors
		if utf8.RuneCountInString(note) > MaxNoteRunes {
			errs = append(errs, apperr.Invalidf("note", "note is longer than %d characters", MaxNoteRunes))
		}
		if action == ActionRequestChanges && note == "" {
			errs = append(errs, apperr.Invalidf("note", "say what to change: a note is required"))
		}
		if from := reviewState(a); !slices.Contains(t.from, from) {
			errs = append(errs, &apperr.Error{Kind: apperr.Invalid, Code: CodeInvalidTransition, Field: "id",
				Message: fmt.Sprintf("the article is %s: %s needs it %s", from, strings.TrimPrefix(action, "article."), joinStates(t.from))})
		}
		if len(errs) > 0 {
			return a.ID, errs
		}
		return a.ID, s.setReview(ctx, tx, a, action, t.to, note)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func joinStates(states []models.ReviewState) string {
	out := make([]string, len(states))
	for i, st := range states {
		out[i] = string(st)
	}
	return strings.Join(out, " or ")
}

// setReview moves a to state inside tx: the state, a review note, and an
// event for live updates and webhooks.
func (s *Service) setReview(ctx context.Context, tx TxStorage, a *models.Article, action string, state models.ReviewState, note string) error {
	a.ReviewState = state
	if err := tx.SetReviewState(ctx, a.ID, state); err != nil {
		return err
	}
	n := &models.ReviewNote{ArticleID: a.ID, State: state, Note: note, Actor: actor(ctx), AccountID: accountOf(ctx), CreatedAt: s.Now()}
	if err := tx.AddReviewNote(ctx, n); err != nil {
		return err
	}
	visible := ReaderVisible(a, s.Now())
	rc := &events.ReviewChange{State: state, Note: note, NoteID: n.ID}
	if n.AccountID != nil {
		rc.AccountID = *n.AccountID
	}
	return s.recordEvent(ctx, tx, events.ArticleReviewChanged, events.ObjectArticle, a.ID, events.Payload{
		Action: action, ChangedFields: []string{"reviewState"}, Article: articleState(a, visible, visible), Review: rc,
	})
}

// ReviewNotes lists an article's review transitions and notes, oldest
// first.
func (s *Service) ReviewNotes(ctx context.Context, articleID uint64) ([]*models.ReviewNote, error) {
	if err := needEditor(ctx, "review notes"); err != nil {
		return nil, err
	}
	return s.store.ReviewNotes(ctx, articleID, MaxReviewNotes)
}

// contributorMay lists what a contributor may do to its own articles;
// every other action is an editor's. (Staging changes to a published
// article and creating preview links belong here too, with a mayChange
// call where those actions load their article.)
var contributorMay = map[string]bool{
	ActionUpdate:          true,
	ActionSubmitForReview: true,
	// Staged changes to its own published article wait for an editor's
	// publishChanges; a preview link shows them to whoever reviews.
	ActionStage:          true,
	ActionDiscardChanges: true,
	ActionPreviewLink:    true,
}

// mayChange is the ownership rule: editors and admins may change any
// article; a contributor only edits (and submits for review) the articles
// it created or is credited on, and only while they are not published or
// scheduled: what readers see changes only by an editor's hand. Every
// other action is an editor's.
func (s *Service) mayChange(ctx context.Context, tx TxStorage, a *models.Article, action string) error {
	v := auth.ViewerFrom(ctx)
	switch {
	case v.Role != auth.Contributor:
		// Editors and admins may; readers never reach a mutation (@hasRole),
		// and the scheduler acts as the system.
		if (action == ActionRequestChanges || action == ActionApprove) && v.Authenticated() && !v.Can(auth.Editor) {
			return apperr.New(apperr.Forbidden, "%s needs the %s role", action, auth.Editor)
		}
		return nil
	case !contributorMay[action]:
		return apperr.New(apperr.Forbidden, "a contributor cannot %s: that needs the %s role", strings.TrimPrefix(action, "article."), auth.Editor)
	}
	owns, err := s.owns(ctx, tx, v, a)
	if err != nil {
		return err
	}
	if !owns {
		return apperr.New(apperr.Forbidden, "a contributor may change only the articles it created or is credited on")
	}
	if action == ActionUpdate && a.Status == models.StatusPublished {
		return apperr.New(apperr.Forbidden, "a contributor cannot change a %s article directly: stage the change (updateArticle with stage: true) for an editor to publish", a.Status)
	}
	if action == ActionUpdate && a.Status != models.StatusDraft {
		// Staging is for published articles; a scheduled one goes live as
		// an editor left it, so only an editor changes it (or unschedules it).
		return apperr.New(apperr.Forbidden, "a contributor cannot change a %s article: an editor changes it, or unschedules it (unpublishArticle) to make it a draft again", a.Status)
	}
	return nil
}

// owns reports whether the viewer's account created a or is on its byline.
func (s *Service) owns(ctx context.Context, tx TxStorage, v auth.Viewer, a *models.Article) (bool, error) {
	if v.AccountID == 0 {
		return false, nil
	}
	if a.CreatedByAccountID != nil && *a.CreatedByAccountID == v.AccountID {
		return true, nil
	}
	if v.AuthorID == 0 {
		return false, nil
	}
	authorIDs, _, err := tx.ArticleLinks(ctx, a.ID)
	if err != nil {
		return false, err
	}
	return slices.Contains(authorIDs, v.AuthorID), nil
}

// mayCreate refuses what a contributor may not create: anything but a
// draft.
func mayCreate(ctx context.Context, status models.ArticleStatus) error {
	if auth.ViewerFrom(ctx).Role != auth.Contributor {
		return nil
	}
	if status != "" && status != models.StatusDraft {
		return apperr.New(apperr.Forbidden, "a contributor creates drafts only: publishing needs the %s role", auth.Editor)
	}
	return nil
}
