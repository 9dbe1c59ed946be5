package subscribe

import (
	"context"
	"fmt"
)

// scenario is what the subscribers follow and how events are made.
type scenario struct {
	query   string
	vars    map[string]any
	publish func(ctx context.Context, n int) error
	// paced: events at Config.Rate, without waiting for deliveries.
	paced bool
}

// setup creates what the scenario's events are about.
func (c Config) setup(ctx context.Context) (*scenario, error) {
	var created struct {
		CreateArticle struct{ Article struct{ ID string } }
	}
	if err := c.do(ctx, `mutation { createArticle(input: {title: "Benchmark article", body: "Live updates benchmark.", status: PUBLISHED}) { article { id } } }`, nil, &created); err != nil {
		return nil, fmt.Errorf("create the benchmark article: %w", err)
	}
	id := created.CreateArticle.Article.ID
	if c.Scenario != "liveblog" {
		// The article whose corrections are the events.
		return &scenario{
			query: `subscription($id: ID!) { articleUpdated(id: $id) { id title version } }`,
			vars:  map[string]any{"id": id},
			publish: func(ctx context.Context, n int) error {
				var out any
				return c.do(ctx, `mutation($id: ID!, $t: String!) { updateArticle(id: $id, input: {title: $t}) { article { id } } }`,
					map[string]any{"id": id, "t": fmt.Sprintf("Benchmark correction %d", n+1)}, &out)
			},
		}, nil
	}
	var started struct {
		StartLiveBlog struct{ UserErrors []struct{ Message string } }
	}
	if err := c.do(ctx, `mutation($id: ID!) { startLiveBlog(articleId: $id) { userErrors { message } } }`, map[string]any{"id": id}, &started); err != nil {
		return nil, fmt.Errorf("start the benchmark live blog: %w", err)
	}
	if ue := started.StartLiveBlog.UserErrors; len(ue) > 0 {
		return nil, fmt.Errorf("start the benchmark live blog: %s", ue[0].Message)
	}
	return &scenario{
		query: `subscription($id: ID!) { liveBlogUpdated(articleId: $id) { kind cursor entry { id title bodyHtml isKeyEvent isPinned correction { text at } authors { name } } } }`,
		vars:  map[string]any{"id": id},
		paced: true,
		publish: func(ctx context.Context, n int) error {
			var out struct {
				PostLiveEntry struct{ UserErrors []struct{ Message string } }
			}
			err := c.do(ctx, `mutation($id: ID!, $b: String!) { postLiveEntry(articleId: $id, input: {body: $b}) { userErrors { message } } }`,
				map[string]any{"id": id, "b": fmt.Sprintf("Benchmark entry %d: the **storm** moves north.", n+1)}, &out)
			if err == nil && len(out.PostLiveEntry.UserErrors) > 0 {
				err = fmt.Errorf("%s", out.PostLiveEntry.UserErrors[0].Message)
			}
			return err
		},
	}, nil
}
