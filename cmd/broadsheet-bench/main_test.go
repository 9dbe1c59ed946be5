package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A short run of the harness end to end: build, seed, serve, attack, report.
func TestHarnessSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	dir := t.TempDir()
	bench := filepath.Join(dir, "broadsheet-bench")
	if out, err := exec.Command("go", "build", "-o", bench, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	bin := filepath.Join(dir, "broadsheet")
	if out, err := exec.Command("go", "build", "-o", bin, "../broadsheet").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bench, "--bin", bin, "--db", "sqlite:"+filepath.Join(dir, "b.db"), "--articles", "50",
		"--scenarios", "homepage,search,mix,homepage-cached,ceiling", "--duration", "300ms", "--warmup", "0", "--concurrency", "2", "--ratio-rounds", "1")
	cmd.Env = os.Environ()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, out)
	}
	report := string(out)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`\| homepage \| \d+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| 0 \| 2\.00 \|`), // the list, and its bylines, tags and sections in one statement
		regexp.MustCompile(`\| homepage-cached \| \d+ \| .* \| 0 \| 0\.00 \|`),
		regexp.MustCompile(`\| search \| \d+ \| .* \| 0 \| [\d.]+ \|`),
		// The mix edits with a token the harness issued itself.
		regexp.MustCompile(`\| mix \| \d+ \| .* \| 0 \| [\d.]+ \|`),
		regexp.MustCompile(`\| ceiling \| \d+ \|`),
		regexp.MustCompile(`response-cached homepage / net/http ceiling = \d+ / \d+ = [\d.]+`),
		regexp.MustCompile(`\| 1 \| \d+ \| \d+ \| [\d.]+ \|\n\nmedian ratio [\d.]+`),
	} {
		if !want.MatchString(report) {
			t.Errorf("report lacks %s:\n%s", want, report)
		}
	}
	if strings.Contains(report, "| 0 | 0.00 | 0.00 |") {
		t.Errorf("a scenario served nothing:\n%s", report)
	}

	// A comparison of the build with itself (as the baseline, on a
	// database of its own): both servers up, two rounds of each scenario.
	cmd = exec.Command(bench, "--bin", bin, "--baseline", bin, "--articles", "50", "--scenarios", "homepage,article,ceiling",
		"--duration", "300ms", "--warmup", "0", "--concurrency", "2", "--compare-rounds", "2")
	cmd.Env = os.Environ()
	if out, err = cmd.Output(); err != nil {
		t.Fatalf("harness --baseline: %v\n%s", err, out)
	}
	report = string(out)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`against the baseline .*, engine sqlite, 2 concurrent clients, 2 rounds of 300ms each`),
		regexp.MustCompile(`\| homepage \| [\d.–]+ \| [\d.–]+ \| [\d.–]+ \| [\d.–]+ \| [\d–]+ \| [\d–]+ \| 0 \| 2\.\d\d → 2\.\d\d \|`),
		regexp.MustCompile(`\| article \| [\d.–]+ \| [\d.–]+ \| [\d.–]+ \| [\d.–]+ \| [\d–]+ \| [\d–]+ \| 0 \|`),
	} {
		if !want.MatchString(report) {
			t.Errorf("comparison lacks %s:\n%s", want, report)
		}
	}
	if strings.Contains(report, "| ceiling |") {
		t.Errorf("the ceiling, which has no build, was compared:\n%s", report)
	}
}
