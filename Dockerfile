# Broadsheet: a small, static, non-root image.
#   docker build -t broadsheet .
#   docker run -p 8080:8080 -v broadsheet-data:/data broadsheet
# Not exercised by the test suite (no container runtime in CI); see README.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Pure Go: SQLite runs as WebAssembly, so no cgo and no libc are needed.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/broadsheet ./cmd/broadsheet \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/broadsheet /usr/local/bin/broadsheet
# A writable home for the embedded database when no MySQL URL is given.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
ENV BROADSHEET_ADDR=:8080 \
    BROADSHEET_DB=sqlite:/data/broadsheet.db \
    BROADSHEET_LOG_FORMAT=json \
    BROADSHEET_INTROSPECTION=false \
    BROADSHEET_DRAIN_DELAY=5s
EXPOSE 8080
VOLUME /data
ENTRYPOINT ["/usr/local/bin/broadsheet"]
CMD ["serve"]
