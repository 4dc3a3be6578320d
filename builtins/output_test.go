package builtins_test

import (
	"bytes"
	"context"
	"sync"
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
