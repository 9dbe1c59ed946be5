package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // s3:// URLs
	"gocloud.dev/gcerrors"
)

// OpenBucket opens the blob store of the library: file://DIR (a
// directory, created when missing) or s3://BUCKET?region=…&endpoint=…
// (AWS, MinIO, R2, Ceph: any S3-compatible store; credentials from the
// usual AWS_* environment or files).
func OpenBucket(ctx context.Context, raw string) (*blob.Bucket, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("media store URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "file":
		dir := u.Path
		if u.Host != "" && u.Host != "localhost" { // file://./media, file://media
			dir = u.Host + u.Path
		}
		if dir == "" {
			return nil, fmt.Errorf("media store URL %q names no directory", raw)
		}
		b, err := fileblob.OpenBucket(filepath.FromSlash(dir), &fileblob.Options{
			CreateDir: true,
			// Temporary files beside the final ones: a rename across file
			// systems (a /tmp on another disk) would fail.
			NoTempDir: true,
		})
		if err != nil {
			return nil, fmt.Errorf("open media directory %s: %w", dir, err)
		}
		return b, nil
	case "s3":
		b, err := blob.OpenBucket(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("open media bucket %s: %w", u.Redacted(), err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("media store URL %q: want file://DIR or s3://BUCKET", raw)
}

// secretKey is where a generated signing secret is kept in the store.
const secretKey = "config/url-signing-secret"

// Secret returns the URL signing secret: configured (at least 16 bytes),
// or else the one kept in the store, generated and written there on first
// use. Kept in the store, it is shared by every replica using the same
// store and survives restarts; the first replica to write it wins
// (a conditional write) and the others read the winner's.
func Secret(ctx context.Context, b *blob.Bucket, configured string) ([]byte, error) {
	if configured != "" {
		if len(configured) < 16 {
			return nil, errors.New("the media URL secret must be at least 16 characters")
		}
		return []byte(configured), nil
	}
	if data, err := b.ReadAll(ctx, secretKey); err == nil && len(data) >= 32 {
		return []byte(strings.TrimSpace(string(data))), nil
	} else if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return nil, fmt.Errorf("read media URL secret: %w", err)
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	err := b.WriteAll(ctx, secretKey, []byte(hex.EncodeToString(fresh)), &blob.WriterOptions{IfNotExist: true, ContentType: "text/plain"})
	if err != nil && gcerrors.Code(err) != gcerrors.FailedPrecondition {
		return nil, fmt.Errorf("store media URL secret: %w", err)
	}
	data, err := b.ReadAll(ctx, secretKey)
	if err != nil {
		return nil, fmt.Errorf("read media URL secret: %w", err)
	}
	return []byte(strings.TrimSpace(string(data))), nil
}
