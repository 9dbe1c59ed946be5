package webhooks_test

import (
	"crypto/sha256"
	"encoding/hex"
)

func hashForTest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
