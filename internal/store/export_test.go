package store

import "context"

// VisibleIDsBySQL returns those of ids that pass visibilitySQL(v), the
// reader rule as hand-written statements (the related read) take it: a
// third form for TestVisibilityFormsAgree to hold to the other two.
func VisibleIDsBySQL(ctx context.Context, s *Store, v Visibility, ids []uint64) (map[uint64]bool, error) {
	cond, args := visibilitySQL("x", v)
	var found []uint64
	if err := s.q(ctx).Raw("SELECT x.id FROM articles x WHERE x.id IN ? AND "+cond, append([]any{ids}, args...)...).Scan(&found).Error; err != nil {
		return nil, err
	}
	out := make(map[uint64]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}
