package builtins_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"go.starlark.net/starlark"
)

// lockedBuffer is a bytes.Buffer safe for the output goroutine and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestOutputOrder(t *testing.T) {
	var out lockedBuffer
	h, err := host.New(host.Config{Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	src := `
print("1 print")
sys.stdout.write("2 stdout\n")
sys.stderr.write("3 stderr\n")
def child():
    print("5 child")
    sys.stdout.writelines(["6 ", "lines\n"])
api.spawn(child)
print("4 print")
api.sleep(0)
sys.stderr.write("7 stderr\n")
`
	if _, err := h.ExecFile(context.Background(), "order.star", src); err != nil {
		t.Fatal(err)
	}
	want := "1 print\n2 stdout\n3 stderr\n4 print\n5 child\n6 lines\n7 stderr\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

// blockedWriter blocks every Write until release is closed.
type blockedWriter struct {
	release chan struct{}
	lockedBuffer
}

func (w *blockedWriter) Write(p []byte) (int, error) {
	<-w.release
	return w.lockedBuffer.Write(p)
}

// TestOutputDoesNotBlockTheHub checks that a stuck stdout (a terminal that
// is not read, a full pipe) stops no green thread: print never parks, and
// green threads go on serving sockets while the output waits.
func TestOutputDoesNotBlockTheHub(t *testing.T) {
	w := &blockedWriter{release: make(chan struct{})}
	var once sync.Once
	release := starlark.NewBuiltin("release", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		once.Do(func() { close(w.release) })
		return starlark.None, nil
	})
	h, err := host.New(host.Config{Stdout: w, Predeclared: starlark.StringDict{"release": release}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	src := `
for i in range(1000):
    print("line", i)
a, b = socket.socketpair()
for i in range(100):
    a.sendall("ping\n")
    if b.makefile().readline() != "ping\n":
        fail("bad ping")
    api.sleep(0.0001)
release()
print("done")
`
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.ExecFile(ctx, "stuck.star", src); err != nil {
		t.Fatal(err)
	}
	got := w.String()
	if !bytes.HasPrefix([]byte(got), []byte("line 0\nline 1\n")) || !bytes.HasSuffix([]byte(got), []byte("line 999\ndone\n")) {
		t.Errorf("output %d bytes: %.40q ... %.40q", len(got), got, got[max(0, len(got)-40):])
	}
}

// brokenWriter fails every Write with EPIPE, as a pipe whose reader left.
type brokenWriter struct{}

func (brokenWriter) Write(p []byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

// TestOutputBrokenPipe checks that a failed stdout raises BrokenPipeError
// in the green threads that print or write to it, each time, catchably,
// while the hub and stderr go on.
func TestOutputBrokenPipe(t *testing.T) {
	for _, test := range []struct{ name, call, attempt string }{
		{"print", `print("x")`, ""},
		{"write", `sys.stdout.write("x\n")`, ""},
		{"flush", `sys.stdout.write("x\n") or sys.stdout.flush()`, ""},
		// print called by catch or try_except itself: no Starlark step
		// of the body follows print's, and the error must still be theirs.
		{"catch(print)", "", `_, e = catch(print, "x")`},
		{"try_except(print)", "", `e = try_except(print, {BrokenPipeError: lambda e: e})`},
		{"other thread", "", ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			var stderr lockedBuffer
			var h *host.Host
			text := starlark.NewBuiltin("stderr_text", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
				h.FlushOutput()
				return starlark.String(stderr.String()), nil
			})
			h, err := host.New(host.Config{Stdout: brokenWriter{}, Stderr: &stderr, Predeclared: starlark.StringDict{"stderr_text": text}})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			attempt := test.attempt
			if attempt == "" {
				attempt = `_, e = catch(lambda: ` + test.call + `)`
			}
			src := `
catch(lambda: print("first")) # the failure shows here, or at a later call
def attempt():
    ` + attempt + `
    return e
e = None
for i in range(1000):
    e = attempt()
    if e != None:
        break
    api.sleep(0.001)
if not isinstance(e, BrokenPipeError):
    fail("got %r, want BrokenPipeError" % e)
for i in range(3):
    if not isinstance(attempt(), BrokenPipeError):
        fail("a later call did not raise again")
sys.stderr.write("still running\n")
`
			if test.name == "other thread" {
				// the spawned thread dies of it: look at stderr instead.
				src = `
catch(lambda: print("first")) # fails here if the writer was quick
for i in range(1000):
    _, e = catch(api.spawn(lambda: print("x")).wait)
    if e != None:
        if not isinstance(e, BrokenPipeError):
            fail("got %r, want BrokenPipeError" % e)
        break
    api.sleep(0.001)
sys.stderr.write("still running\n")
`
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := h.ExecFile(ctx, "broken.star", src); err != nil {
				t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
			}
			got := stderr.String()
			if !strings.HasSuffix(got, "still running\n") {
				t.Errorf("stderr:\n%s\nwant it to end with \"still running\"", got)
			}
			if test.name == "other thread" && !strings.Contains(got, "BrokenPipeError: write /dev/stdout: broken pipe") {
				t.Errorf("stderr:\n%s\nwant the thread's BrokenPipeError", got)
			}
		})
	}
}

// TestOutputReusesBuffers has print and sys.stderr write many batches,
// with pauses that let the writer finish a batch and hand its buffers
// back for the next ones: every line arrives once, in order, on its own
// destination and in the shared order.
func TestOutputReusesBuffers(t *testing.T) {
	var stdout, stderr, both lockedBuffer
	h, err := host.New(host.Config{
		Stdout: writerFunc(func(p []byte) (int, error) { both.Write(p); return stdout.Write(p) }),
		Stderr: writerFunc(func(p []byte) (int, error) { both.Write(p); return stderr.Write(p) }),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	src := `
for i in range(600):
    print("out %d" % i)
    if i % 3 == 0:
        sys.stderr.write("err %d\n" % i)
    if i % 50 == 0:
        api.sleep(0.003)  # longer than the writer lingers: it ends, or writes a batch
`
	if _, err := h.ExecFile(context.Background(), "reuse.star", src); err != nil {
		t.Fatal(err)
	}
	var wantOut, wantErr strings.Builder
	for i := range 600 {
		fmt.Fprintf(&wantOut, "out %d\n", i)
		if i%3 == 0 {
			fmt.Fprintf(&wantErr, "err %d\n", i)
		}
	}
	if got := stdout.String(); got != wantOut.String() {
		t.Errorf("stdout: %d bytes, want %d:\n%.300s", len(got), wantOut.Len(), got)
	}
	if got := stderr.String(); got != wantErr.String() {
		t.Errorf("stderr: %d bytes, want %d:\n%.300s", len(got), wantErr.Len(), got)
	}
	// Each write goes out whole, in the order of the calls: in the shared
	// record, every "err i" line follows "out i".
	lines := strings.Split(strings.TrimSuffix(both.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines in all, want 800", len(lines))
	}
	for k, l := range lines {
		var n int
		if _, err := fmt.Sscanf(l, "err %d", &n); err == nil {
			if k == 0 || lines[k-1] != fmt.Sprintf("out %d", n) {
				t.Fatalf("line %d %q does not follow its print (%q)", k, l, lines[max(k-1, 0)])
			}
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
