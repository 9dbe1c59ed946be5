package content

import "fmt"

// pluralf formats one or other depending on n; the first argument after the
// formats is the subject, the second n.
func pluralf(n int64, one, other string, args ...any) string {
	if n == 1 {
		return fmt.Sprintf(one, args...)
	}
	return fmt.Sprintf(other, args...)
}
