package server

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sync"
	"sync/atomic"
)

// A subscription's answer reaches gqlgen's websocket transport already
// encoded: it is the bytes every subscriber that asked the same shares
// (internal/web/fanout), and gqlgen has just encoded the response around
// them. json.Marshal of the protocol message would copy those bytes and
// check them once more for every subscriber, so the answer messages of
// both protocols ("next" and "data": {payload, id, type}) are written
// around their payload as it is. gqlgen's message types are not exported,
// so they are recognised by their shape; anything else, and every other
// message (a pong echoes what the client sent), goes through json.Marshal.

// envelopesWritten counts the messages written around their payload, for
// tests to see that gqlgen's messages still have the shape expected.
var envelopesWritten atomic.Uint64

// envelopeFields is where a message type keeps its payload, id and type;
// ok is false for a type of another shape.
type envelopeFields struct {
	payload, id, typ int
	ok               bool
}

var envelopeShapes sync.Map // reflect.Type → envelopeFields

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// shapeOf reports whether t is a protocol message: a struct whose exported
// fields are exactly Payload json.RawMessage `json:"payload,omitempty"`,
// ID string `json:"id,omitempty"` and Type (a string) `json:"type"`, in
// that order.
func shapeOf(t reflect.Type) envelopeFields {
	if f, ok := envelopeShapes.Load(t); ok {
		return f.(envelopeFields)
	}
	f := envelopeFields{payload: -1, id: -1, typ: -1}
	exported := 0
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		exported++
		switch {
		case sf.Name == "Payload" && sf.Type == rawMessageType && sf.Tag.Get("json") == "payload,omitempty":
			f.payload = i
		case sf.Name == "ID" && sf.Type.Kind() == reflect.String && sf.Type.PkgPath() == "" && sf.Tag.Get("json") == "id,omitempty":
			f.id = i
		case sf.Name == "Type" && sf.Type.Kind() == reflect.String && sf.Tag.Get("json") == "type":
			f.typ = i
		}
	}
	// In json.Marshal's order too: it writes fields as they are declared.
	f.ok = exported == 3 && f.payload >= 0 && f.payload < f.id && f.id < f.typ
	envelopeShapes.Store(t, f)
	return f
}

// appendEnvelope appends the JSON of v, gqlgen's message carrying an
// answer, to dst as json.Marshal would write it, without re-encoding the
// payload; false when v is no such message.
func appendEnvelope(dst []byte, v any) ([]byte, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return dst, false
	}
	rv = rv.Elem()
	f := shapeOf(rv.Type())
	if !f.ok {
		return dst, false
	}
	typ := rv.Field(f.typ)
	text := typ.String()
	if m, ok := typ.Interface().(encoding.TextMarshaler); ok {
		b, err := m.MarshalText()
		if err != nil {
			return dst, false
		}
		text = string(b)
	}
	payload := rv.Field(f.payload).Bytes()
	// Only answers: their payload is gqlgen's json.Marshal of the response,
	// compact and HTML-escaped, so writing it as it is gives json.Marshal's
	// bytes. Other payloads (a pong's) may come from the client.
	if (text != "next" && text != "data") || len(payload) == 0 {
		return dst, false
	}
	dst = append(dst, `{"payload":`...)
	dst = append(dst, payload...)
	if id := rv.Field(f.id).String(); id != "" {
		dst = append(dst, `,"id":`...)
		dst = appendJSONString(dst, id)
	}
	dst = append(dst, `,"type":`...)
	dst = appendJSONString(dst, text)
	dst = append(dst, '}')
	envelopesWritten.Add(1)
	return dst, true
}

// appendJSONString appends s as json.Marshal encodes a string.
func appendJSONString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always encodes
	return append(dst, b...)
}
