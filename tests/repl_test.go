package tests

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With stdin not a terminal, evscript without a file reads statements from
// stdin without prompts or line editing.
func TestREPLPipedStdin(t *testing.T) {
	tests := []struct {
		name, stdin    string
		args           []string
		stdout, stderr string // stderr: a substring
		code           int
	}{
		{name: "print", stdin: "print(1+1)\n", stdout: "2\n"},
		{name: "no final newline", stdin: "print(1+1)", stdout: "2\n"},
		{name: "values and _", stdin: "x = 20\nx + 1\n_ * 2\n'str'\nNone\n", stdout: "21\n42\n\"str\"\n"},
		{
			name:   "blocks",
			stdin:  "def f(n):\n    return n * 2\n\nfor i in range(2):\n    print(f(i))\n",
			stdout: "0\n2\n",
		},
		// As python3 < file: the first error ends the run, with status 1.
		{
			name:   "an error stops",
			stdin:  "print('a')\n1 // 0\nprint('b')\n",
			stdout: "a\n", stderr: "<stdin>:2:3: in <expr>\nZeroDivisionError: floored division by zero\n", code: 1,
		},
		{name: "an undefined name stops", stdin: "print('a')\nundefined\nprint('b')\n", stdout: "a\n", stderr: "<stdin>:2:1: undefined: undefined", code: 1},
		{name: "a syntax error stops", stdin: "def (\nprint('no')\n", stderr: "<stdin>:1:6: not an identifier", code: 1},
		// Positions count from the start of the piped input, blank lines,
		// blocks and earlier chunks included.
		{name: "a later syntax error names its line", stdin: "x = 1\n\ndef f():\n    return x\n\ny = 1 +\nprint('no')\n", stderr: "<stdin>:6:8: got newline, want primary expression", code: 1},
		{name: "a later runtime error names its line", stdin: "def f(n):\n    return 10 // n\n\nprint(f(5))\nprint(f(0))\n", stdout: "2\n", stderr: "<stdin>:2:15: in f\nZeroDivisionError", code: 1},
		{name: "an uncaught KeyboardInterrupt stops with 130", stdin: "raise_(KeyboardInterrupt)\nprint('no')\n", stderr: "\nKeyboardInterrupt\n", code: 130},
		{name: "a caught error goes on", stdin: "catch(fail, 'x')[1]\nprint('b')\n", stdout: "Error(\"fail: x\")\nb\n"},
		{name: "exit()", stdin: "print('a')\nexit(5)\nprint('b')\n", stdout: "a\n", code: 5},
		{name: "_ survives None", stdin: "1 + 2\nprint('x')\n_ * 10\n", stdout: "3\nx\n30\n"},
		{name: "sys.exit", stdin: "print('a')\nsys.exit(3)\nprint('b')\n", stdout: "a\n", code: 3},
		{
			name:   "green threads",
			stdin:  "g = api.spawn(print, 'bg')\napi.sleep(0)\nprint('fg')\n",
			stdout: "bg\nfg\n",
		},
		{name: "argv", stdin: "sys.argv\n", args: []string{"-i", "-c", "x = 1", "a1"}, stdout: "[\"<command-line>\", \"a1\"]\n"},
		{name: "-i -c", stdin: "x + 1\n", args: []string{"-i", "-c", "x = 41"}, stdout: "42\n"},
		{
			name:  "-i after an error",
			stdin: "print('console')\n", args: []string{"-i", "-c", "fail('oops')"},
			stdout: "console\n", stderr: "fail: oops",
		},
		{name: "-i goes on after errors", stdin: "1 // 0\nprint('on')\n", args: []string{"-i", "-c", "x = 1"}, stdout: "on\n", stderr: "ZeroDivisionError"},
		{name: "-i sys.exit", stdin: "print('no')\n", args: []string{"-i", "-c", "sys.exit(4)"}, code: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runEvscript(t, 20*time.Second, tt.stdin, tt.args...)
			if r.stdout != tt.stdout || r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("evscript %v <<< %q:\nstdout %q, want %q\nstatus %d, want %d\nstderr %q, want it to contain %q",
					tt.args, tt.stdin, r.stdout, tt.stdout, r.code, tt.code, r.stderr, tt.stderr)
			}
		})
	}
}

// evscript -i FILE runs the file, then the console shares its globals.
func TestREPLAfterFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.star")
	src := "counter = {'n': 0}\ndef bump():\n    counter['n'] += 1\n    return counter['n']\nprint('loaded', sys.argv)\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runEvscript(t, 20*time.Second, "bump()\nbump()\ncounter\n", "-i", file, "x")
	want := "loaded [\"" + file + "\", \"x\"]\n1\n2\n{\"n\": 2}\n"
	if r.stdout != want || r.code != 0 {
		t.Errorf("stdout %q (status %d), want %q; stderr:\n%s", r.stdout, r.code, want, r.stderr)
	}
}

// SIGINT interrupts a chunk stuck in a busy loop with KeyboardInterrupt;
// with stdin piped, that ends the run with status 130, as python3 < file.
// (At a terminal the console goes on: cmd/evscript's
// TestREPLCtrlCInterruptsBusyLoop.)
func TestREPLSigintInterruptsBusyLoop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, evscriptBin)
	stdin, stdout, stderr := startPiped(t, cmd)
	io.WriteString(stdin, "n = 0\nwhile True:\n    n += 1\n    if n == 1:\n        print('spinning')\n        sys.stdout.flush()\n\nprint('after', n > 0)\n")
	out := bufio.NewReader(stdout)
	if line, err := out.ReadString('\n'); line != "spinning\n" {
		t.Fatalf("first line %q (%v), want spinning", line, err)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if rest, _ := io.ReadAll(out); len(rest) != 0 {
		t.Errorf("after SIGINT: %q, want nothing more", rest)
	}
	stdin.Close()
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("evscript: %v (status %d), want status 130; stderr:\n%s", err, code, stderr.String())
	}
	if !strings.HasSuffix(stderr.String(), "\nKeyboardInterrupt\n") || strings.Contains(stderr.String(), "cancelled") {
		t.Errorf("stderr %q: want a clean backtrace ending in KeyboardInterrupt", stderr.String())
	}
}
