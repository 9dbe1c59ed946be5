package content

import (
	"fmt"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/models"
)

// CodeEmbargoed is the user error code of a publication before the
// article's embargo.
const CodeEmbargoed = "EMBARGOED"

// embargoed is the error of publishing at when the embargo lasts until.
func embargoed(field string, until, at time.Time) *apperr.Error {
	return &apperr.Error{Kind: apperr.Invalid, Code: CodeEmbargoed, Field: field,
		Message: fmt.Sprintf("the article is embargoed until %s: it cannot be published at %s",
			until.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))}
}

// embargoError reports a published or scheduled snapshot whose publication
// time is before its embargo, on field; nil when there is none.
func embargoError(snap *Snapshot, field string) *apperr.Error {
	if snap.EmbargoUntil == nil || snap.PublishedAt == nil {
		return nil
	}
	if snap.Status != models.StatusPublished && snap.Status != models.StatusScheduled {
		return nil
	}
	if !snap.PublishedAt.Before(*snap.EmbargoUntil) {
		return nil
	}
	return embargoed(field, *snap.EmbargoUntil, *snap.PublishedAt)
}

// utcPtr is t in UTC, nil for nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
