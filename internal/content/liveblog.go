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
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Audited actions of live blogs.
const (
	ActionLiveStart    = "liveblog.start"
	ActionLiveEnd      = "liveblog.end"
	ActionLivePost     = "liveentry.post"
	ActionLiveUpdate   = "liveentry.update"
	ActionLiveDelete   = "liveentry.delete"
	ActionLivePin      = "liveentry.pin"
	ActionLiveKeyEvent = "liveentry.key_event"
	ActionLiveOptions  = "liveblog.options"
)

// Kinds of live-blog changes, as the schema's LiveBlogChangeKind.
const (
	LivePosted   = "POSTED"
	LiveUpdated  = "UPDATED"
	LiveDeleted  = "DELETED"
	LivePinned   = "PINNED"
	LiveUnpinned = "UNPINNED"
	LiveStarted  = "STARTED"
	LiveEnded    = "ENDED"
)

// DefaultMaxEntryBytes caps an entry's Markdown body unless
// WithMaxEntryBytes says otherwise (--max-entry-bytes).
const DefaultMaxEntryBytes = 64 << 10

// User error codes of live blogs (the schema's UserErrorCode).
const (
	CodeNotLiveBlog   = "NOT_LIVE_BLOG"
	CodeLiveBlogEnded = "LIVE_BLOG_ENDED"
)

// DefaultCorrection is the note of a correction made without one.
const DefaultCorrection = "This entry has been corrected."

// WithMaxEntryBytes caps the Markdown body of a live entry.
func WithMaxEntryBytes(n int) Option {
	return func(s *Service) {
		if n > 0 {
			s.maxEntryBytes = n
		}
	}
}

// LiveEntryInput is an entry as an editor writes it. Nil fields of an
// update stay as they are.
type LiveEntryInput struct {
	Title     *string
	Body      *string // Markdown
	AuthorIDs *[]uint64
	// Correction is the note readers see with a corrected entry (updates of
	// an entry readers have seen); DefaultCorrection when empty.
	Correction *string
	IDErrors   apperr.FieldErrors
}

func notLiveBlog(id uint64) error {
	return &apperr.Error{Kind: apperr.Invalid, Code: CodeNotLiveBlog, Field: "articleId",
		Message: fmt.Sprintf("article %q is not a live blog: start one with startLiveBlog", globalid.ID(globalid.TypeArticle, id))}
}

// LiveBlogOptions are a live blog's settings; nil fields stay as they are
// (a new live blog starts with every option off).
type LiveBlogOptions struct {
	// ContributorsMayPost lets contributors post entries, and correct and
	// delete the entries they posted or are credited on.
	ContributorsMayPost *bool
}

func (o LiveBlogOptions) apply(b *models.LiveBlog) (changed bool) {
	if o.ContributorsMayPost != nil && *o.ContributorsMayPost != b.ContributorsMayPost {
		b.ContributorsMayPost, changed = *o.ContributorsMayPost, true
	}
	return changed
}

// StartLiveBlog makes an article a live blog, or live again when it ended,
// with opts applied (a blog that is already live only takes opts).
func (s *Service) StartLiveBlog(ctx context.Context, articleID uint64, opts LiveBlogOptions) (*models.LiveBlog, error) {
	return s.setLive(ctx, articleID, ActionLiveStart, true, opts)
}

// EndLiveBlog ends a live blog: no more entries may be posted (they may
// still be corrected, pinned or deleted).
func (s *Service) EndLiveBlog(ctx context.Context, articleID uint64) (*models.LiveBlog, error) {
	return s.setLive(ctx, articleID, ActionLiveEnd, false, LiveBlogOptions{})
}

