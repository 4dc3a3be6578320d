// Package tests holds end-to-end tests of the evscript binary and the
// example scripts, and the test that enforces the package import rules.
package tests

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// evscriptBin is the binary built once by TestMain.
var evscriptBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "evscript-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	evscriptBin = filepath.Join(dir, "evscript")
	build := exec.Command("go", "build", "-o", evscriptBin, "../cmd/evscript")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building evscript:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary produced.
type result struct {
	stdout, stderr string
	code           int
}

// runEvscript runs the binary with args and stdin, bounded by timeout.
func runEvscript(t *testing.T, timeout time.Duration, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, evscriptBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Stdin = bytes.NewBufferString(stdin)
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("evscript %v: timed out after %v\nstdout:\n%s\nstderr:\n%s", args, timeout, out.String(), errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("evscript %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

// startPiped starts cmd with a pipe to its stdin, a pipe from its stdout
// and its stderr collected; the caller waits for it.
func startPiped(t *testing.T, cmd *exec.Cmd) (io.WriteCloser, io.Reader, *strings.Builder) {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := new(strings.Builder)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return stdin, stdout, stderr
}
