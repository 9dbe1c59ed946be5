package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// TestRedisLogIsJSON: the Redis client's notices come out as one JSON
// line each in JSON mode, cut short.
func TestRedisLogIsJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := redisLog{slog.New(slog.NewJSONHandler(&buf, nil))}
	l.Printf(context.Background(), "redis: %s\n%s", "connection pool: failed to dial", strings.Repeat("x", 5000))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines: %q", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("not JSON: %v: %s", err, lines[0])
	}
	if msg, _ := rec["detail"].(string); !strings.Contains(msg, "connection pool") || len(msg) > 600 {
		t.Errorf("msg %q (%d bytes)", msg, len(msg))
	}
}