// SetLiveBlogOptions changes a live blog's settings, live or ended. Nothing
// readers see changes, so it is an audit entry without an outbox event.
func (s *Service) SetLiveBlogOptions(ctx context.Context, articleID uint64, opts LiveBlogOptions) (*models.LiveBlog, error) {
	var b *models.LiveBlog
	err := s.change(ctx, ActionLiveOptions, events.ObjectLiveBlog, articleID, func(tx TxStorage) (uint64, error) {
		var err error
		if b, err = s.lockLiveBlog(ctx, tx, articleID); err != nil {
			return 0, err
		}
		if b == nil {
			return 0, notLiveBlog(articleID)
		}
		if opts.apply(b) {
			return articleID, tx.SaveLiveBlog(ctx, b)
		}
		return articleID, nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// lockLiveBlog locks an article's live blog (nil when it is not one), or
// says the article does not exist.
func (s *Service) lockLiveBlog(ctx context.Context, tx TxStorage, articleID uint64) (*models.LiveBlog, error) {
	a, err := tx.ArticleByID(ctx, store.Visibility{}, articleID)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, &apperr.Error{Kind: apperr.NotFound, Field: "articleId", Message: "no such article"}
	}
	return tx.LockLiveBlog(ctx, articleID)
}

func (s *Service) setLive(ctx context.Context, articleID uint64, action string, live bool, opts LiveBlogOptions) (*models.LiveBlog, error) {
	var b *models.LiveBlog
	err := s.change(ctx, action, events.ObjectLiveBlog, articleID, func(tx TxStorage) (uint64, error) {
		var err error
		if b, err = s.lockLiveBlog(ctx, tx, articleID); err != nil {
			return 0, err
		}
		kind := LiveStarted
		switch {
		case live && b != nil && b.IsLive():
			// Already live: only the options may change, which readers
			// do not see (no event).
			if opts.apply(b) {
				return articleID, tx.SaveLiveBlog(ctx, b)
			}
			return articleID, nil
		case live:
			if b == nil {
				b = &models.LiveBlog{ArticleID: articleID, StartedAt: s.Now()}
			}
			b.EndedAt = nil
			opts.apply(b)
		case b == nil:
			return 0, notLiveBlog(articleID)
		case !b.IsLive():
			return articleID, nil // already ended
		default:
			now := s.Now()
			b.EndedAt, kind = &now, LiveEnded
		}
		if err := tx.SaveLiveBlog(ctx, b); err != nil {
			return 0, err
		}
		return articleID, s.recordLive(ctx, tx, articleID, action, kind, 0)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// contributorMayLive are the live-blog actions a contributor may take on a
// blog that allows it (contributorsMayPost): posting entries, and
// correcting and deleting its own. Pins, key events, starting and ending
// and the blog's options stay editors' (the schema's @hasRole refuses them
// first; this is the service's own rule).
var contributorMayLive = map[string]bool{ActionLivePost: true, ActionLiveUpdate: true, ActionLiveDelete: true}

// mayWriteLive is the live-blog rule for contributors: editors and admins
// may do anything; a contributor may post to a blog whose editors let
// contributors post, and change (correct, delete) only the entries it
// posted or is credited on, while the blog still lets contributors in;
// one an editor pinned or marked as a key event it may correct but not
// delete.
// b is the entry's blog when the caller has it locked (nil: loaded here);
// e is the entry changed (nil for a post).
func (s *Service) mayWriteLive(ctx context.Context, tx TxStorage, b *models.LiveBlog, e *models.LiveEntry, action string) error {
	v := auth.ViewerFrom(ctx)
	if v.Role != auth.Contributor {
		return nil
	}
	if !contributorMayLive[action] {
		return apperr.New(apperr.Forbidden, "a contributor cannot %s: that needs the %s role", strings.TrimPrefix(action, "liveentry."), auth.Editor)
	}
	if b == nil && e != nil {
		var err error
		if b, err = tx.LiveBlog(ctx, e.ArticleID); err != nil {
			return err
		}
	}
	if b == nil {
		return nil // not a live blog: the post says NOT_LIVE_BLOG
	}
	if !b.ContributorsMayPost {
		return apperr.New(apperr.Forbidden, "this live blog takes entries from editors only: an editor lets contributors post with setLiveBlogOptions(contributorsMayPost: true)")
	}
	if e == nil {
		return nil
	}
	if !(e.CreatedByAccountID != nil && *e.CreatedByAccountID == v.AccountID && v.AccountID != 0) &&
		!(v.AuthorID != 0 && slices.Contains(e.Authors(), v.AuthorID)) {
		return apperr.New(apperr.Forbidden, "a contributor may change only the live entries it posted or is credited on")
	}
	if action == ActionLiveDelete && (e.IsPinned || e.IsKeyEvent) {
		// The desk put it forward: taking it off the page is the desk's call.
		return apperr.New(apperr.Forbidden, "a pinned entry or key event is removed by an editor (a contributor may still correct it)")
	}
	return nil
}

// recordLive appends the outbox event of a live-blog change.
func (s *Service) recordLive(ctx context.Context, tx TxStorage, articleID uint64, action, kind string, entryID uint64) error {
	return s.recordEvent(ctx, tx, events.LiveBlogChanged, events.ObjectLiveBlog, articleID, events.Payload{
		Action: action, Live: &events.LiveState{Kind: kind, EntryID: entryID},
	})
}

// checkEntry validates an entry's title, body and authors, and renders
// its body: it returns the library images the body shows.
func (s *Service) checkEntry(ctx context.Context, tx TxStorage, e *models.LiveEntry, in LiveEntryInput) ([]uint64, apperr.FieldErrors) {
	errs := append(apperr.FieldErrors{}, in.IDErrors...)
	if in.Title != nil {
		e.Title = strings.TrimSpace(*in.Title)
		if utf8.RuneCountInString(e.Title) > MaxTitleRunes {
			errs = append(errs, apperr.Invalidf("title", "title is longer than %d characters", MaxTitleRunes))
		}
	}
	if in.Body != nil {
		e.Body = *in.Body
	}
	switch {
	case strings.TrimSpace(e.Body) == "":
		errs = append(errs, apperr.Invalidf("body", "an entry needs a body"))
	case len(e.Body) > s.maxEntryBytes:
		errs = append(errs, apperr.Invalidf("body", "body is %d bytes; an entry may have at most %d (--max-entry-bytes)", len(e.Body), s.maxEntryBytes))
	case !utf8.ValidString(e.Body):
		errs = append(errs, apperr.Invalidf("body", "body is not valid UTF-8"))
	}
	if in.AuthorIDs != nil {
		ids := uniqueIDs(*in.AuthorIDs)
		if len(ids) > MaxAuthors {
			errs = append(errs, apperr.Invalidf("authors", "at most %d authors", MaxAuthors))
		} else if len(ids) > 0 {
			exist, err := tx.AuthorsExist(ctx, ids)
			if err != nil {
				return nil, append(errs, &apperr.Error{Kind: apperr.Internal, Message: "check authors", Err: err})
			}
			for _, id := range ids {
				if !exist[id] {
					errs = append(errs, &apperr.Error{Kind: apperr.Invalid, Code: "NOT_FOUND", Field: "authors", Message: fmt.Sprintf("no author with id %q", globalid.ID(globalid.TypeAuthor, id))})
				}
			}
		}
		e.SetAuthors(ids)
	}
	if in.Correction != nil && utf8.RuneCountInString(*in.Correction) > MaxCorrectionRunes {
		errs = append(errs, apperr.Invalidf("correction", "correction is longer than %d characters", MaxCorrectionRunes))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	// The same structured body as articles: blocks, checked references,
	// and HTML rendered from the blocks.
	snap := Snapshot{Body: e.Body}
	if errs = s.checkBody(ctx, tx, &snap); len(errs) > 0 {
		return nil, errs
	}
	// Image blocks name their library row, as articles' do (so the
	// picture is shown), and the rows are recorded (deleteImage's IN_USE).
	imageIDs := resolveImages(snap.rendered.r.Blocks)
	blocks, err := markdown.EncodeBlocks(snap.rendered.r.Blocks)
	if err != nil {
		return nil, apperr.FieldErrors{{Kind: apperr.Internal, Message: "encode entry blocks", Err: err}}
	}
	e.BodyHTML, e.BodyBlocks, e.ImagesRecorded = snap.rendered.r.HTML, blocks, true
	return imageIDs, nil
}

func uniqueIDs(ids []uint64) []uint64 {
	seen := map[uint64]bool{}
	out := []uint64{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// PostLiveEntry adds an entry to a live blog that is live. Editors post;
// contributors too when the blog allows them (contributorsMayPost).
func (s *Service) PostLiveEntry(ctx context.Context, articleID uint64, in LiveEntryInput) (*models.LiveEntry, error) {
	e := &models.LiveEntry{ArticleID: articleID, Version: 1, CreatedByAccountID: accountOf(ctx)}
	err := s.change(ctx, ActionLivePost, "LiveEntry", 0, func(tx TxStorage) (uint64, error) {
		b, err := tx.LockLiveBlog(ctx, articleID)
		if err != nil {
			return 0, err
		}
		if err := s.mayWriteLive(ctx, tx, b, nil, ActionLivePost); err != nil {
			return 0, err
		}
		errs := apperr.FieldErrors{}
		if b == nil {
			if a, err := tx.ArticleByID(ctx, store.Visibility{}, articleID); err != nil {
				return 0, err
			} else if a == nil {
				return 0, &apperr.Error{Kind: apperr.NotFound, Field: "articleId", Message: "no such article"}
			}
			errs = append(errs, notLiveBlog(articleID).(*apperr.Error))
		} else if !b.IsLive() {
			errs = append(errs, &apperr.Error{Kind: apperr.Invalid, Code: CodeLiveBlogEnded, Field: "articleId", Message: "this live blog has ended: start it again to post"})
		}
		if in.Body == nil {
			in.Body = new(string)
		}
		imageIDs, bad := s.checkEntry(ctx, tx, e, in)
		if errs = append(errs, bad...); len(errs) > 0 {
			return 0, errs
		}
		now := s.Now()
		e.CreatedAt, e.UpdatedAt = now, now
		if err := tx.CreateLiveEntry(ctx, e); err != nil {
			return 0, err
		}
		if err := tx.SetLiveEntryImages(ctx, e.ID, imageIDs); err != nil {
			return 0, err
		}
		return e.ID, s.recordLive(ctx, tx, articleID, ActionLivePost, LivePosted, e.ID)
	})
	if err != nil {
		return nil, err
	}
	return s.withByline(ctx, e, nil)
}

// LiveConflictError says an entry update lost a race: Current is the entry
// as the other editor left it.
type LiveConflictError struct {
	Err     *apperr.Error
	Current *models.LiveEntry
}

func (e *LiveConflictError) Error() string { return e.Err.Error() }
func (e *LiveConflictError) Unwrap() error { return e.Err }

// editEntry loads a shown entry inside a change and applies fn; fn returns
// the kind of change to record ("" for nothing to do).
func (s *Service) editEntry(ctx context.Context, id uint64, action string, expected *int, fn func(tx TxStorage, e *models.LiveEntry) (string, error)) (*models.LiveEntry, error) {
	var e *models.LiveEntry
	err := s.change(ctx, action, "LiveEntry", id, func(tx TxStorage) (uint64, error) {
		var err error
		if e, err = tx.LiveEntryByID(ctx, id); err != nil {
			return 0, err
		}
		if e == nil || e.DeletedAt != nil {
			return 0, &apperr.Error{Kind: apperr.NotFound, Field: "id", Message: "no such live entry"}
		}
		if err := s.mayWriteLive(ctx, tx, nil, e, action); err != nil {
			return 0, err
		}
		version := e.Version
		if expected != nil && *expected != version {
			return 0, apperr.New(apperr.Conflict, "the entry is at version %d, not %d: another editor changed it; reload it and apply your change again", version, *expected)
		}
		kind, err := fn(tx, e)
		if err != nil || kind == "" {
			return id, err
		}
		e.UpdatedAt = s.Now()
		if err := tx.SaveLiveEntry(ctx, e, version); err != nil {
			return 0, err
		}
		return id, s.recordLive(ctx, tx, e.ArticleID, action, kind, id)
	})
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Conflict {
			bg := context.WithoutCancel(ctx)
			cur, err := s.store.LiveEntryByID(bg, id)
			cur, _ = s.withByline(bg, cur, err)
			return nil, &LiveConflictError{Err: ae, Current: cur}
		}
		return nil, err
	}
	return s.withByline(ctx, e, nil)
}

// UpdateLiveEntry changes an entry's text. When readers may have seen it
// (its article is visible to them), the change is a correction: the
// previous text is kept in the entry's history and the entry says it was
// corrected. expectedVersion guards against two editors correcting the
// same entry at once (CONFLICT).
func (s *Service) UpdateLiveEntry(ctx context.Context, id uint64, in LiveEntryInput, expectedVersion *int) (*models.LiveEntry, error) {
	return s.editEntry(ctx, id, ActionLiveUpdate, expectedVersion, func(tx TxStorage, e *models.LiveEntry) (string, error) {
		prev := models.LiveEntryVersion{EntryID: e.ID, Version: e.Version, Title: e.Title, Body: e.Body, Actor: actor(ctx), CreatedAt: s.Now()}
		imageIDs, errs := s.checkEntry(ctx, tx, e, in)
		if len(errs) > 0 {
			return "", errs
		}
		if err := tx.SetLiveEntryImages(ctx, e.ID, imageIDs); err != nil {
			return "", err
		}
		if e.Title == prev.Title && e.Body == prev.Body && in.Correction == nil {
			return LiveUpdated, nil // a byline change: not a correction
		}
		a, err := tx.ArticleByID(ctx, store.Visibility{}, e.ArticleID)
		if err != nil {
			return "", err
		}
		if a != nil && ReaderVisible(a, s.Now()) {
			if err := tx.AddLiveEntryVersion(ctx, &prev); err != nil {
				return "", err
			}
			note := DefaultCorrection
			if in.Correction != nil && strings.TrimSpace(*in.Correction) != "" {
				note = strings.TrimSpace(*in.Correction)
			}
			now := s.Now()
			e.CorrectionText, e.CorrectedAt = note, &now
		}
		return LiveUpdated, nil
	})
}

// DeleteLiveEntry removes an entry from its live blog.
func (s *Service) DeleteLiveEntry(ctx context.Context, id uint64) (*models.LiveEntry, error) {
	return s.editEntry(ctx, id, ActionLiveDelete, nil, func(_ TxStorage, e *models.LiveEntry) (string, error) {
		now := s.Now()
		e.DeletedAt = &now
		return LiveDeleted, nil
	})
}

// PinLiveEntry pins an entry at the top of its live blog, or unpins it.
func (s *Service) PinLiveEntry(ctx context.Context, id uint64, pinned bool) (*models.LiveEntry, error) {
	return s.editEntry(ctx, id, ActionLivePin, nil, func(_ TxStorage, e *models.LiveEntry) (string, error) {
		if e.IsPinned == pinned {
			return "", nil
		}
		e.IsPinned = pinned
		if pinned {
			return LivePinned, nil
		}
		return LiveUnpinned, nil
	})
}

// MarkKeyEvent marks an entry as a key event of its live blog, or not.
func (s *Service) MarkKeyEvent(ctx context.Context, id uint64, keyEvent bool) (*models.LiveEntry, error) {
	return s.editEntry(ctx, id, ActionLiveKeyEvent, nil, func(_ TxStorage, e *models.LiveEntry) (string, error) {
		if e.IsKeyEvent == keyEvent {
			return "", nil
		}
		e.IsKeyEvent = keyEvent
		return LiveUpdated, nil
	})
}
