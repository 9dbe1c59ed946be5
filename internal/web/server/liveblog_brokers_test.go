package server_test

import (
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/brokertest"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// TestLiveBlogBrokers runs a live blog across two replicas on MariaDB that
// share a Redis or NATS broker: entries posted on one reach a reader on the
// other; the reader's replica then stops, entries are posted meanwhile, and
// the reader resumes on a fresh replica with since: nothing lost, nothing
// twice.
func TestLiveBlogBrokers(t *testing.T) {
	t.Parallel()
	brokers := map[string]func(testing.TB) string{"redis": brokertest.RedisURL, "nats": brokertest.NATSURL}
	for _, name := range []string{"redis", "nats"} {
		t.Run(name, func(t *testing.T) {
			url := brokertest.WithTopic(t, brokers[name](t))
			db := dbtest.Open(t, dbconn.MySQL)
			a := testserver.NewLive(t, db, testserver.LiveOptions{Broker: openBroker(t, url)})
			b := testserver.NewLive(t, db, testserver.LiveOptions{Broker: openBroker(t, url)})
			editor := a.Token(t, "brokers-desk", auth.Editor)
			blog := newLiveBlog(t, a.Server, editor, "Live across replicas "+name)
			a.Settle(t)
			reader := dialWS(t, b.URL, wsclient.TransportWS, "")
			subscribeWS(t, reader, "b", liveBlogSub, map[string]any{"a": blog})
			waitSubscribers(t, b, 1)
			first := postEntry(t, a.Server, editor, blog, "Posted on A.").Entry.ID
			seen := nextChange(t, reader)
			if seen.Kind != "POSTED" || *seen.EntryID != first {
				t.Fatalf("reader on B got %+v, want entry %s", seen, first)
			}
			reader.Close()
			b.Close() // the reader's replica goes away

			second := postEntry(t, a.Server, editor, blog, "Posted while B was down.").Entry.ID
			liveMutation(t, a.Server, editor, "$id: ID!", "pinLiveEntry(id: $id, pinned: true)", map[string]any{"id": first})
			a.Settle(t)

			c := testserver.NewLive(t, db, testserver.LiveOptions{Broker: openBroker(t, url)})
			back := dialWS(t, c.URL, wsclient.GraphQLWS, "")
			subscribeWS(t, back, "b", liveBlogSub, map[string]any{"a": blog, "since": seen.Cursor})
			if got := nextChange(t, back); got.Kind != "POSTED" || *got.EntryID != second {
				t.Fatalf("first replayed change %+v, want entry %s posted", got, second)
			}
			if got := nextChange(t, back); got.Kind != "PINNED" || *got.EntryID != first || !got.Entry.IsPinned {
				t.Fatalf("second replayed change %+v, want entry %s pinned", got, first)
			}
			waitSubscribers(t, c, 1)
			third := postEntry(t, a.Server, editor, blog, "Live again.").Entry.ID
			if got := nextChange(t, back); got.Kind != "POSTED" || *got.EntryID != third {
				t.Fatalf("live change after the replay %+v, want entry %s", got, third)
			}
		})
	}
}
