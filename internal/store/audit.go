package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// AddAudit records an audit entry.
func (s *Store) AddAudit(ctx context.Context, e *models.AuditEntry) error {
	return translate("add audit entry", s.q(ctx).Create(e).Error)
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Actor, Action, ObjectType, Outcome string
	ObjectID                           uint64
	// AccountEmail narrows to the entries of one person's account (none
	// when no account has that email).
	AccountEmail string
}

var auditKey = SortKey{Name: "audit", Column: "audit_log.id", IDColumn: "audit_log.id", Int: true}

func (s *Store) auditQuery(ctx context.Context, f AuditFilter) *gorm.DB {
	q := s.q(ctx).Table("audit_log")
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.AccountEmail != "" {
		q = q.Where("account_id = (SELECT ac.id FROM accounts ac WHERE ac.email = ?)", strings.ToLower(strings.TrimSpace(f.AccountEmail)))
	}
	if f.ObjectType != "" {
		q = q.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != 0 {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	if f.Outcome != "" {
		q = q.Where("outcome = ?", f.Outcome)
	}
	return q
}

// ListAudit returns a page of the audit log, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter, p page.Request) (*page.List[*models.AuditEntry], error) {
	l, err := listNewest(s.auditQuery(ctx, f), auditKey, p, func(e *models.AuditEntry) uint64 { return e.ID })
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return l, nil
}

// CountAudit counts the entries matching f.
func (s *Store) CountAudit(ctx context.Context, f AuditFilter) (int64, error) {
	var n int64
	err := s.auditQuery(ctx, f).Count(&n).Error
	return n, err
}
