// Package fanout executes a subscription's selection once per event for all
// the subscribers that asked the same thing, and hands each of them the same
// encoded answer.
//
// gqlgen runs a subscription as one unit per subscriber: a handler that
// reads the subscriber's channel, resolves the selection and marshals it.
// There is no hook between "an event arrived" and "execute it for this
// subscriber", so the fan-out sits in front of gqlgen's executor instead:
//
//   - Transport wraps a live transport (websocket, SSE) so that the executor
//     it is given is an Executor.
//   - Executor.DispatchOperation puts a slot in the operation's context;
//     the subscription resolver hands its channel to the slot with Share.
//   - Each time the transport asks for the next answer, the Executor reads
//     the event itself and looks it up by (group, event). The first
//     subscriber of a group to get an event pushes it through gqlgen and
//     keeps a copy of the answer; the others wait for it and reuse it.
//
// A group is everything that can change an answer for the same event: the
// document, the operation name, the variables (except those that only say
// where a replay starts) and the viewer. Events are compared by identity:
// the hub builds one value per event and class of viewer, so a value that
// is not shared (a replayed change) is simply executed by its subscriber.
package fanout

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/broadsheet/broadsheet/internal/auth"
)

// DefaultSize is how many (group, event) answers are kept: enough for every
// group's last few events; an answer is only needed while the subscribers of
// its group are being served.
const DefaultSize = 1024

// Cache holds the answers shared between subscribers, and counts them.
type Cache struct {
	answers  *lru.Cache[key, *answer]
	executed atomic.Uint64
	shared   atomic.Uint64
}

// NewCache returns a cache of at most size answers (DefaultSize when size
// is not positive).
func NewCache(size int) *Cache {
	if size <= 0 {
		size = DefaultSize
	}
	c, err := lru.New[key, *answer](size)
	if err != nil {
		panic(fmt.Sprintf("fanout: %v", err)) // only for a size below 1
	}
	return &Cache{answers: c}
}

// Executed counts subscription answers executed by gqlgen.
func (c *Cache) Executed() uint64 { return c.executed.Load() }

// Shared counts subscription answers handed on without executing them.
func (c *Cache) Shared() uint64 { return c.shared.Load() }

type key struct {
	group string
	event any
}

type answer struct {
	done chan struct{}
	resp *graphql.Response // nil when the first subscriber got none
}

// answerFor returns the group's answer to the event, executing it with run
// when no other subscriber has.
func (c *Cache) answerFor(ctx context.Context, k key, run func() *graphql.Response) *graphql.Response {
	mine := &answer{done: make(chan struct{})}
	if prev, found, _ := c.answers.PeekOrAdd(k, mine); found {
		select {
		case <-prev.done:
		case <-ctx.Done():
			return nil
		}
		if prev.resp != nil {
			c.shared.Add(1)
			return prev.resp
		}
		c.executed.Add(1)
		return run() // the first one's subscriber went away; do it here
	}
	defer close(mine.done)
	c.executed.Add(1)
	resp := run()
	if resp == nil {
		c.answers.Remove(k)
		return nil
	}
	// gqlgen reuses the buffer behind Data for the subscriber's next event.
	kept := *resp
	kept.Data = bytes.Clone(resp.Data)
	mine.resp = &kept
	return resp
}

// Transport wraps a live transport so that its operations run through an
// Executor sharing Cache.
type Transport struct {
	graphql.Transport
	Cache *Cache
}

// Do serves the request with the fan-out executor.
func (t Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	t.Transport.Do(w, r, &Executor{GraphExecutor: exec, cache: t.Cache})
}

// Executor is gqlgen's executor with shared subscription answers.
type Executor struct {
	graphql.GraphExecutor
	cache *Cache
}

// DispatchOperation dispatches queries and mutations unchanged; a
// subscription whose resolver called Share answers from the cache.
func (e *Executor) DispatchOperation(ctx context.Context, opCtx *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	if opCtx.Operation == nil || opCtx.Operation.Operation != ast.Subscription {
		return e.GraphExecutor.DispatchOperation(ctx, opCtx)
	}
	s := &slot{}
	responses, ctx := e.GraphExecutor.DispatchOperation(context.WithValue(ctx, slotKey{}, s), opCtx)
	if s.next == nil {
		return responses, ctx // refused, or a resolver that does not share
	}
	group, err := groupOf(ctx, opCtx, s.neutral)
	if err != nil {
		return responses, ctx
	}
	return func(ctx context.Context) *graphql.Response {
		ev, ok := s.next(ctx)
		if !ok {
			return nil
		}
		return e.cache.answerFor(ctx, key{group: group, event: ev.id}, func() *graphql.Response {
			ev.push()
			return responses(ctx)
		})
	}, ctx
}

