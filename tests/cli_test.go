package tests

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeScript(t *testing.T, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExitStatus(t *testing.T) {
	for _, test := range []struct {
		name, src  string
		args       []string
		code       int
		stdout     string
		stderrHas  []string
		stderrNone bool
	}{
		{name: "main returns", src: "print('hi')", code: 0, stdout: "hi\n", stderrNone: true},
		{name: "argv", src: "print(sys.argv[1:])", args: []string{"a", "b c"}, code: 0, stdout: "[\"a\", \"b c\"]\n"},
		{name: "sys.exit", src: "print(1)\nsys.exit(3)\nprint(2)", code: 3, stdout: "1\n", stderrNone: true},
		{name: "sys.exit in thread", src: "api.spawn(sys.exit, 4)\napi.sleep(1)\nprint('no')", code: 4, stdout: ""},
		{name: "uncaught error", src: "def f():\n    return 1 // 0\nf()", code: 1,
			stderrHas: []string{`green thread "main"`, "Traceback", "in f", "floored division by zero"}},
		{name: "uncaught socket error names its class", src: "api.connect_tcp((\"127.0.0.1\", 1))", code: 1,
			stderrHas: []string{"\nConnectionRefusedError in connect_tcp: connect: connection refused\n"}},
		{name: "one prefix for a builtin's argument error", src: "api.sleep('x')", code: 1,
			stderrHas: []string{"\nTypeError in sleep: for parameter seconds: got string, want seconds (int, float or duration)\n"}},
		{name: "one class name for an argument's ValueError", src: "api.sleep(float('nan'))", code: 1,
			stderrHas: []string{"\nValueError in sleep: for parameter seconds: invalid value NaN (not a number)\n"}},
		{name: "one prefix for fail", src: "fail('x')", code: 1, stderrHas: []string{"\nError in fail: x\n"}},
		{name: "raise_ reads as raise", src: "raise_(ValueError('bad port'))", code: 1, stderrHas: []string{"\nValueError: bad port\n"}},
		{name: "a runtime error names its Python class", src: "d = {}\nd['a']", code: 1,
			stderrHas: []string{"prog.star:2:2: in <toplevel>\nKeyError: key \"a\" not in dict\n"}},
		{name: "with_timeout names its parameter", src: "api.with_timeout(0.1, 5)", code: 1,
			stderrHas: []string{"TypeError in with_timeout: for parameter fn: got int, want callable"}},
		{name: "a bind error names the address",
			src:  "a = api.tcp_listener(('127.0.0.1', 0))\nh, p = a.getsockname()\ncatch(print, p)\nb = api.tcp_listener(('127.0.0.1', p))",
			code: 1, stderrHas: []string{"OSError in tcp_listener: bind 127.0.0.1:", ": address already in use\n"}},
		{name: "uncaught KeyboardInterrupt exits 130", src: "raise_(KeyboardInterrupt)", code: 130,
			stderrHas: []string{"prog.star:1:7: in <toplevel>\nKeyboardInterrupt\n"}},
		{name: "exceptions print as Python's", src: "print([ValueError('x')], ValueError('y'), (None, GreenletExit()))",
			code: 0, stdout: "[ValueError(\"x\")] y (None, GreenletExit())\n"},
		{name: "a Python keyword gets a hint", src: "import os\n", code: 1,
			stderrHas: []string{"prog.star:1:1: got import, want primary expression (Starlark has no import: ", `load("eventlet", "api")`}},
		{name: "syntax error runs nothing", src: "print('ran')\ndef f(:\n", code: 1,
			stderrHas: []string{"prog.star:2:8: got ':', want ')'"}},
		{name: "undefined name", src: "print('ran')\nprint(nosuch)\n", code: 1,
			stderrHas: []string{"prog.star:2:7: undefined: nosuch"}},
		{name: "crash ends only its thread",
			src:  "def bad():\n    fail('boom')\napi.spawn(bad)\napi.sleep(0.01)\nprint('alive')",
			code: 0, stdout: "alive\n", stderrHas: []string{`green thread "greenthread-`, "in bad", "boom"}},
		{name: "deadlock",
			src:  "main = api.getcurrent()\ng = api.spawn(lambda: main.wait())\ng.wait()",
			code: 2, stderrHas: []string{"evscript: all green threads are asleep - deadlock!", "main: join greenthread-", "greenthread-2: join main"}},
		{name: "parked threads do not keep the process alive",
			src: "api.spawn(api.sleep, 100)\nprint('bye')", code: 0, stdout: "bye\n"},
	} {
		t.Run(test.name, func(t *testing.T) {
			path := writeScript(t, "prog.star", test.src)
			r := runEvscript(t, 20*time.Second, "", append([]string{path}, test.args...)...)
			if r.code != test.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", r.code, test.code, r.stderr)
			}
			if test.stdout != "" || test.stderrNone {
				if r.stdout != test.stdout {
					t.Errorf("stdout %q, want %q", r.stdout, test.stdout)
				}
			}
			if test.stderrNone && r.stderr != "" {
				t.Errorf("stderr %q, want none", r.stderr)
			}
			for _, s := range test.stderrHas {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
		})
	}
}

func TestCommandFlag(t *testing.T) {
	r := runEvscript(t, 20*time.Second, "", "-c", "print(sys.argv)", "x")
	if r.code != 0 || r.stdout != "[\"<command-line>\", \"x\"]\n" {
		t.Errorf("got %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestProfileFlags checks that -cpuprofile and -memprofile write pprof
// profiles (gzip-compressed protocol buffers).
func TestProfileFlags(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	r := runEvscript(t, 20*time.Second, "", "-cpuprofile", cpu, "-memprofile", mem, "-c", "x = [str(i) for i in range(100000)]\nprint(len(x))")
	if r.code != 0 || r.stdout != "100000\n" {
		t.Fatalf("got %d %q %q", r.code, r.stdout, r.stderr)
	}
	for _, path := range []string{cpu, mem} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
			t.Errorf("%s: %d bytes, not a gzip-compressed profile", path, len(data))
		}
	}
}

// startScript starts the binary on src and returns it with a line reader
// on its stdout.
func startScript(t *testing.T, src string) (*exec.Cmd, *bufio.Reader, *strings.Builder) {
	t.Helper()
	path := writeScript(t, "sig.star", src)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, evscriptBin, path)
	stdin, stdout, stderr := startPiped(t, cmd)
	stdin.Close() // no input: the end of the stream at once
	return cmd, bufio.NewReader(stdout), stderr
}

func expectLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != want {
		t.Fatalf("read %q, %v; want %q", line, err, want)
	}
}

