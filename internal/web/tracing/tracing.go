// Package tracing sends OpenTelemetry traces (HTTP request → GraphQL
// operation → resolvers → SQL statements) to an OTLP/HTTP collector when
// one is configured. Without an endpoint nothing is installed and nothing
// is paid.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// Options configure tracing.
type Options struct {
	// Endpoint is the collector's OTLP/HTTP base URL, e.g.
	// http://otel-collector:4318 (traces go to /v1/traces).
	Endpoint string
	// ServiceName names this service in traces (default "broadsheet").
	ServiceName string
	// SampleRatio is the share of new traces recorded (default 1); a
	// caller's sampling decision (traceparent) is followed.
	SampleRatio float64
}

// Tracing is an installed tracer provider.
type Tracing struct {
	provider   *sdktrace.TracerProvider
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
}

// Setup installs tracing exporting to opts.Endpoint.
func Setup(ctx context.Context, opts Options) (*Tracing, error) {
	u, err := url.Parse(opts.Endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("OTLP endpoint %q: want http(s)://HOST:PORT", opts.Endpoint)
	}
	eopts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(u.Host), otlptracehttp.WithTimeout(5 * time.Second)}
	if u.Scheme == "http" {
		eopts = append(eopts, otlptracehttp.WithInsecure())
	}
	if p := strings.TrimSuffix(u.Path, "/"); p != "" {
		eopts = append(eopts, otlptracehttp.WithURLPath(p+"/v1/traces"))
	}
	exp, err := otlptracehttp.New(ctx, eopts...)
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	name := opts.ServiceName
	if name == "" {
		name = "broadsheet"
	}
	ratio := opts.SampleRatio
	if ratio <= 0 || ratio > 1 {
		ratio = 1
	}
	res := resource.NewSchemaless(attribute.String("service.name", name))
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Second)),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
	)
	return &Tracing{
		provider:   tp,
		tracer:     tp.Tracer("github.com/broadsheet/broadsheet"),
		propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}, nil
}

// Shutdown flushes pending spans.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.provider.Shutdown(ctx) }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Middleware starts a server span per request, continuing the caller's
// trace when it sends a traceparent header.
func (t *Tracing) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := t.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := t.tracer.Start(ctx, r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		defer span.End()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		span.SetAttributes(attribute.Int("http.response.status_code", rec.status))
		if rec.status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(rec.status))
		}
	})
}

// Extension traces GraphQL operations and the fields that run a resolver.
func (t *Tracing) Extension() graphql.HandlerExtension { return extension{t} }

type extension struct{ t *Tracing }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
	graphql.FieldInterceptor
} = extension{}

func (extension) ExtensionName() string                   { return "Tracing" }
func (extension) Validate(graphql.ExecutableSchema) error { return nil }

func (e extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	opCtx := graphql.GetOperationContext(ctx)
	name := "graphql"
	if opCtx.Operation != nil {
		name = string(opCtx.Operation.Operation)
		if opCtx.Operation.Name != "" {
			name += " " + opCtx.Operation.Name
		}
	}
	ctx, span := e.t.tracer.Start(ctx, name, trace.WithAttributes(attribute.String("graphql.operation.name", opCtx.OperationName)))
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		span.SetStatus(codes.Error, resp.Errors[0].Message)
	}
	return resp
}

func (e extension) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver {
		return next(ctx)
	}
	ctx, span := e.t.tracer.Start(ctx, fc.Object+"."+fc.Field.Name, trace.WithAttributes(attribute.String("graphql.field.path", fc.Path().String())))
	defer span.End()
	res, err := next(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return res, err
}

const spanKey = "broadsheet:span"

// WatchSQL traces every SQL statement run on db with a request context.
// The statement text has placeholders, never values.
func (t *Tracing) WatchSQL(db *gorm.DB) error {
	before := func(tx *gorm.DB) {
		if tx.Statement.Context == nil || !trace.SpanFromContext(tx.Statement.Context).SpanContext().IsValid() {
			return
		}
		_, span := t.tracer.Start(tx.Statement.Context, "sql", trace.WithSpanKind(trace.SpanKindClient))
		tx.InstanceSet(spanKey, span)
	}
	after := func(tx *gorm.DB) {
		v, ok := tx.InstanceGet(spanKey)
		if !ok {
			return
		}
		span := v.(trace.Span)
		sql := tx.Statement.SQL.String()
		if op, _, ok := strings.Cut(strings.TrimSpace(sql), " "); ok {
			span.SetName("sql " + strings.ToUpper(op))
		}
		span.SetAttributes(attribute.String("db.query.text", sql), attribute.String("db.collection.name", tx.Statement.Table), attribute.Int64("db.response.returned_rows", tx.RowsAffected))
		if tx.Error != nil && tx.Error != gorm.ErrRecordNotFound {
			span.RecordError(tx.Error)
			span.SetStatus(codes.Error, "statement failed")
		}
		span.End()
	}
	c := db.Callback()
	for _, err := range []error{
		c.Query().Before("gorm:query").Register("broadsheet:trace_before_query", before),
		c.Query().After("gorm:query").Register("broadsheet:trace_after_query", after),
		c.Row().Before("gorm:row").Register("broadsheet:trace_before_row", before),
		c.Row().After("gorm:row").Register("broadsheet:trace_after_row", after),
		c.Raw().Before("gorm:raw").Register("broadsheet:trace_before_raw", before),
		c.Raw().After("gorm:raw").Register("broadsheet:trace_after_raw", after),
		c.Create().Before("gorm:create").Register("broadsheet:trace_before_create", before),
		c.Create().After("gorm:create").Register("broadsheet:trace_after_create", after),
		c.Update().Before("gorm:update").Register("broadsheet:trace_before_update", before),
		c.Update().After("gorm:update").Register("broadsheet:trace_after_update", after),
		c.Delete().Before("gorm:delete").Register("broadsheet:trace_before_delete", before),
		c.Delete().After("gorm:delete").Register("broadsheet:trace_after_delete", after),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