// groupOf names what an answer depends on besides the event.
func groupOf(ctx context.Context, opCtx *graphql.OperationContext, neutral []string) (string, error) {
	vars := opCtx.Variables
	if drop := neutralVariables(opCtx.Operation, neutral); len(drop) > 0 {
		vars = make(map[string]any, len(opCtx.Variables))
		for k, v := range opCtx.Variables {
			if !drop[k] {
				vars[k] = v
			}
		}
	}
	vj, err := json.Marshal(vars) // map keys sorted: the same variables, the same text
	if err != nil {
		return "", err
	}
	v := auth.ViewerFrom(ctx)
	return fmt.Sprintf("%d/%d/%d/%d/%s\x00%s\x00%s\x00%s", v.Role, v.TokenID, v.AccountID, v.AuthorID, v.TokenName,
		opCtx.OperationName, vj, opCtx.RawQuery), nil
}

// neutralVariables returns the variables given only to the root field's
// neutral arguments (where a replay starts): they decide which events come,
// not what an answer to one says. A variable used anywhere else stays in
// the group.
func neutralVariables(op *ast.OperationDefinition, neutral []string) map[string]bool {
	if op == nil || len(neutral) == 0 || len(op.SelectionSet) != 1 {
		return nil
	}
	root, ok := op.SelectionSet[0].(*ast.Field)
	if !ok {
		return nil
	}
	drop := map[string]bool{}
	for _, a := range root.Arguments {
		for _, n := range neutral {
			if a.Name == n && a.Value != nil && a.Value.Kind == ast.Variable {
				drop[a.Value.Raw] = true
			}
		}
	}
	if len(drop) == 0 {
		return nil
	}
	uses := map[string]int{}
	countVariables(op.SelectionSet, uses, map[string]bool{})
	for _, d := range op.Directives {
		countValueVariables(d.Arguments, uses)
	}
	for name := range drop {
		if uses[name] != 1 {
			delete(drop, name)
		}
	}
	return drop
}

func countVariables(set ast.SelectionSet, uses map[string]int, seen map[string]bool) {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			countValueVariables(s.Arguments, uses)
			for _, d := range s.Directives {
				countValueVariables(d.Arguments, uses)
			}
			countVariables(s.SelectionSet, uses, seen)
		case *ast.InlineFragment:
			for _, d := range s.Directives {
				countValueVariables(d.Arguments, uses)
			}
			countVariables(s.SelectionSet, uses, seen)
		case *ast.FragmentSpread:
			for _, d := range s.Directives {
				countValueVariables(d.Arguments, uses)
			}
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				countVariables(s.Definition.SelectionSet, uses, seen)
			}
		}
	}
}

func countValueVariables(args ast.ArgumentList, uses map[string]int) {
	var walk func(v *ast.Value)
	walk = func(v *ast.Value) {
		if v == nil {
			return
		}
		if v.Kind == ast.Variable {
			uses[v.Raw]++
		}
		for _, c := range v.Children {
			walk(c.Value)
		}
	}
	for _, a := range args {
		walk(a.Value)
	}
}

type slotKey struct{}

// slot is where a subscription resolver leaves its events for the
// Executor.
type slot struct {
	next    func(context.Context) (event, bool)
	neutral []string
}

type event struct {
	id   any
	push func()
}

// Share hands a subscription's events to the fan-out executor, when the
// operation runs under one, and returns the channel gqlgen must read:
// the executor passes an event on to it only when this subscriber is the
// first of its group to need it executed. neutral names the root field's
// arguments that only say where a replay starts (they may differ between
// subscribers that share answers). Outside an Executor, src is returned.
func Share[T comparable](ctx context.Context, src <-chan graphql.Event[T], neutral ...string) <-chan graphql.Event[T] {
	s, _ := ctx.Value(slotKey{}).(*slot)
	if s == nil || s.next != nil {
		return src
	}
	out := make(chan graphql.Event[T], 1)
	s.neutral = neutral
	s.next = func(ctx context.Context) (event, bool) {
		select {
		case ev, ok := <-src:
			if !ok {
				close(out)
				return event{}, false
			}
			var id any = ev.Value
			var zero T
			if ev.Value == zero {
				id = new(byte) // no value to tell events apart by: never shared
			}
			return event{id: id, push: func() { out <- ev }}, true
		case <-ctx.Done():
			return event{}, false
		}
	}
	return out
}
