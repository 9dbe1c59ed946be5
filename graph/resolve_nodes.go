package graph

import (
	"context"
	"fmt"

	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
)

// Node is the resolver for the node field.
func (r *queryResolver) Node(ctx context.Context, id string) (model.Node, error) {
	typ, nodeID, err := globalid.Parse(id)
	if err != nil {
		return nil, err
	}
	if typ == globalid.TypeImage {
		return r.imageNode(ctx, nodeID)
	}
	n, err := r.Content.Node(ctx, typ, nodeID)
	if n == nil || err != nil {
		return nil, err
	}
	return n.(model.Node), nil
}

// Nodes is the resolver for the nodes field.
func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > content.MaxNodes {
		return nil, apperr.Invalidf("ids", "ids may name at most %d objects (got %d)", content.MaxNodes, len(ids))
	}
	var refs []content.NodeRef
	var at []int               // position in ids of each of refs
	images := map[int]uint64{} // position in ids → image id
	for i, id := range ids {
		typ, n, err := globalid.Parse(id)
		if err != nil {
			return nil, apperr.Invalidf(fmt.Sprintf("ids[%d]", i), "invalid id %q", apperr.Clip(id, 60))
		}
		if typ == globalid.TypeImage {
			images[i] = n
			continue
		}
		refs, at = append(refs, content.NodeRef{Type: typ, ID: n}), append(at, i)
	}
	out := make([]model.Node, len(ids))
	if len(refs) > 0 {
		found, err := r.Content.Nodes(ctx, refs)
		if err != nil {
			return nil, err
		}
		for j, n := range found {
			if n != nil {
				out[at[j]] = n.(model.Node)
			}
		}
	}
	for i, id := range images {
		n, err := r.imageNode(ctx, id)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// imageNode answers node(id:) for a media-library image: for the
// newsroom only. A reader, who may not list the library, must not read a
// picture uploaded for a story not yet out (its alt text, caption, file
// name, full-size URL) by guessing its sequential id: readers reach
// pictures through the articles they may see.
func (r *queryResolver) imageNode(ctx context.Context, id uint64) (model.Node, error) {
	if !auth.ViewerFrom(ctx).SeesDrafts() {
		return nil, nil
	}
	m, err := r.media()
	if err != nil {
		return nil, err
	}
	img, err := m.ByID(ctx, id)
	if img == nil || err != nil {
		return nil, err
	}
	return img, nil
}
