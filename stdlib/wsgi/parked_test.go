//go:build !race && linux

// The race detector's instrumentation makes every frame larger, so the
// stack figures below hold only without it.

package wsgi_test

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/evscript/evscript/host"
	"github.com/evscript/evscript/host/hosttest"
	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"
)

// parkedStackLimit is hosttest.ParkedStackLimit: 4 KiB and a little slack.
const parkedStackLimit = hosttest.ParkedStackLimit

// parkedHeapLimit bounds the heap a held request costs. It is about 4.6 KiB:
// the connection, its green thread and socket, and the request's Environ
// (about 200 bytes; a dict of its twenty-odd keys would be 3 KiB, four
// buckets of a Starlark hashtable and an overflow bucket). A read buffer
// (4 KiB), the header slice or a made environ dict kept while the
// application parks is past it. The figure varies by a few hundred bytes
// from run to run with the buffers left on the server's free list.
const parkedHeapLimit = 6 << 10

// parkedApp holds every GET /wait on an event until N are held; then it
// measures, answers them all and stops the server. It counts with a list,
// not held += 1: Starlark arithmetic goes through starlark.Binary, whose
// 848-byte frame, on top of the application's interpreter frame (1,664
// bytes) and what is under it, is past a 4 KiB stack wherever it is
// called from an application (see the closing note of the http branch).
const parkedApp = `
ln = api.tcp_listener(("127.0.0.1", 0), backlog=N + 16)
ev = coros.event()
held = []

def finish():
    measure("after")
    ev.send(None)
    ln.close()

def app(env, start_response):
    held.append(None)
    if len(held) == N:
        api.spawn(finish) # runs once this thread parks too
    ev.wait()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["released\r\n"]

measure("before")
open_clients(ln.getsockname()[1])
wsgi.server(ln, app, max_size=N + 1, log_output=False)
`

// TestParkedRequestMemory holds N long-poll requests (the seed's Comet
// case, tests/bench's long-poll) and checks that each one's green thread
// parks on its first 4 KiB stack: the shallow-stack rule of builtins
// (doc.go), through the wsgi request path, and that the heap each held
// request costs (tests/bench measures both as RSS) holds no read buffer.
func TestParkedRequestMemory(t *testing.T) {
	n := 2000 // what the free list of read buffers holds, set by how many requests were read at once, is spread over more requests
	if hub.EnvPoller() == "select" {
		n = 400 // two descriptors a request, and select takes them under 1024 only
	}
	stack, heap := parkedRequests(t, n)
	t.Logf("per held request: %.0f stack bytes, %.0f heap bytes", stack, heap)
	if stack > parkedStackLimit {
		t.Errorf("%.0f stack bytes per held request, want at most %d: a frame on the park path of a wsgi request grew (see the shallow-stack rule in builtins/doc.go)", stack, parkedStackLimit)
	}
	if heap > parkedHeapLimit {
		t.Errorf("%.0f heap bytes per held request, want at most %d: a held request keeps more than its Environ, connection and thread (a read buffer? a made environ dict?)", heap, parkedHeapLimit)
	}
}

// parkedRequests runs parkedApp with n clients and returns the goroutine
// stack and the heap in use per held request.
func parkedRequests(t testing.TB, n int) (stack, heap float64) {
	var before, after runtime.MemStats
	measure := hosttest.MeasureBuiltin(&before, &after)
	// The clients are plain blocking sockets of this process, with no
	// goroutine or Go buffer of their own to count: connect and the
	// request's write complete at once on loopback, in the listener's
	// backlog and the socket buffers.
	var clients []int
	defer func() {
		for _, fd := range clients {
			unix.Close(fd)
		}
	}()
	openClients := starlark.NewBuiltin("open_clients", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		var port int
		if err := starlark.AsInt(args[0], &port); err != nil {
			return nil, err
		}
		req := []byte("GET /wait HTTP/1.1\r\nHost: localhost\r\nUser-Agent: parked_test\r\nAccept: */*\r\n\r\n")
		for range n {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return nil, err
			}
			clients = append(clients, fd)
			if err := unix.Connect(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
				return nil, err
			}
			if _, err := unix.Write(fd, req); err != nil {
				return nil, err
			}
		}
		return starlark.None, nil
	})
	h, err := host.New(host.Config{Stderr: io.Discard, Predeclared: starlark.StringDict{
		"measure": measure, "open_clients": openClients, "N": starlark.MakeInt(n)}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := h.ExecFile(ctx, "parked.star", parkedApp); err != nil {
		t.Fatal(err)
	}
	// Every client got its answer before the server stopped.
	for i, fd := range clients {
		unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 10})
		var got []byte
		buf := make([]byte, 512)
		for len(got) < 4096 {
			m, err := unix.Read(fd, buf)
			if m <= 0 || err != nil {
				break
			}
			got = append(got, buf[:m]...)
		}
		if !bytes.HasPrefix(got, []byte("HTTP/1.1 200 OK\r\n")) || !bytes.HasSuffix(got, []byte("\r\n\r\nreleased\r\n")) {
			t.Fatalf("client %d got %q, want a 200 with \"released\"", i, got)
		}
	}
	stack = float64(after.StackInuse-before.StackInuse) / float64(n)
	heap = float64(after.HeapInuse-before.HeapInuse) / float64(n)
	return stack, heap
}
