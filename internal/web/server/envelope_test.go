package server

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// Messages of the shape of gqlgen's (both protocols have the same).
type (
	protoMessage struct {
		Payload json.RawMessage `json:"payload,omitempty"`
		ID      string          `json:"id,omitempty"`
		Type    protoType       `json:"type"`
		noOp    bool
	}
	protoType string

	// Not a protocol message: another exported field.
	otherMessage struct {
		Payload json.RawMessage `json:"payload,omitempty"`
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		Extra   int             `json:"extra"`
	}
	// The same fields in another order: json.Marshal would write them so.
	reorderedMessage struct {
		ID      string          `json:"id,omitempty"`
		Payload json.RawMessage `json:"payload,omitempty"`
		Type    string          `json:"type"`
	}
	// Not a protocol message: the id under another name.
	renamedMessage struct {
		Payload json.RawMessage `json:"payload,omitempty"`
		ID      string          `json:"operationId,omitempty"`
		Type    string          `json:"type"`
	}
)

func (t protoType) MarshalText() ([]byte, error) { return []byte(t), nil }

// An answer written around its payload is byte for byte what json.Marshal
// writes; every other message is left to json.Marshal.
func TestEnvelopeAsJSONMarshal(t *testing.T) {
	answer := func(data string, ext map[string]any) json.RawMessage {
		b, err := json.Marshal(&graphql.Response{Data: json.RawMessage(data), Extensions: ext})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tricky := answer(`{"liveBlogUpdated":{"entry":{"bodyHtml":"<p>Turnout is <strong>up</strong> & \"rising\" — ünïcode \u2028 `+"\u2028\u2029"+`</p>"}}}`,
		map[string]any{"event": map[string]any{"id": "evt-<1>"}})
	for _, tc := range []struct {
		name string
		msg  any
		fast bool
	}{
		{"next", &protoMessage{Payload: tricky, ID: "b", Type: "next"}, true},
		{"data (graphql-ws)", &protoMessage{Payload: answer(`{"a":1}`, nil), ID: "1", Type: "data"}, true},
		{"an id to escape", &protoMessage{Payload: tricky, ID: "sub \"<7>\" é", Type: "next"}, true},
		{"no id", &protoMessage{Payload: tricky, Type: "next"}, true},
		{"no payload", &protoMessage{ID: "b", Type: "next"}, false},
		{"pong echoing the client", &protoMessage{Payload: json.RawMessage(`{ "a" : "<b>" }`), Type: "pong"}, false},
		{"complete", &protoMessage{ID: "b", Type: "complete"}, false},
		{"error", &protoMessage{Payload: json.RawMessage(`[{"message":"x"}]`), ID: "b", Type: "error"}, false},
		{"another shape", &otherMessage{Payload: tricky, ID: "b", Type: "next"}, false},
		{"another tag", &renamedMessage{Payload: tricky, ID: "b", Type: "next"}, false},
		{"another order", &reorderedMessage{Payload: tricky, ID: "b", Type: "next"}, false},
		{"not a pointer", protoMessage{Payload: tricky, ID: "b", Type: "next"}, false},
		{"nil", (*protoMessage)(nil), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, fast := appendEnvelope(nil, tc.msg)
			if fast != tc.fast {
				t.Fatalf("written around the payload: %v, want %v", fast, tc.fast)
			}
			if !fast {
				return
			}
			want, err := json.Marshal(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}