func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

func TestSIGINTWhileParked(t *testing.T) {
	cmd, out, stderr := startScript(t, `
def serve():
    print("ready")
    api.sleep(100)
try_except(serve, {KeyboardInterrupt: lambda e: print("interrupted")})
print("exiting")
`)
	expectLine(t, out, "ready")
	cmd.Process.Signal(os.Interrupt)
	expectLine(t, out, "interrupted")
	expectLine(t, out, "exiting")
	if code := waitExit(t, cmd); code != 0 {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}

func TestSIGINTWhileBusy(t *testing.T) {
	cmd, out, stderr := startScript(t, `
def spin():
    print("busy")
    n = 0
    while True:
        n += 1
try_except(spin, {KeyboardInterrupt: lambda e: print("interrupted")})
api.sleep(0)
print("still works")
`)
	expectLine(t, out, "busy")
	cmd.Process.Signal(os.Interrupt)
	expectLine(t, out, "interrupted")
	expectLine(t, out, "still works")
	if code := waitExit(t, cmd); code != 0 {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}

func TestSIGTERMUncaughtAndSecondSignal(t *testing.T) {
	// Uncaught KeyboardInterrupt in main: status 130, as Python, with a
	// clean backtrace that ends in the line KeyboardInterrupt.
	cmd, out, stderr := startScript(t, "print('ready')\napi.sleep(100)\n")
	expectLine(t, out, "ready")
	cmd.Process.Signal(syscall.SIGTERM)
	// The signal may come while line 2 is still evaluating api.sleep
	// (column 4) or once it sleeps (column 10), or, on a loaded machine,
	// before line 1's print has returned: "ready" is written by the output
	// goroutine as soon as print queues it.
	if code := waitExit(t, cmd); code != 130 || !regexp.MustCompile(`:(1:6|2:4|2:10): in <toplevel>\nKeyboardInterrupt\n$`).MatchString(stderr.String()) {
		t.Errorf("exit %d, stderr %s; want 130 and a backtrace ending in KeyboardInterrupt", code, stderr)
	}

	// A second signal within 2 s exits with 130 even if the first was caught.
	cmd, out, _ = startScript(t, `
def h(e):
    print("caught")
    api.sleep(100)
try_except(lambda: print("ready") or api.sleep(100), {KeyboardInterrupt: h})
`)
	expectLine(t, out, "ready")
	cmd.Process.Signal(os.Interrupt)
	expectLine(t, out, "caught")
	cmd.Process.Signal(os.Interrupt)
	io.Copy(io.Discard, out)
	if code := waitExit(t, cmd); code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
}

// An uncaught Ctrl-C in a busy loop exits 130 with a clean backtrace that
// names the loop's lines, not the def's or the statement's before the loop
// (go.starlark.net alone often reports a while loop's jumps there).
func TestSIGINTBusyLoopBacktrace(t *testing.T) {
	for _, test := range []struct {
		name, src   string
		frame       string // the frame's name
		first, last int    // the loop's lines
	}{
		{"while in a def", "def spin():\n    n = 0\n    while True:\n        n += 1\n        if n == 1000:\n            print('busy')\nspin()\n", "spin", 3, 6},
		{"while after a call", "def spin():\n    n = len('x')\n    while True:\n        n += 1\n        if n == 1000:\n            print('busy')\nspin()\n", "spin", 3, 6},
		{"while at top level", "n = 0\nwhile True:\n    n += 1\n    if n == 1000:\n        print('busy')\n", "<toplevel>", 2, 5},
	} {
		t.Run(test.name, func(t *testing.T) {
			cmd, out, stderr := startScript(t, test.src)
			expectLine(t, out, "busy")
			cmd.Process.Signal(os.Interrupt)
			if code := waitExit(t, cmd); code != 130 {
				t.Errorf("exit %d, want 130", code)
			}
			got := stderr.String()
			if !strings.HasSuffix(got, "\nKeyboardInterrupt\n") || strings.Contains(got, "cancelled") {
				t.Errorf("stderr %q: want a clean backtrace ending in KeyboardInterrupt", got)
			}
			m := regexp.MustCompile(`sig\.star:(\d+):\d+: in ` + regexp.QuoteMeta(test.frame) + "\n").FindStringSubmatch(got)
			if m == nil {
				t.Fatalf("stderr %q has no frame in %s", got, test.frame)
			}
			if line, _ := strconv.Atoi(m[1]); line < test.first || line > test.last {
				t.Errorf("the frame of %s reads at line %d, want the loop's (%d to %d):\n%s", test.frame, line, test.first, test.last, got)
			}
		})
	}
}
