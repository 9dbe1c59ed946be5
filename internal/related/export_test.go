package related

import (
	"context"
	"maps"
	"slices"
)

// CandidateSources returns, for every article, the candidate ids the SQL
// path (store.CandidateIDs, used by RefreshRelated) and the in-memory path
// (relatedIndex, used by Rebuild) find.
func CandidateSources(ctx context.Context, st Store) (map[uint64][2][]uint64, error) {
	all, err := st.AllRelatedFeatures(ctx)
	if err != nil {
		return nil, err
	}
	idx := newRelatedIndex(all)
	sc := idx.scorerFor()
	out := map[uint64][2][]uint64{}
	for _, x := range all {
		_, viaSQL, err := scorer(ctx, st, x, nil, false)
		if err != nil {
			return nil, err
		}
		out[x.ID] = [2][]uint64{
			slices.Sorted(maps.Keys(viaSQL)),
			slices.Sorted(maps.Keys(idx.candidates(x, sc, nil))),
		}
	}
	return out, nil
}
