package graph

import (
	"errors"
	"strconv"

	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/models"
)

// userErrors splits a service error into the problems an editor can fix,
// reported in the payload, and everything else, which stays a GraphQL
// error (authorisation, outages, bugs).
func userErrors(err error) ([]*model.UserError, error) {
	out := []*model.UserError{}
	if err == nil {
		return out, nil
	}
	var list apperr.FieldErrors
	if errors.As(err, &list) {
		for _, e := range list {
			if e.Kind != apperr.Invalid && e.Kind != apperr.Conflict && e.Kind != apperr.NotFound {
				return nil, err
			}
			out = append(out, userError(e))
		}
		return out, nil
	}
	e, ok := apperr.As(err)
	if !ok || (e.Kind != apperr.Invalid && e.Kind != apperr.Conflict && e.Kind != apperr.NotFound) {
		return nil, err
	}
	return append(out, userError(e)), nil
}

func userError(e *apperr.Error) *model.UserError {
	code := model.UserErrorCode(e.Code)
	if !code.IsValid() {
		switch e.Kind {
		case apperr.Conflict:
			code = model.UserErrorCodeConflict
		case apperr.NotFound:
			code = model.UserErrorCodeNotFound
		default:
			code = model.UserErrorCodeInvalid
		}
	}
	field := []string{}
	switch e.Field {
	case "":
	case "id", "expectedVersion", "articleId", "revisionId", "at", "relatedIds", "from", "to", "statusCode", "text", "note", "expiresIn", "file":
		field = []string{e.Field}
	default:
		field = append([]string{"input"}, splitPath(e.Field)...)
	}
	return &model.UserError{Field: field, Message: e.Message, Code: code}
}

func splitPath(f string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(f); i++ {
		if i == len(f) || f[i] == '.' {
			out = append(out, f[start:i])
			start = i + 1
		}
	}
	return out
}

// articlePayload builds an article mutation's answer.
func articlePayload(a *models.Article, err error) (*model.ArticlePayload, error) {
	var conflict *content.ConflictError
	if errors.As(err, &conflict) {
		a = conflict.Current
	}
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	return &model.ArticlePayload{Article: a, UserErrors: ue}, nil
}

func authorPayload(a *models.Author, err error) (*model.AuthorPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		a = nil
	}
	return &model.AuthorPayload{Author: a, UserErrors: ue}, nil
}

func categoryPayload(c *models.Category, err error) (*model.CategoryPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		c = nil
	}
	return &model.CategoryPayload{Category: c, UserErrors: ue}, nil
}

// idArg parses a mutation's id argument; a malformed id is a user error.
func idArg(typ, field, id string) (uint64, error) {
	n, err := globalid.ParseAs(typ, id)
	if err != nil {
		if e, ok := apperr.As(err); ok {
			e.Field = field
		}
		return 0, err
	}
	return n, nil
}

// idList parses a list of ids of type typ. It returns the ids that parse
// and one user error per id that does not, so the service can report them
// with every other problem in the input.
func idList(typ, field string, ids []string) ([]uint64, apperr.FieldErrors) {
	out := make([]uint64, 0, len(ids))
	var bad apperr.FieldErrors
	for _, id := range ids {
		n, err := idArg(typ, field, id)
		if err != nil {
			if e, ok := apperr.As(err); ok {
				bad = append(bad, e)
				continue
			}
		}
		out = append(out, n)
	}
	return out, bad
}

// plainID parses a plain numeric id (revisions).
func plainID(field, id string) (uint64, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return 0, apperr.Invalidf(field, "invalid %s %q", field, id)
	}
	return n, nil
}

// cover turns the cover inputs into the cover to store, nil when neither
// is given. A library picture (imageID) wins over a URL: the picture's
// renditions are the cover, coverImage's alt text, caption and credit
// describe it; an empty imageID removes the cover. An id that does not
// parse comes back in bad.
func cover(in *model.CoverImageInput, imageID *string) (c *models.CoverImage, bad apperr.FieldErrors) {
	if in != nil {
		c = &models.CoverImage{URL: in.URL, Alt: deref(in.Alt), Caption: deref(in.Caption), Credit: deref(in.Credit)}
	}
	if imageID == nil {
		return c, nil
	}
	if c == nil {
		c = &models.CoverImage{}
	}
	c.URL = ""
	if *imageID == "" {
		return &models.CoverImage{}, nil
	}
	ids, bad := idList(globalid.TypeImage, "coverImageId", []string{*imageID})
	if len(ids) == 1 {
		c.ImageID = models.RefID(ids[0])
	}
	return c, bad
}

// subscriptionPayload builds a newsletter link mutation's answer.
func subscriptionPayload(sub *models.NewsletterSubscriber, err error) (*model.NewsletterSubscriptionPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	for _, e := range ue {
		if len(e.Field) > 1 && e.Field[0] == "input" { // newsletter arguments are top-level
			e.Field = e.Field[1:]
		}
	}
	if len(ue) > 0 {
		sub = nil
	}
	return &model.NewsletterSubscriptionPayload{Subscription: sub, UserErrors: ue}, nil
}

// webhookPayload builds a webhook mutation's answer; userErrors keep the
// argument names as their paths (webhook arguments are top-level).
func webhookPayload(w *models.Webhook, secret string, err error) (*model.WebhookPayload, error) {
	ue, err := topLevel(userErrors(err))
	if err != nil {
		return nil, err
	}
	p := &model.WebhookPayload{UserErrors: ue}
	if len(ue) == 0 {
		p.Webhook = w
		if secret != "" {
			p.Secret = &secret
		}
	}
	return p, nil
}

// topLevel strips the "input" prefix from user error paths.
func topLevel(ue []*model.UserError, err error) ([]*model.UserError, error) {
	for _, e := range ue {
		if len(e.Field) > 1 && e.Field[0] == "input" {
			e.Field = e.Field[1:]
		}
	}
	return ue, err
}

func webhookEvents(in []model.WebhookEvent) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, e := range in {
		out[i] = string(e)
	}
	return out
}
