package tests

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pythonEventlet is Debian's Python with python3-eventlet, which the
// ports' twins run under (not a pyenv python that may be first on PATH).
const pythonEventlet = "/usr/bin/python3"

// TestEventletPorts runs the six ports of Python eventlet programs
// (scripts/eventlet_*.star) and checks that each prints its golden
// Output block and, when Debian's python3-eventlet is installed, exactly
// what its Python twin (testdata/eventlet/*.py) prints under eventlet.
func TestEventletPorts(t *testing.T) {
	twins, err := filepath.Glob("testdata/eventlet/*.py")
	if err != nil || len(twins) != 6 {
		t.Fatalf("want the six Python twins in testdata/eventlet, got %v (%v)", twins, err)
	}
	python := havePythonEventlet()
	for _, twin := range twins {
		name := strings.TrimSuffix(filepath.Base(twin), ".py")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			script := "../scripts/" + name + ".star"
			src, err := os.ReadFile(script)
			if err != nil {
				t.Fatalf("the twin %s has no script: %v", twin, err)
			}
			want, ok := expectedOutput(string(src))
			if !ok {
				t.Fatalf("%s has no # Output: block", script)
			}
			r := runEvscript(t, 30*time.Second, "", script)
			if r.code != 0 {
				t.Errorf("evscript %s: exit status %d, stderr:\n%s", script, r.code, r.stderr)
			}
			if r.stdout != want {
				t.Errorf("evscript %s printed:\n%s\nwant its Output block:\n%s", script, r.stdout, want)
			}
			if !python {
				t.Skipf("%s with python3-eventlet (apt install python3-eventlet) is not available: the Python twin was not run", pythonEventlet)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, pythonEventlet, twin)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				t.Fatalf("python3 %s: %v\nstderr:\n%s", twin, err, errb.String())
			}
			if out.String() != r.stdout {
				t.Errorf("python3 %s printed:\n%s\nevscript %s printed:\n%s", twin, out.String(), script, r.stdout)
			}
		})
	}
}

// havePythonEventlet reports whether Debian's python3 can import eventlet.
func havePythonEventlet() bool {
	if _, err := os.Stat(pythonEventlet); err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, pythonEventlet, "-c", "import eventlet").Run() == nil
}
