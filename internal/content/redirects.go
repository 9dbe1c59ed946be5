package content

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Audited redirect actions.
const (
	ActionRedirectCreate = "redirect.create"
	ActionRedirectDelete = "redirect.delete"
	ActionCorrectionAdd  = "article.correct"
)

// MaxRedirectPathLen is the longest path a redirect may start from.
const MaxRedirectPathLen = 700

// Redirect status codes an editor may choose.
var redirectStatuses = map[int]bool{301: true, 302: true, 307: true, 308: true}

// maxHops bounds the walk along stored redirects (they never chain, so
// one hop is the most a consistent table needs).
const maxHops = 20

// CreateRedirect sends requests for from (a path on the site) to to (a
// path, or an absolute URL; another host only with
// Publication.AllowExternalRedirects), with a 301 unless status says 302,
// 307 or 308. No chain is ever stored: a target that is itself redirected
// is replaced by where that leads, and redirects to from are pointed at
// the new target. A redirect that would come back to from is refused
// (REDIRECT_LOOP).
func (s *Service) CreateRedirect(ctx context.Context, from, to string, status *int) (*models.Redirect, error) {
	r := &models.Redirect{StatusCode: 301, CreatedBy: actor(ctx)}
	if status != nil {
		r.StatusCode = *status
	}
	var errs apperr.FieldErrors
	src, ok := s.pub.Links.Clean(strings.TrimSpace(from))
	if !ok || len(src) > MaxRedirectPathLen {
		errs = append(errs, apperr.Invalidf("from", "from must be a path on the site such as /old/page (at most %d characters)", MaxRedirectPathLen))
	}
	dst, derr := s.redirectTarget(strings.TrimSpace(to))
	if derr != nil {
		errs = append(errs, derr)
	}
	if !redirectStatuses[r.StatusCode] {
		errs = append(errs, apperr.Invalidf("statusCode", "statusCode must be 301, 302, 307 or 308"))
	}
	if len(errs) == 0 && src == dst {
		errs = append(errs, loopError("a redirect to itself"))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	r.FromPath, r.Location = src, dst
	err := s.change(ctx, ActionRedirectCreate, "Redirect", 0, func(tx TxStorage) (uint64, error) {
		if err := s.addRedirect(ctx, tx, r); err != nil {
			return 0, err
		}
		return r.ID, nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// addRedirect stores r (its FromPath and Location checked) inside tx by
// the rules of CreateRedirect: a from that is redirected already is
// TAKEN, the target is followed to its end, redirects to from are
// pointed on.
func (s *Service) addRedirect(ctx context.Context, tx TxStorage, r *models.Redirect) error {
	src := r.FromPath
	if old, err := tx.RedirectFrom(ctx, src); err != nil {
		return err
	} else if old != nil {
		return apperr.Takenf("from", "%s is already redirected (redirect %d): delete that one first", src, old.ID)
	}
	end, err := s.followRedirects(ctx, tx, src, r.Location)
	if err != nil {
		return err
	}
	r.Location = end
	if err := tx.RetargetRedirects(ctx, src, end); err != nil {
		return err
	}
	r.CreatedAt = s.Now()
	return tx.CreateRedirect(ctx, r)
}

func loopError(what string) *apperr.Error {
	return &apperr.Error{Kind: apperr.Invalid, Code: "REDIRECT_LOOP", Field: "to", Message: "the redirect would loop: " + what}
}

// redirectTarget checks and normalises a redirect's destination: a site
// path, or an absolute URL (a URL on the public host becomes its path).
func (s *Service) redirectTarget(to string) (string, *apperr.Error) {
	if strings.HasPrefix(to, "http://") || strings.HasPrefix(to, "https://") {
		u, err := url.Parse(to)
		if err != nil || u.Host == "" || len(to) > MaxURLLen || strings.ContainsAny(to, " \t\r\n") {
			return "", apperr.Invalidf("to", "to must be a path on the site or an absolute http(s) URL")
		}
		base, _ := url.Parse(s.pub.Links.Base())
		if base != nil && strings.EqualFold(u.Host, base.Host) {
			if p, ok := s.pub.Links.Clean(to); ok {
				return p, nil
			}
			return "", apperr.Invalidf("to", "to must be a path on the site or an absolute http(s) URL")
		}
		if !s.pub.AllowExternalRedirects {
			return "", &apperr.Error{Kind: apperr.Invalid, Code: "EXTERNAL_REDIRECT", Field: "to",
				Message: fmt.Sprintf("redirects to other hosts (%s) are off: the server needs --allow-external-redirects", apperr.Clip(u.Host, 80))}
		}
		return u.String(), nil
	}
	p, ok := s.pub.Links.Clean(to)
	if !ok || len(p) > MaxURLLen {
		return "", apperr.Invalidf("to", "to must be a path on the site such as /new/page, or an absolute http(s) URL")
	}
	return p, nil
}

// followRedirects walks from dst along stored redirects and earlier
// article addresses to where a request would end, refusing a walk that
// comes back to src.
func (s *Service) followRedirects(ctx context.Context, tx TxStorage, src, dst string) (string, error) {
	for range maxHops {
		if !strings.HasPrefix(dst, "/") {
			return dst, nil // another host: the end
		}
		next, err := tx.RedirectFrom(ctx, dst)
		if err != nil {
			return "", err
		}
		if next == nil {
			// An article's earlier address leads to its current one.
			obj, err := s.routeObject(ctx, tx, store.Visibility{}, dst, nil)
			if err != nil {
				return "", err
			}
			if moved, ok := obj.(*models.Redirect); ok && moved.Location != dst {
				dst = moved.Location
				if dst == src {
					return "", loopError(src + " is an earlier address of the article at " + dst)
				}
				continue
			}
			return dst, nil
		}
		if next.Location == src {
			return "", loopError(fmt.Sprintf("%s already redirects to %s", dst, src))
		}
		dst = next.Location
	}
	return "", loopError("too many hops")
}

// DeleteRedirect removes an editor's redirect; NOT_FOUND when there is none.
func (s *Service) DeleteRedirect(ctx context.Context, id uint64) (*models.Redirect, error) {
	var r *models.Redirect
	err := s.change(ctx, ActionRedirectDelete, "Redirect", id, func(tx TxStorage) (uint64, error) {
		var err error
		if r, err = tx.RedirectByID(ctx, id); err != nil {
			return 0, err
		}
		if r == nil {
			return 0, &apperr.Error{Kind: apperr.NotFound, Code: "NOT_FOUND", Field: "id", Message: fmt.Sprintf("no redirect %d", id)}
		}
		_, err = tx.DeleteRedirect(ctx, id)
		return id, err
	})
	return r, err
}

// Redirects pages through editors' redirects, newest first.
func (s *Service) Redirects(ctx context.Context, args page.Args) (*page.List[*models.Redirect], error) {
	p, err := args.Request(false)
	if err != nil {
		return nil, err
	}
	return page.Load(ctx, p, s.store.CountRedirects, s.store.ListRedirects)
}
